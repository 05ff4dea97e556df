"""The active liveness check: did the head make the asked movement, and did it move like a
head rather than like a flat picture?

Movement comes from the yaw and pitch estimates of `muster.vision.quality`, relative to the
first frame. Those alone cannot tell a head from a picture: tilting a picture about a
diagonal axis shifts its nose sideways like a turn, tilting it back shortens the nose like a
nod (see `muster.vision.liveness.geometry`). So every frame that shows enough of the asked
movement must also show the change of eye shape a head makes and a plane cannot (the
"planar residual"); the median over those frames is compared with the configured minimum,
because one frame's landmarks are too noisy for it. On real landmarks the turn's residual
separates live heads from tilted pictures only partly, and the nod's hardly at all
(docs/accuracy.md has the measured rates): treat this as one lever among several.

What this cannot catch, by construction: a *video* of the person (the replayed head really
turned when it was filmed, so its landmarks move like a head although the screen is flat),
a picture bent or curved as it is turned (its outer eye corners then recede like a head's),
and masks. The randomised challenge, its short time limit and the passive check are the
defences against those.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from muster.config import LivenessSettings
from muster.domain.faces import Point
from muster.domain.liveness import ChallengeKind, ChallengeVerdict, LivenessFailure
from muster.vision.liveness.geometry import face_shape
from muster.vision.quality import pitch_deg, yaw_deg


@dataclass(frozen=True, slots=True)
class _Track:
    """Per-frame changes relative to the first frame: yaw (positive = the person's left),
    pitch (positive = down), and the two eye-shape changes a plane cannot make (positive as
    a head turning to its left, or nodding down, makes them)."""

    yaw_change_deg: tuple[float, ...]
    pitch_change_deg: tuple[float, ...]
    asymmetry_change: tuple[float, ...]
    bend_change: tuple[float, ...]

    @classmethod
    def of(cls, landmarks: Sequence[Sequence[Point]]) -> _Track:
        yaws = [yaw_deg(five) for five in landmarks]
        pitches = [pitch_deg(five) for five in landmarks]
        shapes = [face_shape(five) for five in landmarks]
        return cls(
            yaw_change_deg=tuple(yaw - yaws[0] for yaw in yaws),
            pitch_change_deg=tuple(pitches[0] - pitch for pitch in pitches),
            asymmetry_change=tuple(s.eye_asymmetry - shapes[0].eye_asymmetry for s in shapes),
            bend_change=tuple(shapes[0].eye_bend - s.eye_bend for s in shapes),
        )

    def movement_deg(self, kind: ChallengeKind) -> tuple[float, ...]:
        """How far each frame has moved the asked way (negative: the other way)."""
        if kind is ChallengeKind.TURN_LEFT:
            return self.yaw_change_deg
        if kind is ChallengeKind.TURN_RIGHT:
            return tuple(-change for change in self.yaw_change_deg)
        return self.pitch_change_deg

    def residual(self, kind: ChallengeKind) -> tuple[float, ...]:
        """Each frame's planar residual for that movement, in interocular distances."""
        if kind is ChallengeKind.TURN_LEFT:
            return self.asymmetry_change
        if kind is ChallengeKind.TURN_RIGHT:
            return tuple(-change for change in self.asymmetry_change)
        return self.bend_change


def judge_challenge(
    kind: ChallengeKind, landmarks: Sequence[Sequence[Point]], settings: LivenessSettings
) -> ChallengeVerdict:
    """The verdict on an answer to challenge `kind`.

    `landmarks`: the 5 landmarks (dlib order, image pixels) of the one face in each frame,
    in time order; the first frame is the reference pose. Fails with TOO_FEW_FRAMES below
    `challenge_min_frames` frames; with WRONG_MOVEMENT unless at least `min_moved_frames`
    frames have moved the asked way by `min_turn_deg` (turns) or `min_nod_deg` (nod, down);
    with PLANAR_MOTION unless the median planar residual of those frames reaches
    `min_turn_planar_residual` or `min_nod_planar_residual`. Raises ValueError for
    landmarks that are not 5 points of a face.
    """
    if len(landmarks) < settings.challenge_min_frames:
        return _verdict(kind, None, LivenessFailure.TOO_FEW_FRAMES, len(landmarks))
    return _judge(kind, _Track.of(landmarks), settings, len(landmarks))


def judge_motion(
    landmarks: Sequence[Sequence[Point]], settings: LivenessSettings
) -> ChallengeVerdict | None:
    """The verdict on a stream's natural motion, without a challenge.

    None while fewer than `challenge_min_frames` frames are given or the head has not
    turned (either way) by `min_turn_deg` from the first frame in `min_moved_frames`
    frames. Otherwise the verdict of `judge_challenge` for the turn that went furthest:
    passed, or PLANAR_MOTION. Nods are not judged here: on real landmarks a picture tilted
    back shows as much eye bend as a nodding head (docs/accuracy.md), so a track that only
    nods stays undecided rather than passing or failing on noise.
    """
    if len(landmarks) < settings.challenge_min_frames:
        return None
    track = _Track.of(landmarks)
    turns = (ChallengeKind.TURN_LEFT, ChallengeKind.TURN_RIGHT)
    moved = [kind for kind in turns if _moved_frames(kind, track, settings)]
    if not moved:
        return None
    largest = max(moved, key=lambda kind: max(track.movement_deg(kind)))
    return _judge(largest, track, settings, len(landmarks))


def _moved_frames(kind: ChallengeKind, track: _Track, settings: LivenessSettings) -> list[int]:
    """The frames that moved the asked way far enough, or none if fewer than required."""
    least_deg = settings.min_nod_deg if kind is ChallengeKind.NOD else settings.min_turn_deg
    frames = [i for i, deg in enumerate(track.movement_deg(kind)) if deg >= least_deg]
    return frames if len(frames) >= settings.min_moved_frames else []


def _judge(
    kind: ChallengeKind, track: _Track, settings: LivenessSettings, frames_used: int
) -> ChallengeVerdict:
    frames = _moved_frames(kind, track, settings)
    if not frames:
        return _verdict(kind, track, LivenessFailure.WRONG_MOVEMENT, frames_used)
    residuals = track.residual(kind)
    residual = statistics.median(residuals[i] for i in frames)
    least = (
        settings.min_nod_planar_residual
        if kind is ChallengeKind.NOD
        else settings.min_turn_planar_residual
    )
    failure = None if residual >= least else LivenessFailure.PLANAR_MOTION
    return _verdict(kind, track, failure, frames_used, residual)


def _verdict(
    kind: ChallengeKind,
    track: _Track | None,
    failure: LivenessFailure | None,
    frames_used: int,
    residual: float | None = None,
) -> ChallengeVerdict:
    """A verdict reporting the largest signed changes seen; without `residual`, the planar
    residual at the frame that moved furthest the asked way."""
    if track is None:
        return ChallengeVerdict(
            kind=kind,
            passed=False,
            failure=failure,
            yaw_change_deg=0.0,
            pitch_change_deg=0.0,
            planar_residual=0.0,
            frames_used=frames_used,
        )
    movement = track.movement_deg(kind)
    if residual is None:
        residual = track.residual(kind)[movement.index(max(movement))]
    return ChallengeVerdict(
        kind=kind,
        passed=failure is None,
        failure=failure,
        yaw_change_deg=max(track.yaw_change_deg, key=abs),
        pitch_change_deg=max(track.pitch_change_deg, key=abs),
        planar_residual=residual,
        frames_used=frames_used,
    )

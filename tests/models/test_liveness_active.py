"""The active liveness judge on real landmarks: a live person's webcam video, the same
person's video replayed on a phone, and real photos held up as a flat picture and tilted
(simulated, `muster.eval.presentation`). Real: dlib's detector and 5-point model, the
videos and photos in ../shared/faces. Frames are subsampled to keep the tier fast.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

import pytest

from muster.config import LivenessSettings, VisionSettings
from muster.domain.faces import Point
from muster.domain.liveness import ChallengeKind, ChallengeVerdict, LivenessFailure
from muster.eval.presentation import (
    Picture,
    PlanePose,
    interpolated,
    one_face_landmarks,
    video_frames,
)
from muster.vision import FacePipeline, ModelStore
from muster.vision.decode import load_image
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.liveness import judge_challenge, judge_motion

pytestmark = pytest.mark.models

Track = list[tuple[Point, ...]]
SETTINGS = LivenessSettings()
LIVE = "spoof_liveness_webcam/videos/real2.webm"
REPLAY = "spoof_liveness_webcam/videos/fake2.webm"
PRINTS = ("spoof_silent_face/sample/image_F1.jpg", "lfw_dev/George_W_Bush/George_W_Bush_0353.jpg")


@pytest.fixture(scope="module")
def webcam_pipeline(model_store: ModelStore) -> FacePipeline:
    """Webcam faces are large: no upsampling, no CNN fallback (4x faster)."""
    return FacePipeline(VisionSettings(upsample=0, fallback_max_side_px=0), model_store)


@pytest.fixture(scope="module")
def predictor(model_store: ModelStore) -> LandmarkPredictor:
    return LandmarkPredictor(model_store)


def video_track(
    path: Path, stride: int, pipeline: FacePipeline, predictor: LandmarkPredictor
) -> Track:
    return [
        marks
        for frame in video_frames(path, stride)
        if (marks := one_face_landmarks(pipeline, predictor, frame)) is not None
    ]


def motion_verdicts(track: Sequence[tuple[Point, ...]], length: int) -> list[ChallengeVerdict]:
    """judge_motion over windows of `length` frames, half overlapping; only judged ones."""
    windows = [track[i : i + length] for i in range(0, len(track) - length + 1, length // 2)]
    return [v for window in windows if (v := judge_motion(window, SETTINGS)) is not None]


@pytest.fixture(scope="module")
def live_track(
    faces_dir: Path, webcam_pipeline: FacePipeline, predictor: LandmarkPredictor
) -> Track:
    # Every 4th frame: 7.5 fps, 54 frames over the 11.7 s.
    return video_track(faces_dir / LIVE, 4, webcam_pipeline, predictor)


@pytest.fixture(scope="module")
def replay_track(
    faces_dir: Path, webcam_pipeline: FacePipeline, predictor: LandmarkPredictor
) -> Track:
    return video_track(faces_dir / REPLAY, 6, webcam_pipeline, predictor)


def test_the_live_persons_natural_motion_is_judged_live_wherever_it_can_be_judged(
    live_track: Track,
) -> None:
    verdicts = motion_verdicts(live_track, 15)
    assert len(verdicts) >= 3  # the person turns their head several times
    assert all(v.passed for v in verdicts), [v.planar_residual for v in verdicts]


def test_the_live_persons_turns_answer_turn_challenges_in_their_own_direction(
    live_track: Track,
) -> None:
    judged = [
        judge_challenge(kind, live_track[i : i + 15], SETTINGS)
        for i in range(0, len(live_track) - 15 + 1, 7)
        for kind in (ChallengeKind.TURN_LEFT, ChallengeKind.TURN_RIGHT)
    ]
    moved = [v for v in judged if v.failure is not LivenessFailure.WRONG_MOVEMENT]
    assert moved
    assert all(v.passed for v in moved)
    for verdict in moved:
        asked_left = verdict.kind is ChallengeKind.TURN_LEFT
        assert (verdict.yaw_change_deg > 0) == asked_left


def test_a_replayed_video_of_a_turning_head_moves_like_a_head_so_geometry_cannot_catch_it(
    replay_track: Track,
) -> None:
    # The documented limitation: the person filmed really turned, and a flat screen does
    # not undo that. Replays are left to the randomised challenge and the passive check.
    verdicts = motion_verdicts(replay_track, 15)
    assert verdicts
    assert sum(v.passed for v in verdicts) > len(verdicts) / 2


TURN_FAKES = tuple(
    # Tilted about one diagonal, then the other: the picture shears and its nose moves
    # sideways like a turning head's. Both signs of the second tilt, because perspective
    # adds eye-width asymmetry of one sign or the other.
    (
        PlanePose(tilt_deg=tilt, axis_deg=45, roll_deg=0, shift_px=(0, 0)),
        PlanePose(tilt_deg=sign * tilt, axis_deg=135, roll_deg=5, shift_px=(20, 0)),
    )
    for tilt in (35.0, 50.0)
    for sign in (1.0, -1.0)
)
NOD_FAKE = (
    # Tilted back, then brought frontal: the nose drop lengthens like a nodding head's.
    PlanePose(tilt_deg=50, axis_deg=0, roll_deg=0, shift_px=(0, -20)),
    PlanePose(tilt_deg=0, axis_deg=0, roll_deg=0, shift_px=(0, 0)),
)


@pytest.fixture(scope="module")
def held_up(
    faces_dir: Path, webcam_pipeline: FacePipeline, predictor: LandmarkPredictor
) -> dict[tuple[str, int], Track]:
    """What a webcam sees of each photo held up as a flat picture (60 px between its eyes)
    moved in 10 frames by each fake, keyed by (photo, index in TURN_FAKES + (NOD_FAKE,))."""
    tracks = {}
    for relative_path in PRINTS:
        data = (faces_dir / relative_path).read_bytes()
        photo = load_image(data, webcam_pipeline.settings.limits)
        five = one_face_landmarks(webcam_pipeline, predictor, photo)
        assert five is not None
        picture = Picture.of(photo, five)
        for index, (start, end) in enumerate((*TURN_FAKES, NOD_FAKE)):
            tracks[relative_path, index] = [
                marks
                for pose in interpolated(start, end, 10)
                if (shown := picture.shown(pose, 60.0)) is not None
                and (marks := one_face_landmarks(webcam_pipeline, predictor, shown)) is not None
            ]
    return tracks


def test_photos_sheared_to_fake_a_turn_mostly_fail_as_planar_and_stay_below_live_turns(
    held_up: dict[tuple[str, int], Track], live_track: Track
) -> None:
    # Not all fail: on real landmarks a sheared photo sometimes shows the eye-width change
    # of a head (docs/accuracy.md measures about 2% of fakes at the default threshold).
    faked = [
        verdict
        for (_, index), track in held_up.items()
        if index < len(TURN_FAKES)
        for kind in (ChallengeKind.TURN_LEFT, ChallengeKind.TURN_RIGHT)
        if (verdict := judge_challenge(kind, track, SETTINGS)).failure
        is not LivenessFailure.WRONG_MOVEMENT
    ]
    assert len(faked) >= len(held_up) / 2  # most fakes do show a turn
    assert sum(v.failure is LivenessFailure.PLANAR_MOTION for v in faked) > len(faked) / 2
    live = motion_verdicts(live_track, 15)
    faked_median = statistics.median(v.planar_residual for v in faked)
    live_median = statistics.median(v.planar_residual for v in live)
    assert faked_median < SETTINGS.min_turn_planar_residual < live_median


def test_photos_tilted_to_fake_a_nod_fail_the_nod_and_are_not_judged_as_motion(
    held_up: dict[tuple[str, int], Track],
) -> None:
    for relative_path in PRINTS:
        track = held_up[relative_path, len(TURN_FAKES)]
        verdict = judge_challenge(ChallengeKind.NOD, track, SETTINGS)
        assert verdict.pitch_change_deg >= SETTINGS.min_nod_deg  # the fake does nod
        assert not verdict.passed, verdict
        assert judge_motion(track, SETTINGS) is None

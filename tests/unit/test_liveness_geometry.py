"""The active liveness judge on synthetic landmarks: a rigid 3-D face turned and nodded in
front of a camera, against the same face flattened into a picture that is tilted, sheared
and turned. Pure: no models, no images.

The face model has dlib's 5 points in interocular units, x to the image's right, y down, z
toward the camera: the outer eye corners sit 0.06 behind the inner ones (what dlib's
5-point landmarks show on real turning heads, much less than anatomy), the nose base 0.72
below the eyes and 0.3 in front.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from muster.config import LivenessSettings
from muster.domain.faces import Point
from muster.domain.liveness import ChallengeKind, LivenessFailure
from muster.vision.liveness import judge_challenge, judge_motion
from muster.vision.liveness.geometry import face_shape

Array = npt.NDArray[np.float64]

HEAD = np.array(
    [
        [0.7, 0.0, -0.06],  # outer corner of the eye on the image's right
        [0.3, 0.0, 0.0],
        [-0.7, 0.0, -0.06],  # outer corner of the eye on the image's left
        [-0.3, 0.0, 0.0],
        [0.0, 0.72, 0.3],  # base of the nose
    ]
)
PICTURE = HEAD * np.array([1.0, 1.0, 0.0])  # the same face, printed flat
SETTINGS = LivenessSettings()


def rotation(yaw_deg: float = 0.0, pitch_deg: float = 0.0, axis_deg: float = 0.0) -> Array:
    """Yaw > 0 turns the face toward the image's right (the person's left); pitch > 0
    raises the chin; `axis_deg` tilts the turn's axis from the image's vertical (for a
    picture tilted about a diagonal)."""
    yaw, pitch, axis = (math.radians(a) for a in (yaw_deg, pitch_deg, axis_deg))
    turn = np.array(
        [[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]]
    )
    nod = np.array(
        [[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]]
    )
    roll = np.array(
        [[math.cos(axis), -math.sin(axis), 0], [math.sin(axis), math.cos(axis), 0], [0, 0, 1]]
    )
    result: Array = roll @ turn @ nod @ roll.T
    return result


def seen(points: Array, turn: Array, distance: float = 10.0) -> tuple[Point, ...]:
    """The 5 points turned by `turn` and seen by a pinhole camera `distance` interocular
    distances away (60 px between the eyes when frontal)."""
    moved = points @ turn.T
    scale = 60.0 * distance / (distance - moved[:, 2])
    return tuple(
        Point(320 + float(x * s), 240 + float(y * s))
        for (x, y), s in zip(moved[:, :2], scale, strict=True)
    )


def sequence(
    points: Array, frames: int = 10, distance: float = 10.0, **end: float
) -> list[tuple[Point, ...]]:
    """Frames moving evenly from frontal to the rotation `end` (keywords of `rotation`)."""
    axis = end.pop("axis_deg", 0.0)
    return [
        seen(points, rotation(**{k: v * t for k, v in end.items()}, axis_deg=axis), distance)
        for t in np.linspace(0.0, 1.0, frames)
    ]


def test_a_head_turning_to_its_left_passes_a_turn_left_challenge() -> None:
    verdict = judge_challenge(ChallengeKind.TURN_LEFT, sequence(HEAD, yaw_deg=35), SETTINGS)
    assert verdict.passed
    assert verdict.failure is None
    assert 30 < verdict.yaw_change_deg < 45
    assert verdict.planar_residual > SETTINGS.min_turn_planar_residual
    assert verdict.frames_used == 10


def test_a_head_turning_to_its_right_passes_a_turn_right_challenge() -> None:
    verdict = judge_challenge(ChallengeKind.TURN_RIGHT, sequence(HEAD, yaw_deg=-35), SETTINGS)
    assert verdict.passed
    assert verdict.yaw_change_deg < -30


def test_a_head_turning_the_other_way_fails_with_wrong_movement() -> None:
    verdict = judge_challenge(ChallengeKind.TURN_RIGHT, sequence(HEAD, yaw_deg=35), SETTINGS)
    assert verdict.failure is LivenessFailure.WRONG_MOVEMENT
    assert not verdict.passed


def test_a_head_turning_too_little_fails_with_wrong_movement() -> None:
    verdict = judge_challenge(ChallengeKind.TURN_LEFT, sequence(HEAD, yaw_deg=12), SETTINGS)
    assert verdict.failure is LivenessFailure.WRONG_MOVEMENT


def test_a_nodding_head_bends_its_eye_corners_and_passes_a_nod_challenge_that_asks_for_it() -> None:
    # A 25-degree nod of this head bends the eye corners by about 0.015 interocular
    # distances, less than the default minimum (real pictures reach that too, see
    # min_nod_planar_residual), so this asks for less.
    lenient = LivenessSettings(min_nod_planar_residual=0.01)
    verdict = judge_challenge(ChallengeKind.NOD, sequence(HEAD, pitch_deg=-25), lenient)
    assert verdict.passed
    assert verdict.pitch_change_deg > SETTINGS.min_nod_deg
    assert verdict.planar_residual > 0.01


def test_a_picture_sheared_like_a_turn_turns_far_enough_but_is_judged_planar() -> None:
    # Tilting the picture 60 degrees about a diagonal shears it: its nose moves sideways
    # as a head's does when it turns, but the eye widths keep their ratio. Seen from far
    # enough away for perspective not to matter (see the limitation below).
    frames = sequence(PICTURE, distance=200.0, yaw_deg=60, axis_deg=-45)
    verdict = judge_challenge(ChallengeKind.TURN_LEFT, frames, SETTINGS)
    assert verdict.yaw_change_deg > SETTINGS.min_turn_deg
    assert verdict.failure is LivenessFailure.PLANAR_MOTION
    assert abs(verdict.planar_residual) < 1e-3


def test_a_picture_tilted_back_fakes_a_nod_but_is_judged_planar() -> None:
    # Bringing a picture from tilted back to frontal lengthens its nose like a nod.
    frames = sequence(PICTURE, distance=200.0, pitch_deg=50)[::-1]
    verdict = judge_challenge(ChallengeKind.NOD, frames, SETTINGS)
    assert verdict.pitch_change_deg > SETTINGS.min_nod_deg
    assert verdict.failure is LivenessFailure.PLANAR_MOTION


def test_a_picture_close_to_the_camera_shows_perspective_that_mimics_a_turn() -> None:
    # The known limitation: a picture turned close to the camera (its face 1/4 of the
    # image wide) grows on its near side; the eye-width change this makes has the sign and
    # about the size of a turning head's, so only the threshold's margin stops it.
    far = judge_challenge(
        ChallengeKind.TURN_LEFT,
        sequence(PICTURE, distance=200.0, yaw_deg=60, axis_deg=-45),
        SETTINGS,
    )
    near = judge_challenge(
        ChallengeKind.TURN_LEFT, sequence(PICTURE, distance=4.0, yaw_deg=60, axis_deg=-45), SETTINGS
    )
    assert near.planar_residual > far.planar_residual + 0.003


def test_an_answer_with_too_few_frames_fails_before_any_geometry() -> None:
    frames = sequence(HEAD, frames=SETTINGS.challenge_min_frames - 1, yaw_deg=35)
    verdict = judge_challenge(ChallengeKind.TURN_LEFT, frames, SETTINGS)
    assert verdict.failure is LivenessFailure.TOO_FEW_FRAMES
    assert verdict.frames_used == SETTINGS.challenge_min_frames - 1


def test_motion_of_a_still_head_cannot_be_judged_yet() -> None:
    assert judge_motion(sequence(HEAD, yaw_deg=5, pitch_deg=3), SETTINGS) is None


def test_motion_of_a_head_that_only_nods_is_not_judged() -> None:
    assert judge_motion(sequence(HEAD, pitch_deg=-25), SETTINGS) is None


def test_motion_of_a_turning_head_passes_as_the_turn_it_made() -> None:
    verdict = judge_motion(sequence(HEAD, yaw_deg=-40), SETTINGS)
    assert verdict is not None
    assert verdict.passed
    assert verdict.kind is ChallengeKind.TURN_RIGHT


def test_motion_of_a_sheared_picture_fails_as_planar() -> None:
    verdict = judge_motion(sequence(PICTURE, distance=200.0, yaw_deg=60, axis_deg=-45), SETTINGS)
    assert verdict is not None
    assert verdict.failure is LivenessFailure.PLANAR_MOTION


def test_face_shape_does_not_change_under_any_affine_map() -> None:
    rng = np.random.default_rng(3)
    frontal = np.array([[p.x, p.y] for p in seen(HEAD, rotation(yaw_deg=10, pitch_deg=5))])
    before = face_shape([Point(float(x), float(y)) for x, y in frontal])
    for _ in range(20):
        linear = rng.normal(size=(2, 2)) + 2 * np.eye(2)
        moved = frontal @ linear.T + rng.normal(size=2) * 100
        after = face_shape([Point(float(x), float(y)) for x, y in moved])
        assert after.eye_asymmetry == pytest.approx(before.eye_asymmetry, abs=1e-9)
        assert after.eye_bend == pytest.approx(before.eye_bend, abs=1e-9)


def test_face_shape_asymmetry_grows_as_the_head_turns_to_its_left() -> None:
    asymmetries = [face_shape(seen(HEAD, rotation(yaw_deg=y))).eye_asymmetry for y in (-30, 0, 30)]
    assert asymmetries[0] < asymmetries[1] < asymmetries[2]


def test_face_shape_refuses_landmarks_that_are_not_five_points_of_a_face() -> None:
    with pytest.raises(ValueError, match="5 landmarks"):
        face_shape([Point(0, 0)] * 4)
    on_the_eye_line = [Point(0, 0), Point(1, 0), Point(3, 0), Point(2, 0), Point(1.5, 0)]
    with pytest.raises(ValueError, match="eye line"):
        face_shape(on_the_eye_line)

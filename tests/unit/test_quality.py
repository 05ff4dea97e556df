"""Face quality maths on synthetic landmarks and chips. Real: numpy only (no I/O, no models).

The synthetic face: eye centres 60 px apart on a level line, each eye 20 px wide, and the
base of the nose centred below them at the frontal drop `NOSE_DROP_PER_INTEROCULAR`."""

from __future__ import annotations

import math

import numpy as np
import pytest

from muster.domain.faces import Point, RGBImage
from muster.vision.quality import (
    NOSE_DEPTH_PER_INTEROCULAR,
    NOSE_DROP_PER_INTEROCULAR,
    brightness,
    contrast,
    interocular_px,
    luminance,
    measure_quality,
    pitch_deg,
    roll_deg,
    sharpness,
    yaw_deg,
)

INTEROCULAR_PX = 60.0
EYE_WIDTH_PX = 20.0


def face_points(
    nose_sideways: float = 0.0,
    nose_drop: float = NOSE_DROP_PER_INTEROCULAR,
    centre: tuple[float, float] = (100.0, 100.0),
    scale: float = 1.0,
    rotation_deg: float = 0.0,
) -> tuple[Point, ...]:
    """dlib 5-point landmarks of a synthetic face. The nose offsets are in interocular
    distances; the whole face is then scaled and rotated (clockwise in the image) about
    `centre`, which is the eye midpoint."""
    half_io, half_eye = INTEROCULAR_PX / 2, EYE_WIDTH_PX / 2
    local = [
        (half_io + half_eye, 0.0),  # eye on the image's right, outer corner
        (half_io - half_eye, 0.0),  # ... inner corner
        (-half_io - half_eye, 0.0),  # eye on the image's left, outer corner
        (-half_io + half_eye, 0.0),  # ... inner corner
        (nose_sideways * INTEROCULAR_PX, nose_drop * INTEROCULAR_PX),  # base of the nose
    ]
    angle = math.radians(rotation_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    return tuple(
        Point(centre[0] + scale * (x * cos - y * sin), centre[1] + scale * (x * sin + y * cos))
        for x, y in local
    )


def flat_chip(grey_level: int, size_px: int = 150) -> RGBImage:
    return np.full((size_px, size_px, 3), grey_level, dtype=np.uint8)


def checkerboard_chip(cell_px: int, size_px: int = 150) -> RGBImage:
    rows, cols = np.indices((size_px, size_px)) // cell_px
    grey = np.where((rows + cols) % 2 == 0, 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def test_interocular_distance_is_between_eye_centres() -> None:
    assert interocular_px(face_points()) == pytest.approx(INTEROCULAR_PX)


def test_interocular_distance_grows_with_the_face_and_ignores_rotation() -> None:
    assert interocular_px(face_points(scale=2.5, rotation_deg=30)) == pytest.approx(150.0)


def test_frontal_face_has_zero_yaw_pitch_and_roll() -> None:
    points = face_points()
    assert yaw_deg(points) == pytest.approx(0.0, abs=1e-9)
    assert pitch_deg(points) == pytest.approx(0.0, abs=1e-6)
    assert roll_deg(points) == pytest.approx(0.0, abs=1e-9)


def test_nose_toward_image_right_is_positive_yaw() -> None:
    assert yaw_deg(face_points(nose_sideways=0.1)) > 0
    assert yaw_deg(face_points(nose_sideways=-0.1)) < 0


def test_yaw_follows_the_rigid_head_model() -> None:
    # Turning by 30 degrees puts the nose depth*tan(30) interocular distances sideways.
    sideways = NOSE_DEPTH_PER_INTEROCULAR * math.tan(math.radians(30))
    assert yaw_deg(face_points(nose_sideways=sideways)) == pytest.approx(30.0)


def test_raised_chin_is_positive_pitch() -> None:
    # Raising the chin brings the base of the nose up toward the eye line.
    assert pitch_deg(face_points(nose_drop=NOSE_DROP_PER_INTEROCULAR - 0.15)) > 5
    assert pitch_deg(face_points(nose_drop=NOSE_DROP_PER_INTEROCULAR + 0.03)) < 0


def test_pitch_follows_the_rigid_head_model() -> None:
    pitch = math.radians(20)
    drop = NOSE_DROP_PER_INTEROCULAR * math.cos(pitch) - NOSE_DEPTH_PER_INTEROCULAR * math.sin(
        pitch
    )
    assert pitch_deg(face_points(nose_drop=drop)) == pytest.approx(20.0)


def test_looking_down_beyond_the_model_limit_saturates_instead_of_failing() -> None:
    limit_deg = math.degrees(math.atan2(NOSE_DEPTH_PER_INTEROCULAR, NOSE_DROP_PER_INTEROCULAR))
    assert pitch_deg(face_points(nose_drop=2.0)) == pytest.approx(-limit_deg)


def test_pose_does_not_depend_on_face_size_position_or_roll() -> None:
    upright = face_points(nose_sideways=0.08, nose_drop=0.7)
    moved = face_points(
        nose_sideways=0.08, nose_drop=0.7, centre=(400, 50), scale=3, rotation_deg=25
    )
    assert yaw_deg(moved) == pytest.approx(yaw_deg(upright))
    assert pitch_deg(moved) == pytest.approx(pitch_deg(upright))
    assert roll_deg(moved) == pytest.approx(25.0)


def test_head_tilted_clockwise_is_positive_roll() -> None:
    assert roll_deg(face_points(rotation_deg=10)) == pytest.approx(10.0)
    assert roll_deg(face_points(rotation_deg=-10)) == pytest.approx(-10.0)


def test_landmarks_other_than_five_points_are_rejected() -> None:
    with pytest.raises(ValueError, match="5 landmarks"):
        yaw_deg(face_points()[:4])


def test_coinciding_eyes_are_rejected() -> None:
    with pytest.raises(ValueError, match="coincide"):
        yaw_deg(tuple(Point(10.0, 10.0) for _ in range(5)))


def test_luminance_uses_bt601_weights() -> None:
    chip = np.zeros((3, 3, 3), dtype=np.uint8)
    chip[..., 0] = 255
    assert luminance(chip) == pytest.approx(np.full((3, 3), 0.299 * 255))


def test_flat_chip_has_no_sharpness_or_contrast_and_its_grey_level_as_brightness() -> None:
    chip = flat_chip(128)
    assert sharpness(chip) == 0.0
    assert contrast(chip) == 0.0
    assert brightness(chip) == pytest.approx(128.0)


def test_half_black_half_white_chip_has_mid_brightness_and_full_contrast() -> None:
    chip = flat_chip(0)
    chip[:, 75:] = 255
    assert brightness(chip) == pytest.approx(127.5)
    assert contrast(chip) == pytest.approx(127.5)


def test_blurring_lowers_sharpness() -> None:
    sharp = checkerboard_chip(cell_px=3)
    kernel_px = 5
    padded = np.pad(sharp.astype(np.float64), ((2, 2), (2, 2), (0, 0)), mode="edge")
    blurred = np.zeros(sharp.shape, dtype=np.float64)
    for dy in range(kernel_px):
        for dx in range(kernel_px):
            blurred += padded[dy : dy + 150, dx : dx + 150] / (kernel_px * kernel_px)
    assert sharpness(blurred.astype(np.uint8)) < sharpness(sharp) / 4


def test_finer_detail_is_sharper() -> None:
    assert sharpness(checkerboard_chip(cell_px=2)) > sharpness(checkerboard_chip(cell_px=10))


def test_non_rgb_chips_are_rejected() -> None:
    with pytest.raises(ValueError, match="H x W x 3"):
        brightness(np.zeros((150, 150), dtype=np.uint8))


def test_measure_quality_combines_landmark_and_chip_numbers() -> None:
    points = face_points(nose_sideways=0.05, scale=2)
    chip = checkerboard_chip(cell_px=5)
    quality = measure_quality(points, chip)
    assert quality.interocular_px == pytest.approx(120.0)
    assert quality.yaw_deg == pytest.approx(yaw_deg(points))
    assert quality.pitch_deg == pytest.approx(pitch_deg(points))
    assert quality.sharpness == pytest.approx(sharpness(chip))
    assert quality.brightness == pytest.approx(brightness(chip))
    assert quality.contrast == pytest.approx(contrast(chip))

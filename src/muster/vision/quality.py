"""Face quality numbers as pure numpy functions of the 5 landmarks and the aligned chip.

Landmarks follow dlib's 5-point order (see `muster.vision.landmarks`): points 0-1 are the
corners of the eye on the image's right, 2-3 those of the eye on the image's left, 4 the
base of the nose. Coordinates are image pixels, x to the right, y down.

Head pose comes from where the base of the nose sits relative to the eyes, measured in a
frame that follows the eye line (so roll does not leak into yaw or pitch) and in units of
the interocular distance (so face size does not matter). Treating the head as rigid, with
the nose base a fixed depth in front of the eye corners, turns those offsets into angles.
These are estimates for quality gates, not a pose tracker. Faces differ in shape, so on one
face yaw is good to about 10 degrees and pitch only to about 15-20 degrees; pitch also
saturates at about -23 degrees (see `pitch_deg`). On LFW the median yaw is -0.7 degrees and
the median absolute yaw 13 degrees.

Sign conventions, from the camera's point of view:
    yaw_deg > 0: the face turns toward the image's right (the subject looks to their left).
    pitch_deg > 0: the chin is raised (the subject looks up).
    roll_deg > 0: the head tilts clockwise in the image (the eye on the image's right is lower).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from muster.domain.faces import FaceQuality, Point, RGBImage

FloatArray = npt.NDArray[np.float64]

NOSE_DEPTH_PER_INTEROCULAR = 0.3
"""How far the base of the nose sits in front of the eye-corner centres, in interocular
distances (anthropometric averages: about 18 mm in front, eyes about 61 mm apart)."""

NOSE_DROP_PER_INTEROCULAR = 0.72
"""How far below the eye line the base of the nose appears in a frontal face, in interocular
distances: the median over 1,240 LFW development faces after the yaw correction in
`pitch_deg` (press photos are taken at eye height on average). Faces differ by about
+-0.1 around it, which is the main error of `pitch_deg` (about +-10 degrees)."""

_BT601_WEIGHTS = np.array([0.299, 0.587, 0.114])


def _as_array(five: Sequence[Point]) -> FloatArray:
    if len(five) != 5:
        raise ValueError(f"expected the 5 landmarks of dlib's 5-point model, got {len(five)}")
    return np.array([[p.x, p.y] for p in five], dtype=np.float64)


def _eye_centres(points: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(eye on the image's left, eye on the image's right), each the mean of its corners."""
    return points[2:4].mean(axis=0), points[0:2].mean(axis=0)


def interocular_px(five: Sequence[Point]) -> float:
    """Distance between the two eye centres, in pixels of the landmarks' image."""
    left_eye, right_eye = _eye_centres(_as_array(five))
    return float(np.linalg.norm(right_eye - left_eye))


def roll_deg(five: Sequence[Point]) -> float:
    """In-plane tilt of the eye line, degrees; 0 when the eyes are level."""
    left_eye, right_eye = _eye_centres(_as_array(five))
    dx, dy = right_eye - left_eye
    return math.degrees(math.atan2(dy, dx))


def _nose_offset(five: Sequence[Point]) -> tuple[float, float]:
    """The nose base relative to the eye midpoint, along and across the eye line, in
    interocular distances (across: positive is down the face)."""
    points = _as_array(five)
    left_eye, right_eye = _eye_centres(points)
    along = right_eye - left_eye
    distance_px = float(np.linalg.norm(along))
    if distance_px == 0.0:
        raise ValueError("the two eye centres coincide; these are not face landmarks")
    unit_along = along / distance_px
    unit_down = np.array([-unit_along[1], unit_along[0]])
    offset = points[4] - (left_eye + right_eye) / 2
    return (
        float(offset @ unit_along) / distance_px,
        float(offset @ unit_down) / distance_px,
    )


def yaw_deg(five: Sequence[Point]) -> float:
    """Left-right head turn, degrees, 0 frontal (sign in the module docstring).

    Turning by yaw moves the nose base sideways by depth*sin(yaw) while the eyes close up
    to interocular*cos(yaw), so the measured ratio is depth/interocular * tan(yaw).
    """
    sideways, _ = _nose_offset(five)
    return math.degrees(math.atan(sideways / NOSE_DEPTH_PER_INTEROCULAR))


def pitch_deg(five: Sequence[Point]) -> float:
    """Up-down head tilt, degrees, 0 frontal (sign in the module docstring).

    In a frontal face the nose base is `NOSE_DROP_PER_INTEROCULAR` below the eye line;
    raising the chin by pitch makes that drop drop*cos(pitch) - depth*sin(pitch). The
    measured drop is first rescaled by cos(yaw), because yaw shortens the interocular
    distance we divide by but not the vertical one. Lowering the head beyond
    atan(depth / drop), about 23 degrees, shrinks the drop again, so the estimate saturates
    there: -23 means "23 degrees down or more".
    """
    sideways, down = _nose_offset(five)
    yaw = math.atan(sideways / NOSE_DEPTH_PER_INTEROCULAR)
    drop = down * math.cos(yaw)
    radius = math.hypot(NOSE_DROP_PER_INTEROCULAR, NOSE_DEPTH_PER_INTEROCULAR)
    phase = math.atan2(NOSE_DEPTH_PER_INTEROCULAR, NOSE_DROP_PER_INTEROCULAR)
    cosine = min(1.0, max(-1.0, drop / radius))
    return math.degrees(math.acos(cosine) - phase)


def luminance(chip: RGBImage) -> FloatArray:
    """Grey levels 0..255 (ITU-R BT.601 weights) of an RGB image."""
    if chip.ndim != 3 or chip.shape[2] != 3:
        raise ValueError(f"expected an H x W x 3 RGB image, got shape {chip.shape}")
    grey: FloatArray = chip.astype(np.float64) @ _BT601_WEIGHTS
    return grey


def sharpness(chip: RGBImage) -> float:
    """Variance of the 4-neighbour Laplacian of the grey chip (interior pixels only).
    Blur removes the fine detail the Laplacian responds to, so lower is blurrier; the
    value depends on chip size, so compare chips of one size (150 px aligned chips)."""
    grey = luminance(chip)
    if min(grey.shape) < 3:
        raise ValueError(f"the chip is too small for a 3x3 Laplacian: {grey.shape}")
    laplacian = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    )
    return float(laplacian.var())


def brightness(chip: RGBImage) -> float:
    """Mean luminance, 0 (black) to 255 (white)."""
    return float(luminance(chip).mean())


def contrast(chip: RGBImage) -> float:
    """Standard deviation of luminance, 0 (flat) to about 128."""
    return float(luminance(chip).std())


def measure_quality(five: Sequence[Point], chip: RGBImage) -> FaceQuality:
    """All quality numbers of one face: pose and size from its 5 landmarks in the
    original image, sharpness and exposure from its aligned chip."""
    return FaceQuality(
        interocular_px=interocular_px(five),
        sharpness=sharpness(chip),
        yaw_deg=yaw_deg(five),
        pitch_deg=pitch_deg(five),
        brightness=brightness(chip),
        contrast=contrast(chip),
    )

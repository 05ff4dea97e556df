"""Passive liveness: does one frame of a face look recaptured (a print or a screen held up to
the camera)?

The cue, and why: a live face reaches the sensor through one imaging system (the camera). A
printed photo or a replayed screen has been through at least two (the camera that took the
photo, the printer's dots or the screen's pixels, then our camera), and each one low-passes
the image. So an attack keeps less *fine detail for the size of the face* than a live face.
We measure that directly on the luminance of the face region, with scales tied to the face
rather than to pixels, so near and far faces compare:

* fine band: what a Gaussian blur of `DETAIL_SCALE_PER_INTEROCULAR` of the eye distance
  removes (skin texture, eyelashes, hair edges, and the sensor's own noise);
* structure band: the shading between that scale and `STRUCTURE_SCALE_PER_INTEROCULAR`
  (eyes, nose, mouth).

`detail_ratio` is the log of fine-band over structure-band energy. Nothing here is fitted on
face data: the centre of the score, `RECAPTURE_DETAIL_RATIO`, is the ratio of an image with
natural-image statistics (amplitude spectrum 1/f) after a Gaussian blur of exactly one
detail scale, i.e. an image that has just lost the band the measure looks at; the width is
a quarter of the change between a half and one and a half detail scales of blur.
tests/unit/test_liveness_passive.py regenerates both numbers from synthetic 1/f noise.

What it cannot see (docs/accuracy.md has the measured rates): a sharp, high-resolution print
or screen shot close to a good camera keeps its fine detail and passes; a blurred or
over-compressed live face fails. It is one signal, to combine with the active challenge and
the stream's motion check, not a gate on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from muster.config import LivenessSettings
from muster.domain.faces import Box, Point, RGBImage
from muster.domain.liveness import PassiveVerdict

Float32Array = npt.NDArray[np.float32]

DETAIL_SCALE_PER_INTEROCULAR: Final = 1 / 60
"""Sigma of the blur that defines the fine band, in eye distances (about 1 px at 60 px)."""
STRUCTURE_SCALE_PER_INTEROCULAR: Final = 1 / 10
"""Sigma of the blur that ends the structure band, in eye distances (the size of an eye)."""
MIN_DETAIL_SIGMA_PX: Final = 0.5
"""The fine band never goes below half a pixel: below that there is nothing left to measure,
so faces under 30 px between the eyes are judged at the pixel limit."""
MAX_INTEROCULAR_PX: Final = 96.0
"""Larger faces are resampled to this eye distance first: the ratio does not depend on the
face's pixel size (both bands scale with it), and the cost then stays under a millisecond."""
RECAPTURE_DETAIL_RATIO: Final = -2.64
"""`detail_ratio` of a 1/f (natural-statistics) image blurred by one detail scale."""
DETAIL_RATIO_WIDTH: Final = 0.63
"""Logistic width of the score, in units of `detail_ratio` (see the module docstring)."""
MIN_GREY_STD: Final = 1.0
"""A face region whose grey levels vary by less than one level has no shading to measure
against (a flat or saturated patch): it is scored 0, not live."""

_INTEROCULAR_PER_BOX_WIDTH: Final = 1 / 2.18
"""Eye distance per box width of dlib's detectors (a geometry convention of their boxes,
measured on their own output; not a liveness parameter), used only without landmarks."""
_MIN_REGION_PX: Final = 8
_FIVE_FROM_68_POINTS: Final = (45, 42, 36, 39, 33)
"""Indices of the 68-point (iBUG) scheme that match dlib's 5 points, as in
`muster.vision.landmarks`, so faces from the optional 68-point model are framed alike."""


def live_score(detail: float) -> float:
    """Map a `detail_ratio` to [0, 1]: 0.5 at `RECAPTURE_DETAIL_RATIO`, higher with more
    fine detail for the face's size."""
    z = (detail - RECAPTURE_DETAIL_RATIO) / DETAIL_RATIO_WIDTH
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def detail_ratio(luma: Float32Array, interocular_px: float) -> float:
    """Log of the fine-band over the structure-band energy of a grey face region (any scale
    of grey levels), for a face with `interocular_px` between the eyes in this region's
    pixels. Higher means more fine detail for the face's size; NaN-free for any region
    of at least 3 x 3 pixels. Raises ValueError for a smaller region or a non-positive
    eye distance."""
    if luma.ndim != 2 or min(luma.shape) < 3:
        raise ValueError(f"expected a 2-D grey region of at least 3 x 3, got {luma.shape}")
    if not interocular_px > 0:
        raise ValueError(f"the eye distance must be positive, got {interocular_px}")
    detail_sigma = max(MIN_DETAIL_SIGMA_PX, interocular_px * DETAIL_SCALE_PER_INTEROCULAR)
    structure_sigma = max(detail_sigma, interocular_px * STRUCTURE_SCALE_PER_INTEROCULAR)
    fine_blur = cv2.GaussianBlur(luma, (0, 0), detail_sigma, borderType=cv2.BORDER_REFLECT)
    coarse_blur = cv2.GaussianBlur(luma, (0, 0), structure_sigma, borderType=cv2.BORDER_REFLECT)
    # The 1/12 grey level squared is 8-bit rounding noise: it keeps both logs finite.
    floor = 1 / 12
    fine = float(np.var(luma - fine_blur)) + floor
    structure = float(np.var(fine_blur - coarse_blur)) + floor
    return math.log(fine) - math.log(structure)


def face_region(
    image: RGBImage, box: Box, landmarks: Sequence[Point]
) -> tuple[Float32Array, float] | None:
    """The grey (0..255) region of the face that the measure looks at, from the brows to the
    chin and cheek to cheek, resampled so the eye distance is at most `MAX_INTEROCULAR_PX`;
    and that eye distance in the returned region's pixels. Uses the 5-point landmarks (dlib
    order) when given, else the box. None when less than 8 x 8 pixels of it lie inside the
    image."""
    centre_x, centre_y, interocular = _face_frame(box, landmarks)
    if not interocular > 0:
        return None
    height_px, width_px = image.shape[:2]
    left = max(0, round(centre_x - 0.9 * interocular))
    right = min(width_px, round(centre_x + 0.9 * interocular))
    top = max(0, round(centre_y - 0.9 * interocular))
    bottom = min(height_px, round(centre_y + 1.1 * interocular))
    if right - left < _MIN_REGION_PX or bottom - top < _MIN_REGION_PX:
        return None
    grey = cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_RGB2GRAY)
    if interocular > MAX_INTEROCULAR_PX:
        factor = MAX_INTEROCULAR_PX / interocular
        size = (max(3, round(grey.shape[1] * factor)), max(3, round(grey.shape[0] * factor)))
        # INTER_AREA averages each output pixel's footprint, so shrinking does not alias.
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        interocular = MAX_INTEROCULAR_PX
    return grey.astype(np.float32), interocular


def _face_frame(box: Box, landmarks: Sequence[Point]) -> tuple[float, float, float]:
    """(centre x, centre y, eye distance) of a face, in image pixels. The centre sits between
    the eyes and the nose base (the middle of the region that shows skin detail)."""
    if len(landmarks) == 68:
        landmarks = [landmarks[i] for i in _FIVE_FROM_68_POINTS]
    if len(landmarks) == 5:
        points = np.array([[p.x, p.y] for p in landmarks], dtype=np.float64)
        image_right_eye = points[0:2].mean(axis=0)
        image_left_eye = points[2:4].mean(axis=0)
        eyes = (image_right_eye + image_left_eye) / 2
        centre = 0.6 * eyes + 0.4 * points[4]
        interocular = float(np.linalg.norm(image_right_eye - image_left_eye))
        return float(centre[0]), float(centre[1]), interocular
    interocular = box.width * _INTEROCULAR_PER_BOX_WIDTH
    # On a dlib box that centre lies 8% of the box height above the box's middle.
    return (box.left + box.right) / 2, (box.top + box.bottom) / 2 - 0.08 * box.height, interocular


class PassiveLivenessDetector:
    """Scores one face in one frame for signs of a recapture (print or screen).

    Stateless after construction, so one instance may be used from many threads at once;
    `assess` costs about a millisecond whatever the image size (the region is resampled).
    """

    def __init__(self, settings: LivenessSettings) -> None:
        self._min_live_score = settings.passive_min_live_score

    def assess(self, image: RGBImage, box: Box, landmarks: Sequence[Point]) -> PassiveVerdict:
        """The verdict on the face in `box` of an H x W x 3 uint8 RGB `image`, with its
        5-point landmarks (dlib order, image pixels; 68 points are reduced to those 5; any
        other number of points falls back to the box). A face too small or too flat to
        measure (see `face_region` and `MIN_GREY_STD`) scores 0: not live."""
        score = self.live_score(image, box, landmarks)
        return PassiveVerdict(live_score=score, is_live=score >= self._min_live_score)

    def live_score(self, image: RGBImage, box: Box, landmarks: Sequence[Point]) -> float:
        """The `live_score` of `assess`, without the threshold (for evaluations)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"expected an H x W x 3 uint8 RGB image, got shape {image.shape} of {image.dtype}"
            )
        region = face_region(image, box, landmarks)
        if region is None:
            return 0.0
        luma, interocular = region
        if float(np.std(luma)) < MIN_GREY_STD:
            return 0.0
        return live_score(detail_ratio(luma, interocular))

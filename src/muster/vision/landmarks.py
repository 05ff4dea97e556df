"""Facial landmarks for a detected box, from dlib's shape predictors.

The 5-point model is the default: it is what alignment needs and it may be used
commercially. Its points, in dlib's order, are: 0 and 1 the outer and inner corner of the
eye on the image's right (the subject's left eye), 2 and 3 the outer and inner corner of the
eye on the image's left, 4 the base of the nose. The optional 68-point model has
non-commercial training data (see `muster.vision.models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import dlib

from muster.domain.faces import Box, Point, RGBImage
from muster.vision.detect import box_to_dlib
from muster.vision.models import ModelStore

# Indices of the 68-point (iBUG) scheme that correspond to the 5-point model's points.
_FIVE_FROM_68 = (45, 42, 36, 39, 33)


class LandmarkScheme(StrEnum):
    FIVE_POINT = "5"
    SIXTY_EIGHT_POINT = "68"


@dataclass(frozen=True, slots=True)
class FaceLandmarks:
    """Landmarks of one face in original-image pixels, plus the dlib shape they came from
    (dlib's chip extraction needs that object, not our points)."""

    points: tuple[Point, ...]
    shape: dlib.full_object_detection

    @property
    def five_points(self) -> tuple[Point, ...]:
        """The 5-point model's points, whichever scheme produced these landmarks."""
        if len(self.points) == 5:
            return self.points
        return tuple(self.points[i] for i in _FIVE_FROM_68)


class LandmarkPredictor:
    """Predicts landmarks inside a face box with the chosen scheme (loaded on first use)."""

    def __init__(self, models: ModelStore, scheme: LandmarkScheme = LandmarkScheme.FIVE_POINT):
        self._models = models
        self._scheme = scheme

    def load(self) -> None:
        """Loads the model now (for start-up warm-up)."""
        self._model()

    def predict(self, image: RGBImage, box: Box) -> FaceLandmarks:
        """Landmarks of the face in `box` (pixels of `image`)."""
        shape = self._model()(image, box_to_dlib(box))
        points = tuple(Point(float(p.x), float(p.y)) for p in shape.parts())
        return FaceLandmarks(points, shape)

    def _model(self) -> dlib.shape_predictor:
        if self._scheme is LandmarkScheme.FIVE_POINT:
            return self._models.landmarks_5()
        return self._models.landmarks_68()

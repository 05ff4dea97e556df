"""What the vision pipeline says about a face, as plain typed values.

Coordinates are pixels in the *original* image (after EXIF orientation), x to the right,
y down. Embeddings are float32 vectors scaled to unit length, so the dot product of two
embeddings is their cosine similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

Embedding = npt.NDArray[np.float32]
"""A unit-length float32 vector (128-d for the dlib ResNet)."""

RGBImage = npt.NDArray[np.uint8]
"""An H x W x 3 uint8 array in RGB order, C-contiguous."""


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned face box in pixels; right and bottom are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def scaled(self, factor: float) -> Box:
        """The same box in an image `factor` times larger (factor < 1 shrinks)."""
        return Box(
            round(self.left * factor),
            round(self.top * factor),
            round(self.right * factor),
            round(self.bottom * factor),
        )


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


class DetectorKind(StrEnum):
    HOG = "hog"
    CNN = "cnn"


class CnnRuntime(StrEnum):
    """Which runtime runs dlib's MMOD CNN face detector (the same model either way)."""

    DLIB = "dlib"
    ONNX = "onnx"


class EmbedderKind(StrEnum):
    """Which runtime computes dlib's ResNet descriptors (the same model either way)."""

    DLIB = "dlib"
    ONNX = "onnx"


@dataclass(frozen=True, slots=True)
class Detection:
    """A face found by a detector, before landmarks. `score` is the detector's own confidence
    (HOG: SVM margin, typically -0.5..3; CNN: MMOD confidence); higher is more face-like."""

    box: Box
    score: float
    detector: DetectorKind


@dataclass(frozen=True, slots=True)
class FaceQuality:
    """Measured image quality of one face, each number with its unit.

    interocular_px: distance between the eye centres in original-image pixels.
    sharpness: variance of the Laplacian of the aligned grey chip (higher is sharper).
    yaw_deg / pitch_deg: head-pose estimates from the 5 landmarks, 0 is frontal.
    brightness: mean luminance of the aligned chip, 0..255.
    contrast: standard deviation of that luminance, 0..~128.
    """

    interocular_px: float
    sharpness: float
    yaw_deg: float
    pitch_deg: float
    brightness: float
    contrast: float


@dataclass(frozen=True, slots=True)
class Face:
    """One face in an image, enriched by each stage of the pipeline."""

    detection: Detection
    landmarks: tuple[Point, ...]
    quality: FaceQuality
    embedding: Embedding

    @property
    def box(self) -> Box:
        return self.detection.box

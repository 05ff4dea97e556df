"""Face detectors behind one small Protocol, and the wrappers that compose them.

Every detector takes an RGB image and returns `Detection`s whose boxes are clipped to that
image, in its pixel coordinates. Composition, not configuration flags, adds behaviour:
`DownscalingDetector` runs a detector on a smaller copy of large images, and
`FallbackDetector` asks a second detector only when the first finds nothing.
"""

from __future__ import annotations

import threading
from typing import Protocol

import dlib
import numpy as np
from PIL import Image

from muster.config import VisionSettings
from muster.domain.faces import Box, CnnRuntime, Detection, DetectorKind, RGBImage
from muster.vision.models import ModelFile, ModelStore
from muster.vision.onnx.mmod import OnnxMmod


class FaceDetector(Protocol):
    """Finds faces. Boxes are in the input image's pixels and lie inside it."""

    def detect(self, image: RGBImage) -> list[Detection]: ...

    def load(self) -> None:
        """Loads the models now (start-up warm-up) instead of on the first detect."""
        ...


def clip_box(box: Box, width_px: int, height_px: int) -> Box | None:
    """`box` cut to an image of the given size; None when nothing of it is left."""
    clipped = Box(
        max(box.left, 0),
        max(box.top, 0),
        min(box.right, width_px),
        min(box.bottom, height_px),
    )
    return clipped if clipped.width > 0 and clipped.height > 0 else None


def box_from_dlib(rect: dlib.rectangle) -> Box:
    """dlib rectangles include their right/bottom pixel; our boxes exclude it."""
    return Box(rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1)


def box_to_dlib(box: Box) -> dlib.rectangle:
    return dlib.rectangle(box.left, box.top, box.right - 1, box.bottom - 1)


def _clipped(
    image: RGBImage, found: list[tuple[Box, float]], kind: DetectorKind
) -> list[Detection]:
    height_px, width_px = image.shape[:2]
    detections = []
    for box, score in found:
        inside = clip_box(box, width_px, height_px)
        if inside is not None:
            detections.append(Detection(inside, float(score), kind))
    return detections


class HogDetector:
    """dlib's HOG + linear SVM frontal detector. Fast on CPU; finds faces from about
    80 px / 2**upsample wide, frontal to roughly 45 degrees of yaw. Score is the SVM
    margin (0 is the decision threshold)."""

    def __init__(self, models: ModelStore, upsample: int) -> None:
        self._models = models
        self._upsample = upsample
        # dlib's object_detector keeps scratch state in the instance: two threads running
        # one detector at once corrupt the heap (seen as segfaults under concurrent check-ins).
        self._lock = threading.Lock()

    def load(self) -> None:
        self._models.hog_detector()

    def detect(self, image: RGBImage) -> list[Detection]:
        detector = self._models.hog_detector()
        with self._lock:
            rects, scores, _ = detector.run(image, self._upsample, 0.0)
        found = [(box_from_dlib(r), s) for r, s in zip(rects, scores, strict=True)]
        return _clipped(image, found, DetectorKind.HOG)


class MmodDetector:
    """dlib's MMOD CNN detector: finds smaller and more turned faces than HOG, at many
    times the CPU cost. Score is the MMOD confidence."""

    def __init__(self, models: ModelStore, upsample: int) -> None:
        self._models = models
        self._upsample = upsample
        # A dlib network writes its layer outputs in place, so one instance must not run
        # in two threads at once.
        self._lock = threading.Lock()

    def load(self) -> None:
        self._models.mmod_detector()

    def detect(self, image: RGBImage) -> list[Detection]:
        net = self._models.mmod_detector()
        with self._lock:
            hits = net(image, self._upsample)
        found = [(box_from_dlib(h.rect), h.confidence) for h in hits]
        return _clipped(image, found, DetectorKind.CNN)


class OnnxMmodDetector:
    """`MmodDetector` without upsampling, with dlib's network run by onnxruntime: the same
    boxes and confidences (within float rounding), about ten times faster on CPU. Safe to
    call from several threads at once."""

    def __init__(self, net: OnnxMmod) -> None:
        self._net = net

    def load(self) -> None:
        self._net.load()

    def detect(self, image: RGBImage) -> list[Detection]:
        return _clipped(image, self._net.find(image), DetectorKind.CNN)


class FallbackDetector:
    """Runs `primary`; only when it finds no face, returns what `fallback` finds."""

    def __init__(self, primary: FaceDetector, fallback: FaceDetector) -> None:
        self._primary = primary
        self._fallback = fallback

    def load(self) -> None:
        self._primary.load()
        self._fallback.load()

    def detect(self, image: RGBImage) -> list[Detection]:
        return self._primary.detect(image) or self._fallback.detect(image)


def downscale(image: RGBImage, max_side_px: int) -> tuple[RGBImage, float]:
    """A copy of `image` whose longer side is at most `max_side_px`, and the factor that
    maps its coordinates back to the original (1.0 and the image itself when small)."""
    height_px, width_px = image.shape[:2]
    longer_px = max(height_px, width_px)
    if longer_px <= max_side_px:
        return image, 1.0
    scale = max_side_px / longer_px
    size = (max(1, round(width_px * scale)), max(1, round(height_px * scale)))
    # Pillow's resize filters the whole footprint of each output pixel, so this
    # downscale does not alias.
    small = Image.fromarray(image).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(small), longer_px / max_side_px


class DownscalingDetector:
    """Detects on a copy no longer than `max_side_px` and maps boxes back (clipped)."""

    def __init__(self, inner: FaceDetector, max_side_px: int) -> None:
        self._inner = inner
        self._max_side_px = max_side_px

    def load(self) -> None:
        self._inner.load()

    def detect(self, image: RGBImage) -> list[Detection]:
        small, to_original = downscale(image, self._max_side_px)
        detections = self._inner.detect(small)
        if to_original == 1.0:
            return detections
        height_px, width_px = image.shape[:2]
        mapped = []
        for d in detections:
            box = clip_box(d.box.scaled(to_original), width_px, height_px)
            if box is not None:
                mapped.append(Detection(box, d.score, d.detector))
        return mapped


def build_detector(settings: VisionSettings, models: ModelStore) -> FaceDetector:
    """The detector the settings ask for; it loads its models on first use.

    HOG runs first with the configured upsampling. When it finds nothing and the fallback is
    on, the CNN looks again without upsampling, on a copy no longer than
    `fallback_max_side_px`: a fallback is for the turned, close-up faces HOG misses (on the
    4,992 LFW development images HOG missed 29, the CNN found all 29), not for tiny ones,
    and CNN time grows with the pixel count. Everything runs on a copy no longer than
    `detect_max_side_px`.
    """
    if settings.detector is DetectorKind.CNN:
        chosen: FaceDetector = _cnn(settings, models, settings.upsample)
    else:
        chosen = HogDetector(models, settings.upsample)
        if settings.fallback_max_side_px > 0:
            fallback = DownscalingDetector(_cnn(settings, models, 0), settings.fallback_max_side_px)
            chosen = FallbackDetector(chosen, fallback)
    return DownscalingDetector(chosen, settings.detect_max_side_px)


def _cnn(settings: VisionSettings, models: ModelStore, upsample: int) -> FaceDetector:
    """The MMOD detector in the configured runtime; ONNX reproduces dlib only without
    upsampling (dlib's pyramid_up is not ported), so upsampled runs stay in dlib."""
    if settings.cnn_runtime is CnnRuntime.ONNX and upsample == 0:
        return OnnxMmodDetector(OnnxMmod(models.path(ModelFile.MMOD_DETECTOR)))
    return MmodDetector(models, upsample)

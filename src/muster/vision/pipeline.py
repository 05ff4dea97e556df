"""The face pipeline the services call: pixels in, typed `Face`s out.

detect -> 5-point landmarks -> aligned chips -> one batched embedding pass (the chips and,
with `flip_average`, their mirror images) -> quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from muster.config import VisionSettings
from muster.domain.faces import Detection, EmbedderKind, Face, RGBImage
from muster.vision.align import align_faces
from muster.vision.decode import load_image
from muster.vision.detect import FaceDetector, build_detector
from muster.vision.embed import DlibResNetEmbedder, Embedder, FlipAveragingEmbedder, FloatArray
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.models import ModelStore
from muster.vision.onnx.embedder import OnnxResNetEmbedder
from muster.vision.quality import measure_quality


class FacePipeline:
    """Finds, aligns, embeds and measures every face in an image.

    The constructor loads no model: the first call (or `warm_up()`, which services call at
    start-up) does. Pass one `ModelStore` to several pipelines to share loaded models.
    Methods may be called from several threads; dlib networks run one call at a time.
    """

    def __init__(self, settings: VisionSettings, models: ModelStore | None = None) -> None:
        self._settings = settings
        self._models = models if models is not None else ModelStore()
        self._detector: FaceDetector = build_detector(settings, self._models)
        self._landmarks = LandmarkPredictor(self._models)
        self._network = _build_network(settings, self._models)
        # Flip averaging wraps the network; warm_up loads the network it wraps.
        self._embedder: Embedder = (
            FlipAveragingEmbedder(self._network) if settings.flip_average else self._network
        )

    @property
    def settings(self) -> VisionSettings:
        return self._settings

    def warm_up(self) -> None:
        """Loads every model these settings use; raises ModelUnavailableError if one is
        missing, so a service fails at start-up rather than on its first request."""
        self._detector.load()
        self._landmarks.load()
        self._network.load()

    def analyze(self, image: RGBImage) -> list[Face]:
        """Every face found in an H x W x 3 uint8 RGB image, largest box first.

        Boxes and landmarks are in the image's pixels; embeddings have unit length.
        """
        image = _checked_rgb(image)
        return self.describe(image, self.detect(image))

    def detect(self, image: RGBImage) -> list[Detection]:
        """The faces `analyze` would find, largest box first, without landmarks or
        embeddings (for video, where only some faces of a frame are embedded)."""
        return sorted(
            self._detector.detect(_checked_rgb(image)),
            key=lambda d: d.box.width * d.box.height,
            reverse=True,
        )

    def describe(self, image: RGBImage, detections: list[Detection]) -> list[Face]:
        """A `Face` (landmarks, quality, embedding) for each of `detections` of `image`, in
        their order."""
        image = _checked_rgb(image)
        marks = [self._landmarks.predict(image, d.box) for d in detections]
        chips = align_faces(image, [m.shape for m in marks])
        embeddings = self._embedder.embed(chips)
        return [
            Face(
                detection=detection,
                landmarks=mark.points,
                quality=measure_quality(mark.five_points, chip),
                embedding=embedding,
            )
            for detection, mark, chip, embedding in zip(
                detections, marks, chips, embeddings, strict=True
            )
        ]

    def analyze_bytes(self, data: bytes) -> list[Face]:
        """`analyze` of an encoded image (JPEG, PNG, ...) after EXIF orientation and the
        configured limits; raises InvalidImageError (or a subclass) for bad input."""
        return self.analyze(load_image(data, self._settings.limits))

    def analyze_path(self, path: Path) -> list[Face]:
        """`analyze_bytes` for an image file."""
        return self.analyze(load_image(path, self._settings.limits))

    def embed_aligned(self, chips: list[RGBImage]) -> FloatArray:
        """Unit-length embeddings of chips already aligned like `muster.vision.align`
        (150 x 150 RGB), for evaluations on pre-aligned crops; shape (len(chips), 128)."""
        return self._embedder.embed([_checked_rgb(chip) for chip in chips])


def _build_network(
    settings: VisionSettings, models: ModelStore
) -> DlibResNetEmbedder | OnnxResNetEmbedder:
    """The ResNet runtime the settings name, without test-time augmentation."""
    if settings.embedder is EmbedderKind.ONNX:
        return OnnxResNetEmbedder(models, jitters=settings.jitters)
    return DlibResNetEmbedder(models, settings.jitters)


def _checked_rgb(image: RGBImage) -> RGBImage:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"expected an H x W x 3 uint8 RGB image, got shape {image.shape} of {image.dtype}"
        )
    return np.ascontiguousarray(image)

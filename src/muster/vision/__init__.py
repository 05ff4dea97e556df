"""Pixels to faces to embeddings: decoding, detection, landmarks, alignment, embedding and
quality, behind `FacePipeline`. Backends sit behind small Protocols (`FaceDetector`,
`Embedder`); models load lazily through a `ModelStore` the caller creates."""

from muster.vision.detect import FaceDetector
from muster.vision.embed import Embedder
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

__all__ = ["Embedder", "FaceDetector", "FacePipeline", "ModelStore"]

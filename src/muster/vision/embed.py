"""Face embedders: aligned chips in, unit-length 128-d float32 vectors out."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from muster.domain.faces import RGBImage
from muster.vision.align import CHIP_SIZE_PX
from muster.vision.models import ModelStore

EMBEDDING_DIM = 128

FloatArray = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns aligned chips into embeddings, one row per chip, in order."""

    def embed(self, chips: Sequence[RGBImage]) -> FloatArray:
        """Shape (len(chips), dim), float32, every row of unit L2 length."""
        ...


def l2_normalise(vectors: FloatArray) -> FloatArray:
    """Each row scaled to unit length. We store unit vectors because their dot product is
    their cosine similarity, so matching is one matrix product and thresholds do not
    depend on a face's descriptor norm. All-zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def require_resnet_chips(chips: Sequence[RGBImage]) -> None:
    """Raises ValueError unless every chip is 150 x 150 x 3, as `align_faces` makes them
    (the input every port of dlib's ResNet needs)."""
    for chip in chips:
        if chip.shape != (CHIP_SIZE_PX, CHIP_SIZE_PX, 3):
            raise ValueError(
                f"the dlib ResNet needs {CHIP_SIZE_PX} x {CHIP_SIZE_PX} x 3 chips made by "
                f"muster.vision.align.align_faces, got shape {chip.shape}"
            )


class DlibResNetEmbedder:
    """dlib's ResNet (LFW 99.38 % in dlib's own report) on 150x150 chips made by
    `muster.vision.align`. All chips of a call go through the network in one batch.

    `jitters` extra passes: with jitters=k > 0 dlib embeds k + 1 randomly jittered copies of
    each chip and averages them (dlib ignores a count of 1, so we never pass 1). Jitter
    draws come from the model's own generator, so results with jitters vary slightly
    from call to call; with jitters=0 they are deterministic.
    """

    def __init__(self, models: ModelStore, jitters: int = 0) -> None:
        self._models = models
        self._dlib_jitters = jitters + 1 if jitters > 0 else 0
        # A dlib network writes its layer outputs in place: one run at a time.
        self._lock = threading.Lock()

    def load(self) -> None:
        """Loads the network now (for start-up warm-up)."""
        self._models.resnet()

    def descriptors(self, chips: Sequence[RGBImage]) -> FloatArray:
        """dlib's raw descriptors, shape (n, 128), not normalised (on LFW their norm is
        1.2-1.7). Every chip must be 150 x 150 x 3 uint8, aligned by `align_faces`."""
        if not chips:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        require_resnet_chips(chips)
        net = self._models.resnet()
        batch = [np.ascontiguousarray(chip, dtype=np.uint8) for chip in chips]
        with self._lock:
            raw = net.compute_face_descriptor(batch, self._dlib_jitters)
        return np.asarray([list(v) for v in raw], dtype=np.float32).reshape(-1, EMBEDDING_DIM)

    def embed(self, chips: Sequence[RGBImage]) -> FloatArray:
        return l2_normalise(self.descriptors(chips))


class FlipAveragingEmbedder:
    """Flip test-time augmentation around any `Embedder`: each chip and its mirror image
    (left and right swapped) go through `inner` in one batch, and a chip's embedding is the
    normalised sum of its two unit embeddings.

    A face and its mirror image are the same person, but the network's two views of them
    differ by noise that averaging cancels: on LFW View 1 this lowered the open-set FNIR at
    FPIR 1 % from 27.0 to 22.9 % (docs/accuracy.md) for one extra network pass per face.
    Deterministic when `inner` is. Embeddings it makes are not comparable at full accuracy
    with `inner`'s own, so templates record which was used (services.container).
    """

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner

    def embed(self, chips: Sequence[RGBImage]) -> FloatArray:
        # Axis 1 of an H x W x 3 chip is its width: reversing it mirrors left and right.
        mirrored = [np.ascontiguousarray(chip[:, ::-1]) for chip in chips]
        both = self._inner.embed([*chips, *mirrored])
        return l2_normalise(both[: len(chips)] + both[len(chips) :])

"""dlib's face-recognition ResNet run by ONNX Runtime: the same descriptors as
`DlibResNetEmbedder`, about ten times faster on CPU (docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Sequence

import dlib
import numpy as np
import numpy.typing as npt

from muster.domain.faces import RGBImage
from muster.vision.align import CHIP_SIZE_PX
from muster.vision.embed import EMBEDDING_DIM, FloatArray, l2_normalise, require_resnet_chips
from muster.vision.models import ModelStore
from muster.vision.onnx.graph import INPUT_NAME

ChipBatch = npt.NDArray[np.uint8]
"""Chips stacked as (n, 150, 150, 3) uint8: the converted graph's input."""

DEFAULT_BATCH_SIZE = 32
"""Chips per network pass: large enough to amortise per-call overhead, small enough to
keep activations to a few hundred MB."""


class OnnxResNetEmbedder:
    """Embeds 150 x 150 chips made by `muster.vision.align` with dlib's ResNet converted to
    ONNX, through the session `models.onnx_resnet()` holds (converted on first use, then
    cached; see `muster.vision.onnx.cache`).

    Descriptors equal dlib's within float rounding (max abs difference < 1e-4; ~4e-7 on LFW
    chips), so embeddings from either embedder can be matched against each other. Nothing is
    loaded in the constructor. Calls may come from several threads at once (onnxruntime
    sessions are thread-safe).

    `jitters` follows `DlibResNetEmbedder`: with jitters=k > 0 each chip's descriptor is the
    mean over k + 1 randomly jittered copies (dlib's own jitter_image), so it varies slightly
    from call to call; with jitters=0 results are deterministic.
    """

    def __init__(
        self, models: ModelStore, *, jitters: int = 0, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        if jitters < 0 or batch_size < 1:
            raise ValueError("jitters must be >= 0 and batch_size >= 1")
        self._models = models
        self._jitter_copies = jitters + 1 if jitters > 0 else 0
        self._batch_size = batch_size

    def load(self) -> None:
        """Converts (or reads the cached conversion) and starts the runtime now; raises
        ModelUnavailableError when the dlib model file is missing or unreadable."""
        self._models.onnx_resnet()

    def descriptors(self, chips: Sequence[RGBImage]) -> FloatArray:
        """dlib's raw descriptors, shape (n, 128), not normalised. Every chip must be
        150 x 150 x 3 uint8, aligned by `align_faces`."""
        batch = _stacked(chips)
        if self._jitter_copies and len(batch):
            copies = self._jitter_copies
            return np.stack([self._run(_jittered(chip, copies)).mean(axis=0) for chip in batch])
        return self._run(batch)

    def embed(self, chips: Sequence[RGBImage]) -> FloatArray:
        return l2_normalise(self.descriptors(chips))

    def _run(self, batch: ChipBatch) -> FloatArray:
        if not len(batch):
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        session = self._models.onnx_resnet()
        parts = [
            session.run(None, {INPUT_NAME: batch[start : start + self._batch_size]})[0]
            for start in range(0, len(batch), self._batch_size)
        ]
        return np.concatenate(parts).astype(np.float32, copy=False)


def _stacked(chips: Sequence[RGBImage]) -> ChipBatch:
    require_resnet_chips(chips)
    if not chips:
        return np.zeros((0, CHIP_SIZE_PX, CHIP_SIZE_PX, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.stack(chips), dtype=np.uint8)


def _jittered(chip: RGBImage, copies: int) -> ChipBatch:
    return np.stack(dlib.jitter_image(np.ascontiguousarray(chip), copies))

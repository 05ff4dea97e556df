"""dlib's MMOD CNN face detector run by ONNX Runtime: dlib's own boxes and confidences
(same boxes, confidences within float rounding) at a fraction of the CPU time.

mmod_reader (the .dat) -> graph (the convolutions as ONNX) -> pyramid (dlib's tiled input)
-> mmod_decode (score map to boxes). `detect.OnnxMmodDetector` wraps an `OnnxMmod` behind
the FaceDetector Protocol.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from muster.domain.faces import Box, RGBImage
from muster.vision.models import require_model_file, unloadable_model_error
from muster.vision.onnx.graph import build_feature_map_model
from muster.vision.onnx.mmod_decode import decode
from muster.vision.onnx.mmod_reader import MmodNetwork, read_mmod
from muster.vision.onnx.pyramid import tiled_pyramid
from muster.vision.onnx.session import cpu_session

_INPUT_NAME = "pyramid"
_OUTPUT_NAME = "scores"
_THRESHOLD = 0.0  # what dlib's cnn_face_detection_model_v1 reports above


@dataclass(frozen=True, slots=True)
class _Loaded:
    network: MmodNetwork
    session: ort.InferenceSession


class OnnxMmod:
    """The detector in `source` (mmod_human_face_detector.dat), converted in memory on
    first use (a 0.7 MB file: well under a second, so no disk cache), behind a lock.
    `find` may be called from several threads at once (onnxruntime sessions are
    thread-safe). Only dlib's call without upsampling is reproduced: dlib upsamples with
    its pyramid_up, which is not ported.
    """

    def __init__(self, source: Path) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None

    def load(self) -> None:
        """Converts the model now; raises ModelUnavailableError when the file is missing
        or is not dlib's MMOD face detector."""
        self._get()

    def find(self, image: RGBImage) -> list[tuple[Box, float]]:
        """dlib's `cnn_face_detection_model_v1(image, 0)`: boxes (right/bottom exclusive,
        possibly past the image's edges) with their MMOD confidences, best first."""
        loaded = self._get()
        tensor, layout = tiled_pyramid(image, loaded.network.input)
        if not layout.tiles:
            return []
        scores = loaded.session.run(None, {_INPUT_NAME: tensor})[0]
        found = decode(scores[0, 0], loaded.network, layout.tiles, _THRESHOLD)
        return [
            (Box(d.box.left, d.box.top, d.box.right + 1, d.box.bottom + 1), d.score) for d in found
        ]

    def _get(self) -> _Loaded:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._convert()
            return self._loaded

    def _convert(self) -> _Loaded:
        require_model_file(self._source)
        try:
            network = read_mmod(self._source.read_bytes())
        except (OSError, RuntimeError) as exc:  # RuntimeError: DlibFormatError
            raise unloadable_model_error(self._source, exc) from exc
        model = build_feature_map_model(
            network.layers,
            input_name=_INPUT_NAME,
            output_name=_OUTPUT_NAME,
            graph_name="dlib_mmod_human_face_detector",
        )
        return _Loaded(network, cpu_session(model.SerializeToString()))

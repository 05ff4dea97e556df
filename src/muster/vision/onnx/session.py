"""An onnxruntime session of dlib's ResNet, converted (or read from the cache) on first use.

`ModelStore.onnx_resnet()` calls this once per store, so pipelines sharing a store share
one session; `OnnxResNetEmbedder` runs it.
"""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from muster.vision.onnx.cache import default_cache_dir, load_or_convert

DEFAULT_THREADS = 2
"""Intra-op threads: our target machines have 2 cores, and more threads than cores make
onnxruntime slower, not faster."""


def open_resnet_session(
    source: Path, cache_dir: Path | None = None, threads: int = DEFAULT_THREADS
) -> ort.InferenceSession:
    """A CPU session computing the raw descriptors of dlib's ResNet file `source`, whose
    conversion is cached in `cache_dir` (default ~/.cache/muster/models).

    Raises DlibFormatError (a RuntimeError, as dlib's own loader raises) when `source` is
    not that network, OSError when it cannot be read.
    """
    converted = load_or_convert(source, cache_dir if cache_dir is not None else default_cache_dir())
    return cpu_session(converted.model_bytes, threads)


def cpu_session(model_bytes: bytes, threads: int = DEFAULT_THREADS) -> ort.InferenceSession:
    """A CPU session of a serialised ONNX model with Muster's runtime options."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle workers sleep instead of spinning: the embedder shares the cores with detection
    # and the web server, whose time spinning threads would take (on a busy 2-core machine
    # spinning made one-face calls 1.5x slower).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])

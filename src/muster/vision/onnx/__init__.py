"""dlib's face-recognition ResNet ported to ONNX Runtime.

reader (dlib's .dat format, read against the known network type) -> network (plain layers)
-> graph (the equivalent ONNX model) -> cache (converted once per model file, on first
use) -> session (held by `ModelStore.onnx_resnet()`) -> embedder (`OnnxResNetEmbedder`,
batched inference behind the `Embedder` Protocol).

dlib's MMOD face detector reuses the reader's layer readers and the graph builder:
mmod_reader -> graph -> pyramid (dlib's tiled input) -> mmod_decode (score map to boxes)
-> mmod (`OnnxMmod`, converted in memory on first use), used by `detect.OnnxMmodDetector`.

This module imports none of them, so that `muster.vision.models` can import `session`
while `embedder` imports `muster.vision.models`.
"""

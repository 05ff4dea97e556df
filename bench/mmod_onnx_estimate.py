"""Would an ONNX port of dlib's MMOD face detector pay? An estimate without porting it.

    .venv/bin/python bench/mmod_onnx_estimate.py --faces ../shared/faces

dlib's MMOD detector (mmod_human_face_detector.dat) is one small fully convolutional network
run over a tiled image pyramid (levels 5/6 apart, packed into one image about 3.3x the input's
area): three 5x5 stride-2 convolutions (16, 32, 32 filters) with affine + ReLU, three 5x5
convolutions of 45 filters with affine + ReLU, and one 9x9 convolution to a score map. This
script builds a network of exactly that shape (random weights: the cost of a convolution does
not depend on its values) as ONNX, runs it with onnxruntime (the settings of Muster's ResNet
session: 2 intra-op threads, no spinning) on inputs of the tiled-pyramid size of a 320 px
copy and of a 640x480 frame, and times dlib's own detector on real frames of those sizes in
the same run, alternating. The pyramid building and non-maximum suppression a port would add
are not timed (dlib's pyramid is a few resizes of a small image).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from muster.domain.faces import RGBImage
from muster.vision.models import ModelStore

CLIP = Path("face_recognition_examples/examples/short_hamilton_clip.mp4")
PYRAMID_AREA = 1 / (1 - (5 / 6) ** 2)
"""A pyramid whose levels shrink by 5/6 per side has about this many times the base area."""
LAYERS: tuple[tuple[int, int, int, int], ...] = (
    (3, 16, 5, 2),
    (16, 32, 5, 2),
    (32, 32, 5, 2),
    (32, 45, 5, 1),
    (45, 45, 5, 1),
    (45, 45, 5, 1),
)
"""(input channels, output channels, kernel, stride) of each convolution + affine + ReLU."""


def mmod_shaped_model() -> bytes:
    rng = np.random.default_rng(0)
    nodes, weights = [], []
    name = "image"
    for index, (inputs, outputs, kernel, stride) in enumerate((*LAYERS, (45, 1, 9, 1))):
        w = rng.standard_normal((outputs, inputs, kernel, kernel)).astype(np.float32) * 0.05
        b = np.zeros(outputs, dtype=np.float32)
        weights += [
            numpy_helper.from_array(w, f"w{index}"),
            numpy_helper.from_array(b, f"b{index}"),
        ]
        pad = kernel // 2 if stride == 1 else 0  # as dlib pads: none when striding
        out = f"conv{index}"
        nodes.append(
            helper.make_node(
                "Conv",
                [name, f"w{index}", f"b{index}"],
                [out],
                kernel_shape=[kernel, kernel],
                strides=[stride, stride],
                pads=[pad, pad, pad, pad],
            )
        )
        if index < len(LAYERS):
            nodes.append(helper.make_node("Relu", [out], [f"relu{index}"]))
            out = f"relu{index}"
        name = out
    graph = helper.make_graph(
        nodes,
        "mmod_shaped",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, None, None])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None)],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return bytes(model.SerializeToString())


def frames(faces: Path, count: int) -> list[RGBImage]:
    capture = cv2.VideoCapture(str(faces / CLIP), cv2.CAP_FFMPEG)
    images: list[RGBImage] = []
    while len(images) < count:
        ok, bgr = capture.read()
        if not ok:
            break
        canvas = np.zeros((480, 640, 3), dtype=np.uint8)
        canvas[60:420] = bgr[:, :, ::-1]
        images.append(canvas)
        for _ in range(8):  # every 9th frame
            capture.read()
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--frames", type=int, default=8)
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(mmod_shaped_model(), options, providers=["CPUExecutionProvider"])
    detector = ModelStore().mmod_detector()
    images = frames(args.faces, args.frames)
    print("| input | dlib MMOD p50 ms | ONNX same-shape net p50 ms | ratio |")
    print("|---|---:|---:|---:|")
    for width, height in ((320, 240), (640, 480)):
        small: list[RGBImage] = [
            np.asarray(cv2.resize(i, (width, height), interpolation=cv2.INTER_AREA), np.uint8)
            for i in images
        ]
        side = round(width * height * PYRAMID_AREA / width)
        tensor = np.zeros((1, 3, side, width), dtype=np.float32)
        session.run(None, {"image": tensor})
        detector(small[0], 0)
        dlib_s, onnx_s = [], []
        for image in small:
            started = time.perf_counter()
            detector(image, 0)
            dlib_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            session.run(None, {"image": tensor})
            onnx_s.append(time.perf_counter() - started)
        d, o = statistics.median(dlib_s) * 1000, statistics.median(onnx_s) * 1000
        print(f"| {width}x{height} (pyramid {width}x{side}) | {d:.0f} | {o:.0f} | {d / o:.1f}x |")


if __name__ == "__main__":
    main()

"""dlib's MMOD CNN detector against its ONNX port (vision.cnn_runtime=onnx), same run.

    .venv/bin/python bench/mmod_onnx_speed.py --faces ../shared/faces

Both detectors run without upsampling, alternating image by image, on frames of the
Hamilton clip letterboxed into 640x480 and shrunk to 320x240 (the CNN fallback's default
size is 320 px), and on LFW portraits (250x250). Times are whole detector calls: pyramid,
network, decoding. Every call's boxes are compared; a line counts the images whose boxes
differ (expected: 0).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from muster.config import VisionSettings
from muster.domain.faces import Box, Detection, RGBImage
from muster.vision.decode import load_image
from muster.vision.detect import MmodDetector, OnnxMmodDetector
from muster.vision.models import ModelFile, ModelStore
from muster.vision.onnx.mmod import OnnxMmod

CLIP = Path("face_recognition_examples/examples/short_hamilton_clip.mp4")


def frames(faces: Path, count: int) -> list[RGBImage]:
    """Every 9th clip frame, 640x360 letterboxed into 640x480."""
    capture = cv2.VideoCapture(str(faces / CLIP), cv2.CAP_FFMPEG)
    images: list[RGBImage] = []
    index = 0
    while len(images) < count:
        ok, bgr = capture.read()
        if not ok:
            break
        if index % 9 == 0:
            canvas = np.zeros((480, 640, 3), dtype=np.uint8)
            canvas[60:420] = bgr[:, :, ::-1]
            images.append(canvas)
        index += 1
    return images


def portraits(faces: Path, count: int) -> list[RGBImage]:
    people = sorted(p for p in (faces / "lfw_dev").iterdir() if p.is_dir())
    step = max(1, len(people) // count)
    paths = [sorted(p.glob("*.jpg"))[0] for p in people[::step][:count]]
    return [load_image(path, VisionSettings().limits) for path in paths]


Found = list[tuple[Box, float]]


def timed(detect: Callable[[RGBImage], list[Detection]], image: RGBImage) -> tuple[float, Found]:
    started = time.perf_counter()
    found = detect(image)
    return time.perf_counter() - started, [(d.box, round(d.score, 3)) for d in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--images", type=int, default=8, help="images per row")
    args = parser.parse_args()
    store = ModelStore()
    dlib_cnn = MmodDetector(store, upsample=0)
    started = time.perf_counter()
    onnx_net = OnnxMmod(store.path(ModelFile.MMOD_DETECTOR))
    onnx_net.load()
    print(f"ONNX conversion + session start: {(time.perf_counter() - started) * 1000:.0f} ms")
    onnx_cnn = OnnxMmodDetector(onnx_net)
    dlib_cnn.load()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    video = frames(args.faces, args.images)
    rows: dict[str, list[RGBImage]] = {
        "640x480 frame": video,
        "320x240 frame": [
            np.ascontiguousarray(cv2.resize(i, (320, 240), interpolation=cv2.INTER_AREA))
            for i in video
        ],
        "250x250 LFW": portraits(args.faces, args.images),
    }
    print("| input | images | faces (dlib) | boxes differ | dlib p50 ms | ONNX p50 ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, images in rows.items():
        dlib_cnn.detect(images[0])
        onnx_cnn.detect(images[0])
        dlib_s: list[float] = []
        onnx_s: list[float] = []
        faces = differ = 0
        for image in images:
            d_time, d_found = timed(dlib_cnn.detect, image)
            o_time, o_found = timed(onnx_cnn.detect, image)
            dlib_s.append(d_time)
            onnx_s.append(o_time)
            faces += len(d_found)
            differ += d_found != o_found
        d, o = statistics.median(dlib_s) * 1000, statistics.median(onnx_s) * 1000
        print(
            f"| {label} | {len(images)} | {faces} | {differ} | {d:.0f} | {o:.0f} | {d / o:.1f}x |"
        )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

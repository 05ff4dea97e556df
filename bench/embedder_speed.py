"""Embedding speed: dlib's ResNet run by dlib against the same network run by ONNX Runtime,
and ONNX with flip test-time augmentation (`vision.flip_average`, the default), in one
process, on the same real aligned chips.

    .venv/bin/python bench/embedder_speed.py --faces ../shared/faces --rounds 5

Each measurement embeds the same 32 chips (the first photo of 32 LFW people, aligned like
the pipeline aligns them) in calls of 1, 8 or 32 chips and reports milliseconds per face.
The runtimes take turns in an order that rotates every round, so that load from other
processes falls on all alike; the table shows the median of the rounds. The cold-start lines time
how long a new embedder takes to get ready: converting into an empty temporary cache, then
reading that cache.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np

from muster.config import VisionSettings
from muster.domain.faces import RGBImage
from muster.vision.align import align_faces
from muster.vision.decode import load_image
from muster.vision.detect import HogDetector
from muster.vision.embed import DlibResNetEmbedder, FlipAveragingEmbedder, FloatArray
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.models import ModelStore
from muster.vision.onnx.embedder import OnnxResNetEmbedder
from muster.vision.onnx.session import DEFAULT_THREADS

BATCH_SIZES = (1, 8, 32)
FACES_PER_MEASUREMENT = 32
REPO_ROOT = Path(__file__).resolve().parent.parent

Describe = Callable[[Sequence[RGBImage]], FloatArray]


def lfw_chips(faces_dir: Path, models: ModelStore, count: int) -> list[RGBImage]:
    """Aligned chips of the first photo (with a HOG face) of `count` LFW people, spread
    evenly over the alphabet."""
    detector = HogDetector(models, upsample=1)
    landmarks = LandmarkPredictor(models)
    people = sorted(path for path in (faces_dir / "lfw_dev").iterdir() if path.is_dir())
    chips: list[RGBImage] = []
    for person in people[:: max(1, len(people) // (count + 8))]:
        image = load_image(sorted(person.glob("*.jpg"))[0], VisionSettings().limits)
        detections = detector.detect(image)
        if detections:
            chips += align_faces(image, [landmarks.predict(image, detections[0].box).shape])
        if len(chips) == count:
            return chips
    raise SystemExit(f"found only {len(chips)} faces under {faces_dir / 'lfw_dev'}")


def ms_per_face(describe: Describe, chips: list[RGBImage], batch: int) -> float:
    """Embeds every chip in calls of `batch` chips; wall-clock milliseconds per face."""
    start = time.perf_counter()
    for first in range(0, len(chips), batch):
        describe(chips[first : first + batch])
    return (time.perf_counter() - start) * 1000 / len(chips)


def cold_start_s() -> tuple[float, float]:
    """Seconds for a new embedder to become ready (`load()`: conversion or cache read,
    then the runtime session) with an empty cache, then with that cache filled."""
    with tempfile.TemporaryDirectory() as cache:
        seconds = []
        for _ in range(2):
            start = time.perf_counter()
            OnnxResNetEmbedder(ModelStore(onnx_cache_dir=Path(cache))).load()
            seconds.append(time.perf_counter() - start)
        return seconds[0], seconds[1]


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return f"{cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}"


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=REPO_ROOT.parent / "shared" / "faces")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    models = ModelStore()
    chips = lfw_chips(args.faces, models, FACES_PER_MEASUREMENT)
    dlib_embedder = DlibResNetEmbedder(models)
    with tempfile.TemporaryDirectory() as cache:
        onnx_embedder = OnnxResNetEmbedder(ModelStore(onnx_cache_dir=Path(cache)))
        runtimes: dict[str, Describe] = {
            "dlib": dlib_embedder.descriptors,
            "onnx": onnx_embedder.descriptors,
            # Unit embeddings rather than raw descriptors: normalising costs microseconds.
            "onnx+flip": FlipAveragingEmbedder(onnx_embedder).embed,
        }
        difference = float(np.abs(runtimes["dlib"](chips) - runtimes["onnx"](chips)).max())
        print(f"machine: {machine_line()}")
        print(
            f"dlib {version('dlib-bin')}, onnxruntime {version('onnxruntime')} "
            f"({DEFAULT_THREADS} intra-op threads); {load_line()} at start"
        )
        print(f"max |dlib - onnx| over {len(chips)} descriptors: {difference:.2e}")

        timings: dict[tuple[str, int], list[float]] = {}
        for round_index in range(args.rounds):
            names = list(runtimes)
            shift = round_index % len(names)
            order = names[shift:] + names[:shift]
            for batch in BATCH_SIZES:
                for name in order:
                    measured = ms_per_face(runtimes[name], chips, batch)
                    timings.setdefault((name, batch), []).append(measured)
            print(f"round {round_index + 1}/{args.rounds} done; {load_line()}")

    print(f"\nms per face, median of {args.rounds} interleaved rounds ({len(chips)} faces each)")
    print(
        f"{'batch':>5} {'dlib':>9} {'onnx':>9} {'speed-up':>9} {'onnx+flip':>10} {'flip cost':>10}"
    )
    for batch in BATCH_SIZES:
        dlib_ms = statistics.median(timings["dlib", batch])
        onnx_ms = statistics.median(timings["onnx", batch])
        flip_ms = statistics.median(timings["onnx+flip", batch])
        print(
            f"{batch:>5} {dlib_ms:>9.1f} {onnx_ms:>9.1f} {dlib_ms / onnx_ms:>8.1f}x "
            f"{flip_ms:>10.1f} {flip_ms - onnx_ms:>+10.1f}"
        )
    convert_s, cached_s = cold_start_s()
    print(f"\nready to embed: {convert_s:.2f} s converting, {cached_s:.2f} s from the cache")
    print(f"{load_line()} at end")


if __name__ == "__main__":
    main()

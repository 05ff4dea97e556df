"""Kiosk path latency per 640x480 frame, stage by stage, against face_recognition in the same run.

    bash bench/reference_env.sh          # once: builds out/refenv
    .venv/bin/python bench/kiosk_path.py --faces ../shared/faces

Frames: every `--stride`-th frame of face_recognition's Hamilton clip (640x360, two known
people), letterboxed to 640x480 and JPEG-encoded, as a kiosk sends them. They are written under
`--out` (never to the repository) so that the reference reads the same bytes.

Gallery: the two people of the clip (from face_recognition's own reference photos of them) and
`--gallery-size` LFW people (the gallery rows of lfw_dev_identification.tsv, one photo each),
enrolled in a fresh SQLite database, searched by the services built by `build_services`.

Muster, three ways, on the same frames:
* kiosk photo path (what POST /checkins runs): decode with the image limits, detect (HOG, the
  CNN fallback when HOG finds nobody), landmarks + alignment + embedding (`describe`), then
  the gallery search and open-set decision (`RecognitionService.identify`); each stage timed,
  and a breakdown of `describe` with the same loaded models;
* stream path with tracking (`StreamSession`, the video pipeline): faces of a track already
  decided, or embedded a frame or two ago, are not embedded again;
* the same video pipeline embedding and identifying every face of every frame.

The reference (out/refenv, bench/reference_worker.py) runs face_locations + face_encodings +
compare_faces on each frame against its own encodings of the same gallery photos.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from muster.config import Settings, VisionSettings
from muster.domain.faces import Detection, Face, FaceQuality, RGBImage
from muster.domain.people import Device, DeviceKind, TemplateSource
from muster.eval.cache import EmbeddingCache
from muster.eval.embed import embed_images, pipeline_key
from muster.eval.protocols import Role, read_identification
from muster.services.container import EMBEDDER_NAME, Services, build_services, embedder_version
from muster.services.streaming import StreamSession
from muster.storage import Repositories
from muster.vision.align import align_faces
from muster.vision.decode import load_image
from muster.vision.detect import DownscalingDetector, FaceDetector, HogDetector, MmodDetector
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

REPO_ROOT = Path(__file__).resolve().parent.parent
CLIP = Path("face_recognition_examples/examples/short_hamilton_clip.mp4")
CLIP_PEOPLE = {
    "Lin-Manuel_Miranda": Path("face_recognition_examples/examples/lin-manuel-miranda.png"),
    "Alex_Lacamoire": Path("face_recognition_examples/examples/alex-lacamoire.png"),
}
FRAME_SIZE_PX = (640, 480)
JPEG_QUALITY = 85
# The gallery templates' quality is only stored metadata here (search ignores it); the LFW
# embeddings come from the evaluation cache, which keeps no quality.
_STORED_QUALITY = FaceQuality(
    interocular_px=40.0, sharpness=50.0, yaw_deg=0.0, pitch_deg=0.0, brightness=120.0, contrast=40.0
)


def kiosk_frames(faces: Path, stride: int) -> list[bytes]:
    """Every `stride`-th frame of the clip, letterboxed to 640x480, as JPEG bytes."""
    capture = cv2.VideoCapture(str(faces / CLIP), cv2.CAP_FFMPEG)
    frames: list[bytes] = []
    index = 0
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        if index % stride == 0:
            rgb: RGBImage = np.ascontiguousarray(bgr[:, :, ::-1], dtype=np.uint8)
            frames.append(_letterboxed_jpeg(rgb))
        index += 1
    capture.release()
    if not frames:
        raise SystemExit(f"could not read frames from {faces / CLIP}")
    return frames


def _letterboxed_jpeg(rgb: RGBImage) -> bytes:
    width_px, height_px = FRAME_SIZE_PX
    scale = min(width_px / rgb.shape[1], height_px / rgb.shape[0])
    size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
    canvas = Image.new("RGB", FRAME_SIZE_PX)
    offset = ((width_px - size[0]) // 2, (height_px - size[1]) // 2)
    canvas.paste(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR), offset)
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def gallery_photos(faces: Path, size: int) -> list[tuple[str, Path]]:
    """(identity, photo): the clip's people, then one gallery photo each of `size` LFW people."""
    chosen: dict[str, Path] = {}
    for entry in read_identification(faces / "lfw_dev_identification.tsv"):
        if entry.role is Role.GALLERY and entry.identity not in chosen:
            chosen[entry.identity] = entry.path
        if len(chosen) == size:
            break
    clip = [(name, faces / path) for name, path in CLIP_PEOPLE.items()]
    return clip + sorted(chosen.items())


def seed(services: Services, photos: list[tuple[str, Path]], cache_dir: Path) -> Device:
    """Enrols one template per photo; returns a camera device for the stream sessions."""
    vision = services.settings.vision
    cache = EmbeddingCache(cache_dir, pipeline_key(vision))
    embedded = embed_images([p for _, p in photos], services.pipeline, cache, progress=False)
    repos = Repositories.create(services.database)
    for name, photo in photos:
        if photo in embedded.embeddings:
            person = repos.people.create(name=name)
            repos.templates.add(
                person_id=person.id,
                embedding=embedded.embeddings[photo],
                model_name=EMBEDDER_NAME,
                model_version=embedder_version(vision),
                quality=_STORED_QUALITY,
                source=TemplateSource.UPLOAD,
            )
    location = repos.locations.create(name="bench", timezone="UTC")
    return repos.devices.create(name="camera", location_id=location.id, kind=DeviceKind.CAMERA)


@dataclass(slots=True)
class StageTimes:
    """Seconds per frame, by stage."""

    by_stage: dict[str, list[float]] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.by_stage.setdefault(stage, []).append(seconds)


class Laps:
    """Records, at each call, the seconds since the previous call (or since it was made)."""

    def __init__(self, times: StageTimes) -> None:
        self._times = times
        self._last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self._times.add(stage, now - self._last)
        self._last = now


def kiosk_path(services: Services, frames: list[bytes]) -> tuple[StageTimes, list[list[str]]]:
    """The photo check-in path on every frame, stage by stage; the names it gave each frame."""
    pipeline, recognition = services.pipeline, services.recognition
    limits = services.settings.vision.limits
    times = StageTimes()
    names: list[list[str]] = []
    for data in frames:
        started = time.perf_counter()
        lap = Laps(times)
        image = load_image(data, limits)
        lap("decode")
        found = pipeline.detect(image)
        lap("detect")
        faces = pipeline.describe(image, found)
        lap("describe")
        threshold = services.thresholds.current()
        matches = [recognition.identify(face, threshold) for face in faces]
        lap("search+decide")
        times.add("end to end", time.perf_counter() - started)
        names.append(sorted(m.identity.name if m.identity else "unknown" for m in matches))
    return times, names


def describe_breakdown(
    models: ModelStore, vision: VisionSettings, frames: list[bytes]
) -> StageTimes:
    """`describe`'s parts, with the same loaded models: 5-point landmarks, alignment, one
    batched embedding pass (the pipeline's embedder), on the faces of each frame."""
    pipeline = FacePipeline(vision, models)
    landmarks = LandmarkPredictor(models)
    times = StageTimes()
    for data in frames:
        image = load_image(data, vision.limits)
        found = pipeline.detect(image)
        if not found:
            continue
        lap = Laps(times)
        marks = [landmarks.predict(image, d.box) for d in found]
        lap("landmarks")
        chips = align_faces(image, [m.shape for m in marks])
        lap("align")
        pipeline.embed_aligned(chips)
        lap("embed")
        times.add("faces", float(len(found)))
    return times


def detection_costs(
    models: ModelStore, vision: VisionSettings, frames: list[bytes], cnn_frames: int
) -> dict[str, tuple[list[float], int]]:
    """Seconds per frame and faces found by each detector setting that a kiosk frame can
    meet: HOG at upsample 0 and 1, the MMOD CNN as the fallback runs it (a copy of at most
    `vision.fallback_max_side_px`) and on the whole frame. The CNN runs on the first
    `cnn_frames` frames only (it is slow); the HOG rows on all."""
    fallback_px = vision.fallback_max_side_px or 320
    detectors: dict[str, tuple[FaceDetector, int]] = {
        "HOG, upsample 0": (HogDetector(models, 0), len(frames)),
        "HOG, upsample 1": (HogDetector(models, 1), len(frames)),
        f"CNN on a {fallback_px} px copy (the fallback)": (
            DownscalingDetector(MmodDetector(models, 0), fallback_px),
            cnn_frames,
        ),
        "CNN on the 640 px frame, upsample 0": (MmodDetector(models, 0), cnn_frames),
    }
    images = [load_image(data, vision.limits) for data in frames]
    results: dict[str, tuple[list[float], int]] = {}
    for label, (detector, count) in detectors.items():
        detector.detect(images[0])  # loads the model
        seconds: list[float] = []
        found = 0
        for image in images[:count]:
            started = time.perf_counter()
            found += len(detector.detect(image))
            seconds.append(time.perf_counter() - started)
        results[label] = (seconds, found)
    return results


def print_detection(costs: dict[str, tuple[list[float], int]]) -> None:
    print("\nDetection alone, per 640x480 frame")
    print("| detector | frames | p50 ms | p95 ms | faces found |")
    print("|---|---:|---:|---:|---:|")
    for label, (seconds, found) in costs.items():
        print(f"| {label} | {len(seconds)} | {ms(seconds, 50)} | {ms(seconds, 95)} | {found} |")


class CountingPipeline(FacePipeline):
    """The real pipeline, counting the faces it is asked to describe (for the stream table)."""

    described_faces = 0
    describe_calls = 0

    def describe(self, image: RGBImage, detections: list[Detection]) -> list[Face]:
        self.described_faces += len(detections)
        self.describe_calls += 1
        return super().describe(image, detections)


def stream_paths(
    services: Services, models: ModelStore, device: Device, frames: list[bytes]
) -> dict[str, Any]:
    """Per-frame seconds of the stream path with tracking, and of the same video pipeline
    embedding every face of every frame."""
    settings = services.settings
    # The video pipeline as build_services makes it for streams: the stream's detection size,
    # no CNN fallback.
    video = settings.vision.model_copy(
        update={"detect_max_side_px": settings.stream.detect_max_side_px, "fallback_max_side_px": 0}
    )
    tracked_pipeline = CountingPipeline(video, models)
    session = StreamSession(
        device=device,
        pipeline=tracked_pipeline,
        recognition=services.recognition,
        thresholds=services.thresholds,
        checkins=services.checkins,
        settings=settings.stream,
    )
    tracked, every = StageTimes(), StageTimes()
    detected = 0
    for data in frames:
        lap = Laps(tracked)
        detected += len(session.process_bytes(data).faces)
        lap("frame")
    everything = CountingPipeline(video, models)
    recognition = services.recognition
    for data in frames:
        started = time.perf_counter()
        image = load_image(data, video.limits)
        faces = everything.describe(image, everything.detect(image))
        threshold = services.thresholds.current()
        for face in faces:
            recognition.identify(face, threshold)
        every.add("frame", time.perf_counter() - started)
    return {
        "tracked": tracked.by_stage["frame"],
        "every": every.by_stage["frame"],
        "faces_detected": detected,
        "tracked_embedded": tracked_pipeline.described_faces,
        "tracked_frames_embedding": tracked_pipeline.describe_calls,
        "every_embedded": everything.described_faces,
    }


def run_reference(
    refenv: Path, out: Path, frame_paths: list[Path], photos: list[tuple[str, Path]]
) -> dict[str, Any]:
    python = refenv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"no reference environment at {refenv}: run bash bench/reference_env.sh")
    job = {
        "frames": [str(p) for p in frame_paths],
        "known_photos": [[name, str(path)] for name, path in photos],
        "cache": str(out / "reference-gallery.json"),
    }
    job_path, result_path = out / "kiosk-reference-job.json", out / "kiosk-reference.json"
    job_path.write_text(json.dumps(job))
    worker = REPO_ROOT / "bench" / "reference_worker.py"
    subprocess.run(
        [str(python), str(worker), "frames", str(job_path), str(result_path)], check=True
    )
    result: dict[str, Any] = json.loads(result_path.read_text())
    return result


def ms(values: Sequence[float], q: float) -> str:
    return f"{float(np.percentile(np.asarray(values) * 1000, q)):.1f}"


def stage_table(title: str, times: StageTimes, stages: Sequence[str]) -> None:
    print(f"\n{title}")
    print(f"| {'stage':<28} | p50 ms | p95 ms | mean ms |")
    print(f"|{'-' * 30}|-------:|-------:|--------:|")
    for stage in stages:
        values = times.by_stage.get(stage, [])
        if values:
            mean = float(np.mean(values)) * 1000
            print(f"| {stage:<28} | {ms(values, 50):>6} | {ms(values, 95):>6} | {mean:>7.1f} |")


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def agreement(muster: list[list[str]], reference: list[list[str]]) -> str:
    same_names = sum(a == b for a, b in zip(muster, reference, strict=True))
    same_count = sum(len(a) == len(b) for a, b in zip(muster, reference, strict=True))
    named_m = Counter(n for names in muster for n in names)
    named_r = Counter(n for names in reference for n in names)
    return (
        f"frames with the same number of faces: {same_count}/{len(muster)}; with the same names: "
        f"{same_names}/{len(muster)}\nnames given, Muster: {dict(named_m)}\n"
        f"names given, reference: {dict(named_r)}"
    )


def print_muster(kiosk: StageTimes, breakdown: StageTimes, stream: dict[str, Any]) -> None:
    stages = ["decode", "detect", "describe", "search+decide", "end to end"]
    stage_table("Muster, kiosk photo path (per frame)", kiosk, stages)
    faces = int(sum(breakdown.by_stage.get("faces", [])))
    frames_with_faces = len(breakdown.by_stage.get("faces", []))
    stage_table(
        f"Muster, describe broken down ({faces} faces in {frames_with_faces} frames; per frame)",
        breakdown,
        ["landmarks", "align", "embed"],
    )
    print("\nStream path (video pipeline), per frame")
    print("| path | p50 ms | p95 ms | mean ms | faces embedded / detected |")
    print("|---|---:|---:|---:|---:|")
    for label, key, embedded in (
        ("tracking (StreamSession)", "tracked", stream["tracked_embedded"]),
        ("every face embedded", "every", stream["every_embedded"]),
    ):
        values = stream[key]
        print(
            f"| {label} | {ms(values, 50)} | {ms(values, 95)} | "
            f"{float(np.mean(values)) * 1000:.1f} | {embedded} / {stream['faces_detected']} |"
        )
    frames = len(stream["tracked"])
    print(
        f"frames where tracking embedded nothing: "
        f"{frames - stream['tracked_frames_embedding']}/{frames}"
    )


def print_reference(
    reference: dict[str, Any], kiosk: StageTimes, muster_names: list[list[str]]
) -> None:
    print(
        f"\nReference face_recognition {reference['version']} ({reference['known']} known); "
        f"{load_line()}"
    )
    stages = ["decode", "detect", "encode", "compare", "total"]
    ref_times = StageTimes()
    for row in reference["frames"]:
        for stage in stages:
            ref_times.add(stage, row[f"{stage}_s"])
    stage_table("Reference, per frame", ref_times, stages)
    ref_faces = sum(len(row["names"]) for row in reference["frames"])
    muster_faces = sum(len(n) for n in muster_names)
    encode_ms = sum(ref_times.by_stage["encode"]) / max(ref_faces, 1) * 1000
    describe_ms = sum(kiosk.by_stage["describe"]) / max(muster_faces, 1) * 1000
    print(
        f"\nper face: reference face_encodings {encode_ms:.1f} ms ({ref_faces} faces); "
        f"Muster describe {describe_ms:.1f} ms ({muster_faces} faces)"
    )
    print(agreement(muster_names, [sorted(row["names"]) for row in reference["frames"]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=REPO_ROOT.parent / "shared" / "faces")
    parser.add_argument("--refenv", type=Path, default=REPO_ROOT / "out" / "refenv")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out" / "bench-pipeline")
    parser.add_argument("--cache-dir", type=Path, default=REPO_ROOT / "out" / "cache" / "kiosk")
    parser.add_argument("--stride", type=int, default=3, help="use every n-th clip frame")
    parser.add_argument("--gallery-size", type=int, default=1000, help="LFW people enrolled")
    parser.add_argument("--cnn-frames", type=int, default=15, help="frames the CNN times")
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    # The reference runs in a subprocess with its own working directory.
    args.faces = args.faces.resolve()

    frames = kiosk_frames(args.faces, args.stride)
    frame_dir = args.out / "frames"
    frame_dir.mkdir(parents=True, exist_ok=True)
    frame_paths = [frame_dir / f"{i:04d}.jpg" for i in range(len(frames))]
    for path, data in zip(frame_paths, frames, strict=True):
        path.write_bytes(data)
    photos = gallery_photos(args.faces, args.gallery_size)

    with tempfile.TemporaryDirectory(prefix="muster-kiosk-") as data_dir:
        # Settings() reads MUSTER_* variables, e.g. MUSTER_VISION__FLIP_AVERAGE=false.
        settings = Settings(data_dir=Path(data_dir))
        models = ModelStore()
        services = build_services(settings, models=models)
        try:
            device = seed(services, photos, args.cache_dir)
            services.start()
            print(f"cpus: {os.cpu_count()}; {load_line()}")
            print(
                f"frames: {len(frames)} x {FRAME_SIZE_PX[0]}x{FRAME_SIZE_PX[1]} JPEG "
                f"q{JPEG_QUALITY} (every {args.stride}th of {CLIP.name}); gallery: "
                f"{services.gallery.person_count()} people; "
                f"vision: {settings.vision.model_dump(exclude={'limits'})}"
            )
            kiosk_path(services, frames[:3])  # warm-up: first calls, threshold calibration
            kiosk, muster_names = kiosk_path(services, frames)
            breakdown = describe_breakdown(models, settings.vision, frames)
            stream = stream_paths(services, models, device, frames)
            detection = detection_costs(models, settings.vision, frames, args.cnn_frames)
            print(f"Muster done; {load_line()}")
        finally:
            services.close()
    print_muster(kiosk, breakdown, stream)
    print_detection(detection)
    if not args.no_reference:
        reference = run_reference(args.refenv, args.out, frame_paths, photos)
        print_reference(reference, kiosk, muster_names)


if __name__ == "__main__":
    main()

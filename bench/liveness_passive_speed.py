"""Passive liveness speed: `PassiveLivenessDetector.assess` per face, against the 5-point
landmark prediction that every kiosk frame already pays for, in one process on the same
real faces.

    .venv/bin/python bench/liveness_passive_speed.py --faces ../shared/faces --rounds 5

Faces: the first frames of the live webcam video (640 x 480, about 70 px between the eyes),
and the full-resolution Silent-Face photos (about 250-430 px between the eyes, which the
detector resamples). Each round times every face with both, in turn; the table shows the
median over rounds of the milliseconds per face.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from muster.config import LivenessSettings, VisionSettings
from muster.domain.faces import Box, RGBImage
from muster.eval.presentation import video_frames
from muster.vision.decode import load_image
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.liveness import PassiveLivenessDetector
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

VIDEO = "spoof_liveness_webcam/videos/real2.webm"
PHOTOS = ("image_F1.jpg", "image_F2.jpg", "image_T1.jpg", "image_T2.jpg")


def _faces(
    faces_dir: Path, pipeline: FacePipeline, frames: int
) -> dict[str, list[tuple[RGBImage, Box]]]:
    sets: dict[str, list[tuple[RGBImage, Box]]] = {"video 640x480": [], "photos full-res": []}
    for index, frame in enumerate(video_frames(faces_dir / VIDEO, stride=5)):
        if index >= frames:
            break
        found = pipeline.detect(frame)
        if found:
            sets["video 640x480"].append((frame, found[0].box))
    for name in PHOTOS:
        image = load_image(
            faces_dir / "spoof_silent_face" / "sample" / name, pipeline.settings.limits
        )
        sets["photos full-res"].append((image, pipeline.detect(image)[0].box))
    return sets


def _ms_per_face(
    faces: list[tuple[RGBImage, Box]], work: Callable[[RGBImage, Box], object]
) -> float:
    start = time.perf_counter()
    for image, box in faces:
        work(image, box)
    return (time.perf_counter() - start) * 1000 / len(faces)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--frames", type=int, default=20, help="Video frames to time.")
    args = parser.parse_args()

    models = ModelStore()
    pipeline = FacePipeline(VisionSettings(), models)
    landmarks = LandmarkPredictor(models)
    landmarks.load()
    detector = PassiveLivenessDetector(LivenessSettings())
    sets = _faces(args.faces, pipeline, args.frames)
    # Keyed by image identity: every image is held in `sets` for the whole run.
    marks = {
        id(image): landmarks.predict(image, box).five_points
        for faces in sets.values()
        for image, box in faces
    }

    print(f"{'faces':<18}{'n':>4}{'landmarks ms':>15}{'passive ms':>13}")
    for name, faces in sets.items():
        baseline, passive = [], []
        for _ in range(args.rounds):
            baseline.append(_ms_per_face(faces, landmarks.predict))
            passive.append(
                _ms_per_face(
                    faces, lambda image, box: detector.assess(image, box, marks[id(image)])
                )
            )
        print(
            f"{name:<18}{len(faces):>4}{statistics.median(baseline):>15.2f}"
            f"{statistics.median(passive):>13.2f}"
        )


if __name__ == "__main__":
    main()

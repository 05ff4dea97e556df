"""Quality numbers on real faces: head-pose and blur cases whose expected ranges come from
the InsightFace/InspireFace tests, and LFW, whose press photos are mostly frontal.
Real: dlib's models, the photos and labels in ../shared/faces."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from muster.config import VisionSettings
from muster.domain.faces import Face
from muster.vision import ModelStore
from muster.vision.decode import load_image
from muster.vision.detect import HogDetector
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.quality import pitch_deg, yaw_deg

pytestmark = pytest.mark.models

Analyze = Callable[[str], list[Face]]

POSE = "insightface_samples/inspireface_test_res/pose"
SHARP_FACES = (
    "insightface_samples/inspireface_test_res/bulk/yifei.jpg",
    "insightface_samples/inspireface_test_res/bulk/woman.png",
    "spoof_silent_face/sample/image_T2.jpg",
)
BLURRED_FACE = "insightface_samples/inspireface_test_res/bulk/blur.jpg"


def only_face(analyze: Analyze, relative_path: str) -> Face:
    (face,) = analyze(relative_path)
    return face


def test_face_turned_to_the_image_left_has_negative_yaw(analyzed: Analyze) -> None:
    # Upstream expects yaw in (-90, -10) for this photo.
    assert -90 < only_face(analyzed, f"{POSE}/left_face.jpeg").quality.yaw_deg < -10


def test_face_turned_to_the_image_right_has_positive_yaw(analyzed: Analyze) -> None:
    # Upstream expects yaw in (10, 90) for this photo.
    assert 10 < only_face(analyzed, f"{POSE}/right_face.png").quality.yaw_deg < 90


def test_raised_chin_has_positive_pitch(analyzed: Analyze) -> None:
    # Upstream expects pitch > 5; the face is otherwise frontal.
    quality = only_face(analyzed, f"{POSE}/rise_face.jpeg").quality
    assert quality.pitch_deg > 5
    assert abs(quality.yaw_deg) < 15


def test_lowered_head_has_negative_pitch(analyzed: Analyze) -> None:
    # Upstream expects pitch < -10.
    assert only_face(analyzed, f"{POSE}/lower_face.jpeg").quality.pitch_deg < -10


def test_motion_blurred_face_is_less_sharp_than_sharp_faces(analyzed: Analyze) -> None:
    blurred = only_face(analyzed, BLURRED_FACE).quality.sharpness
    sharpest_floor = min(only_face(analyzed, path).quality.sharpness for path in SHARP_FACES)
    assert blurred < sharpest_floor / 3


def test_lfw_faces_are_near_frontal_on_average(faces_dir: Path, model_store: ModelStore) -> None:
    # Landmarks only (no embedding) on every 100th LFW image, to keep this quick.
    detector, landmarks = HogDetector(model_store, upsample=1), LandmarkPredictor(model_store)
    yaws, pitches = [], []
    for path in sorted((faces_dir / "lfw_dev").glob("*/*.jpg"))[::100]:
        image = load_image(path, VisionSettings().limits)
        detections = detector.detect(image)
        if detections:
            largest = max(detections, key=lambda d: d.box.width * d.box.height)
            five = landmarks.predict(image, largest.box).five_points
            yaws.append(yaw_deg(five))
            pitches.append(pitch_deg(five))
    assert len(yaws) >= 45
    assert abs(statistics.median(yaws)) < 5
    assert statistics.median(abs(y) for y in yaws) < 20
    assert abs(statistics.median(pitches)) < 8

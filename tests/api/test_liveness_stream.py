"""Liveness in a stream (/ws/stream over a real WebSocket), on SQLite and PostgreSQL, with the
real models, with `liveness.required` on: the replay video of spoof_liveness_webcam
(fake2.webm, the person on a phone screen held to the webcam) is streamed with that person
enrolled from frames of the live video (real2.webm), and checks nobody in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
from websockets.sync.client import connect

from muster.config import Settings, VisionSettings
from muster.storage import Repositories
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

from ..knn_people import store_people
from .knn_gallery import Kiosk, add_kiosk, count_rows
from .live_server import LiveServer, make_settings

VIDEOS = Path("spoof_liveness_webcam/videos")
EVERY_NTH_FRAME = 10
"""3 of the videos' 30 frames a second: enough for tracking and head motion, and quick."""
ENROL_FRAMES = (0, 100, 200)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # No upsampling: the faces of these 640 x 480 webcam frames are large enough without it,
    # and each frame then takes a third of the time.
    return make_settings(
        database_url,
        tmp_path / "data",
        liveness={"required": True},
        vision={"upsample": 0},
    )


def video_frames(path: Path, every: int = EVERY_NTH_FRAME) -> Iterator[tuple[int, bytes]]:
    """(frame index, JPEG bytes) of every `every`-th frame of a video file."""
    capture = cv2.VideoCapture(str(path))
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            if index % every == 0:
                encoded, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
                assert encoded
                yield index, jpeg.tobytes()
            index += 1
    finally:
        capture.release()


@pytest.fixture
def webcam_person(live_server: LiveServer, faces_dir: Path, shared_models: ModelStore) -> int:
    """The person of the video pair, enrolled from three frames of the live video."""
    pipeline = FacePipeline(VisionSettings(), shared_models)
    chosen = dict(video_frames(faces_dir / VIDEOS / "real2.webm", every=1))
    faces = [pipeline.analyze_bytes(chosen[index])[0] for index in ENROL_FRAMES]
    repos = Repositories.create(live_server.services.database)
    ids = store_people(repos, {"Webcam person": faces})
    live_server.services.gallery.changed()
    return ids["Webcam person"]


@pytest.fixture
def camera(live_server: LiveServer) -> Kiosk:
    return add_kiosk(live_server, name="webcam")


def stream(server: LiveServer, camera: Kiosk, frames: Iterator[tuple[int, bytes]]) -> list[Any]:
    url = server.base_url.replace("http://", "ws://")
    answers: list[Any] = []
    with connect(f"{url}/ws/stream?device={camera.device_id}&token={camera.token}") as ws:
        for _, frame in frames:
            ws.send(frame)
            answers.append(json.loads(ws.recv(timeout=60)))
    return answers


def test_a_replayed_video_of_an_enrolled_person_checks_nobody_in(
    live_server: LiveServer, webcam_person: int, camera: Kiosk, faces_dir: Path
) -> None:
    answers = stream(live_server, camera, video_frames(faces_dir / VIDEOS / "fake2.webm"))

    faces = [face for a in answers for face in a["faces"]]
    # The replay is recognised as the enrolled person (so only liveness stands in the way)...
    assert any(face.get("person", {}).get("person_id") == webcam_person for face in faces)
    # ...every face carries its liveness state, and none of them ever passed.
    assert all(face["liveness"] in {"checking", "failed"} for face in faces), faces
    assert [event for a in answers for event in a["events"]] == []
    assert count_rows(live_server, "attendance_events") == 0

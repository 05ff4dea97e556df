"""/ws/stream over a real WebSocket (the `websockets` client against the live uvicorn
server), on SQLite and PostgreSQL, with the real models: five people enrolled from
knn_examples/train, and frames that are a real photo of one of them (knn_examples/test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from muster.domain.people import Role
from muster.domain.review import ReviewStatus
from muster.storage import Repositories

from .knn_gallery import PROBES, Kiosk, TrainFaces, add_kiosk, count_rows, enrol
from .live_server import LiveServer

OBAMA = "Barack Obama"
FRAMES = 10
STREAM_STRANGER = Path("deepface_tests/unit_dataset/img15.jpg")
"""Someone none of the five enrolled people resembles much (best similarity about 0.84)."""
"""Enough for a decision: with the defaults a track is embedded on frames 1, 4 and 7 and
decided when three answers agree."""


@pytest.fixture
def people(live_server: LiveServer, train_faces: TrainFaces) -> dict[str, int]:
    return enrol(live_server, train_faces)


@pytest.fixture
def camera(live_server: LiveServer) -> Kiosk:
    return add_kiosk(live_server, name="door camera")


def ws_url(server: LiveServer, device_id: int, token: str | None = None) -> str:
    url = server.base_url.replace("http://", "ws://") + f"/ws/stream?device={device_id}"
    return url if token is None else f"{url}&token={token}"


def answer(ws: ClientConnection, frame: bytes) -> dict[str, Any]:
    ws.send(frame)
    body: dict[str, Any] = json.loads(ws.recv(timeout=60))
    return body


def test_frames_of_an_enrolled_face_become_one_recognised_track_and_one_check_in(
    live_server: LiveServer, people: dict[str, int], camera: Kiosk, train_faces: TrainFaces
) -> None:
    photo = train_faces.photo(PROBES[OBAMA])
    with connect(ws_url(live_server, camera.device_id, camera.token)) as ws:
        answers = [answer(ws, photo) for _ in range(FRAMES)]

    assert [a["frame"] for a in answers] == list(range(1, FRAMES + 1))
    track_ids = {face["track_id"] for a in answers for face in a["faces"]}
    assert len(track_ids) == 1, answers
    assert answers[0]["faces"][0]["state"] in {"tracking", "deciding"}
    last = answers[-1]["faces"][0]
    assert last["state"] == "recognised"
    assert last["person"] == {"person_id": people[OBAMA], "name": OBAMA}
    assert last["similarity"] > 0.9
    events = [event for a in answers for event in a["events"]]
    assert len(events) == 1, events
    assert events[0]["decision"] == "checked_in"
    assert events[0]["person"]["person_id"] == people[OBAMA]
    assert count_rows(live_server, "attendance_events") == 1


def test_the_token_may_come_as_the_first_message(
    live_server: LiveServer, people: dict[str, int], camera: Kiosk, train_faces: TrainFaces
) -> None:
    with connect(ws_url(live_server, camera.device_id)) as ws:
        ws.send(json.dumps({"token": camera.token}))
        body = answer(ws, train_faces.photo(PROBES[OBAMA]))

    assert body["frame"] == 1
    assert len(body["faces"]) == 1


def test_a_corrupt_frame_is_answered_with_an_error_and_the_stream_goes_on(
    live_server: LiveServer, people: dict[str, int], camera: Kiosk, train_faces: TrainFaces
) -> None:
    with connect(ws_url(live_server, camera.device_id, camera.token)) as ws:
        broken = answer(ws, b"\xff\xd8\xff not really a jpeg")
        ws.send("a text frame")
        text = json.loads(ws.recv(timeout=60))
        good = answer(ws, train_faces.photo(PROBES[OBAMA]))

    assert broken["error"]["code"] in {"invalid_image", "unsupported_image"}
    assert text["error"]["code"] == "expected_binary_frame"
    assert good["frame"] == 1


def test_a_key_of_another_device_is_refused_and_the_socket_closed(
    live_server: LiveServer, camera: Kiosk
) -> None:
    other = add_kiosk(live_server, name="back door")
    operator = live_server.token(Role.OPERATOR)
    for token in (other.token, operator, "msk_nope_nope"):
        with connect(ws_url(live_server, camera.device_id, token)) as ws:
            refusal = json.loads(ws.recv(timeout=60))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=60)

        assert refusal["error"]["code"] in {"forbidden", "invalid_api_key"}
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008


def test_an_unknown_face_in_a_stream_is_queued_for_review_once(
    live_server: LiveServer, people: dict[str, int], camera: Kiosk, train_faces: TrainFaces
) -> None:
    stranger = train_faces.photo(STREAM_STRANGER)
    with connect(ws_url(live_server, camera.device_id, camera.token)) as ws:
        answers = [answer(ws, stranger) for _ in range(FRAMES)]

    states = [a["faces"][0]["state"] for a in answers]
    assert "unknown" in states, states
    assert [event for a in answers for event in a["events"]] == []
    queued = Repositories.create(live_server.services.database).unknown_faces.all()
    assert [(item.device_id, item.status) for item in queued] == [
        (camera.device_id, ReviewStatus.PENDING)
    ]

"""Check-in over real HTTP, on SQLite and PostgreSQL, with the real models and real photos:
five people enrolled from knn_examples/train, probes from knn_examples/test."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from muster.domain.review import ReviewStatus
from muster.storage import Repositories

from .knn_gallery import NO_FACE, PROBES, STRANGER, Kiosk, TrainFaces, add_kiosk, count_rows, enrol
from .live_server import LiveServer

OBAMA = "Barack Obama"


@pytest.fixture
def people(live_server: LiveServer, train_faces: TrainFaces) -> dict[str, int]:
    return enrol(live_server, train_faces)


@pytest.fixture
def kiosk(live_server: LiveServer) -> Kiosk:
    return add_kiosk(live_server)


def check_in(
    server: LiveServer,
    kiosk: Kiosk,
    photo: bytes,
    *,
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    with server.client(kiosk.token) as client:
        return client.post(
            "/checkins",
            files={"image": ("look.jpg", photo, "image/jpeg")},
            data=fields,
            headers=headers or {},
        )


def decided(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_three_people_are_checked_in_from_photos_not_used_for_enrolment(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    for name, probe in PROBES.items():
        body = decided(check_in(live_server, kiosk, train_faces.photo(probe)))

        assert body["decision"] == "checked_in", body
        assert body["person"] == {"person_id": people[name], "name": name}
        assert body["device_id"] == kiosk.device_id
        assert body["event_id"] is not None
        assert body["similarity"] > 0.9
        assert body["message"].startswith(f"Welcome, {name}")
    assert count_rows(live_server, "attendance_events") == 3


def test_a_stranger_is_not_recognised_and_lands_in_the_review_queue(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    body = decided(check_in(live_server, kiosk, train_faces.photo(STRANGER)))

    assert body["decision"] == "not_recognised"
    assert body["person"] is None
    assert body["rejection"] in {"below_threshold", "low_margin"}
    assert count_rows(live_server, "attendance_events") == 0
    queued = Repositories.create(live_server.services.database).unknown_faces.all()
    assert [item.id for item in queued] == [body["review_item_id"]]
    assert queued[0].status is ReviewStatus.PENDING
    assert queued[0].device_id == kiosk.device_id
    assert queued[0].thumbnail_jpeg.startswith(b"\xff\xd8")  # a JPEG
    assert queued[0].embedding.shape == (128,)


def test_the_same_stranger_seconds_later_is_not_queued_twice(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    first = decided(check_in(live_server, kiosk, train_faces.photo(STRANGER)))
    again = decided(check_in(live_server, kiosk, train_faces.photo(STRANGER)))

    assert first["review_item_id"] is not None
    assert again["decision"] == "not_recognised"
    assert again["review_item_id"] is None
    assert count_rows(live_server, "unknown_faces") == 1


def test_a_second_check_in_within_the_dedupe_window_is_a_duplicate(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    photo = train_faces.photo(PROBES[OBAMA])
    first = decided(check_in(live_server, kiosk, photo))
    second = decided(check_in(live_server, kiosk, photo))

    assert first["decision"] == "checked_in"
    assert second["decision"] == "duplicate"
    assert second["event_id"] == first["event_id"]
    assert second["person"]["name"] == OBAMA
    assert count_rows(live_server, "attendance_events") == 1


def test_an_idempotent_retry_returns_the_original_answer_and_records_nothing(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    photo = train_faces.photo(PROBES[OBAMA])
    key = {"Idempotency-Key": "kiosk-1-request-42"}
    first = decided(check_in(live_server, kiosk, photo, headers=key))
    retry = decided(check_in(live_server, kiosk, photo, headers=key))

    assert first["decision"] == retry["decision"] == "checked_in"
    assert (first["replayed"], retry["replayed"]) == (False, True)
    assert retry["event_id"] == first["event_id"]
    assert retry["at"] == first["at"]
    assert count_rows(live_server, "attendance_events") == 1


def test_an_idempotency_key_in_the_body_works_like_the_header(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    photo = train_faces.photo(NO_FACE)
    first = decided(check_in(live_server, kiosk, photo, idempotency_key="k-7"))
    retry = decided(check_in(live_server, kiosk, photo, headers={"Idempotency-Key": "k-7"}))
    clash = check_in(
        live_server, kiosk, photo, headers={"Idempotency-Key": "a"}, idempotency_key="b"
    )

    assert first["decision"] == retry["decision"] == "no_face"
    assert retry["replayed"] is True
    assert clash.status_code == 422


def test_eight_parallel_check_ins_of_one_person_make_one_event(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    photo = train_faces.photo(PROBES[OBAMA])

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: check_in(live_server, kiosk, photo), range(8)))

    decisions = sorted(decided(response)["decision"] for response in responses)
    assert decisions == ["checked_in"] + ["duplicate"] * 7
    assert len({decided(response)["event_id"] for response in responses}) == 1
    assert count_rows(live_server, "attendance_events") == 1


def test_a_look_soon_after_checking_in_is_already_checked_in_and_later_checks_out(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    # Capture times (an offline kiosk's queue) put the looks 2 min and 30 min apart: past
    # the 60 s dedupe window, then past the 10 min minimum stay.
    photo = train_faces.photo(PROBES[OBAMA])
    # Yesterday morning, so the looks fall on one day whenever the suite runs.
    yesterday = datetime.now(UTC) - timedelta(days=1)
    start = yesterday.replace(hour=9, minute=0, second=0, microsecond=0)
    looks = [start, start + timedelta(minutes=2), start + timedelta(minutes=30)]

    answers = [
        decided(check_in(live_server, kiosk, photo, captured_at=at.isoformat())) for at in looks
    ]

    assert [a["decision"] for a in answers] == [
        "checked_in",
        "already_checked_in",
        "checked_out",
    ]
    assert answers[1]["event_id"] == answers[0]["event_id"]
    assert datetime.fromisoformat(answers[2]["at"]) == looks[2]
    assert count_rows(live_server, "attendance_events") == 2


OUT_OF_RANGE = (400, "capture_time_out_of_range")
MALFORMED = (422, "invalid_request")


@pytest.mark.parametrize(
    ("captured_at", "expected"),
    [
        pytest.param(
            (datetime.now(UTC) - timedelta(days=30)).isoformat(), OUT_OF_RANGE, id="month-old"
        ),
        pytest.param(
            (datetime.now(UTC) + timedelta(hours=1)).isoformat(), OUT_OF_RANGE, id="hour-ahead"
        ),
        pytest.param("2024-03-11T08:55:00", MALFORMED, id="without-an-offset"),
        pytest.param("yesterday", MALFORMED, id="not-a-time"),
    ],
)
def test_a_capture_time_out_of_range_or_without_a_zone_is_refused(
    live_server: LiveServer,
    kiosk: Kiosk,
    train_faces: TrainFaces,
    captured_at: str,
    expected: tuple[int, str],
) -> None:
    photo = train_faces.photo(PROBES[OBAMA])

    response = check_in(live_server, kiosk, photo, captured_at=captured_at)

    assert (response.status_code, response.json()["error"]["code"]) == expected, response.text


def test_a_photo_without_a_face_is_no_face_and_records_nothing(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    body = decided(check_in(live_server, kiosk, train_faces.photo(NO_FACE)))

    assert body["decision"] == "no_face"
    assert body["person"] is None
    assert count_rows(live_server, "attendance_events") == 0
    assert count_rows(live_server, "unknown_faces") == 0


def test_a_base64_json_check_in_is_decided_like_an_upload(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    encoded = base64.b64encode(train_faces.photo(PROBES[OBAMA])).decode()
    with live_server.client(kiosk.token) as client:
        response = client.post("/checkins", json={"image_base64": encoded})

    assert decided(response)["decision"] == "checked_in"
    assert decided(response)["person"]["person_id"] == people[OBAMA]

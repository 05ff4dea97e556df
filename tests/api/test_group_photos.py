"""Group photos over real HTTP, on SQLite and PostgreSQL, with the real models: a class is
enrolled by assigning the unknown faces of one group photo in the review queue, then marked
present from another photo of the same six people."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from muster.config import Settings
from muster.domain.people import Role

from .attendance_world import schedule_body
from .knn_gallery import add_kiosk
from .live_server import LiveServer, make_settings

ENROL_PHOTO = "facenet_pytorch_data/data/multiface.jpg"
PROBE_PHOTO = "insightface_samples/python_package_images/t1.jpg"
# Left to right by face centre, from the photos' labels.csv files.
ENROL_NAMES = [
    "Jennifer_Aniston",
    "Matthew_Perry",
    "David_Schwimmer",
    "Lisa_Kudrow",
    "Courteney_Cox",
    "Matt_LeBlanc",
]
PROBE_NAMES = [
    "Jennifer_Aniston",
    "Courteney_Cox",
    "David_Schwimmer",
    "Matthew_Perry",
    "Matt_LeBlanc",
    "Lisa_Kudrow",
]
ENROL_DAY = date(2026, 11, 23)  # a Monday
PROBE_DAY = date(2026, 11, 24)
SUNDAY = date(2026, 11, 29)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The six-person class's operating point, as measured in
    # tests/models/test_group_recognition.py (the six-person calibration alone sets 0.947).
    return make_settings(
        database_url,
        tmp_path / "data",
        recognition={"min_similarity": 0.90, "max_abs_yaw_deg": 60.0},
    )


@pytest.fixture
def group_id(live_server: LiveServer) -> int:
    group = live_server.admin.post("/groups", json={"name": "Friends", "kind": "class"})
    assert group.status_code == 201, group.text
    created: int = group.json()["id"]
    return created


@pytest.fixture
def schedule_id(live_server: LiveServer, group_id: int) -> int:
    """Mondays to Wednesdays 08:30-10:00 in London."""
    response = live_server.admin.post(
        "/schedules",
        json=schedule_body(group_id, timezone="Europe/London", weekdays=[0, 1, 2]),
    )
    assert response.status_code == 201, response.text
    created: int = response.json()["id"]
    return created


def upload(
    client: httpx.Client, photo: bytes, schedule_id: int, day: date | None = None
) -> httpx.Response:
    fields = {"schedule_id": str(schedule_id)}
    if day is not None:
        fields["day"] = day.isoformat()
    return client.post(
        "/group-photos", files={"image": ("class.jpg", photo, "image/jpeg")}, data=fields
    )


def processed(client: httpx.Client, photo: bytes, schedule_id: int, day: date) -> dict[str, Any]:
    response = upload(client, photo, schedule_id, day)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def left_to_right(body: dict[str, Any]) -> list[dict[str, Any]]:
    faces: list[dict[str, Any]] = body["faces"]
    return sorted(faces, key=lambda face: face["box"]["left"] + face["box"]["right"])


def test_a_class_enrolled_from_one_photos_review_queue_is_marked_present_from_another(
    live_server: LiveServer, group_id: int, schedule_id: int, faces_dir: Path
) -> None:
    admin = live_server.admin
    first = processed(admin, (faces_dir / ENROL_PHOTO).read_bytes(), schedule_id, ENROL_DAY)
    assert (first["recognised"], first["unknown"], first["events_recorded"]) == (0, 6, 0)
    for name, face in zip(ENROL_NAMES, left_to_right(first), strict=True):
        assert face["name"] == "unknown"
        person = admin.post(
            "/people", json={"name": name, "group_ids": [group_id], "consent": {"method": "form"}}
        )
        assigned = admin.post(
            f"/review/unknown-faces/{face['review_item_id']}/assign",
            json={"person_id": person.json()["id"]},
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["templating"]["templated"] is True, assigned.json()
    probe = (faces_dir / PROBE_PHOTO).read_bytes()

    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        body = processed(operator, probe, schedule_id, PROBE_DAY)
        again = processed(operator, probe, schedule_id, PROBE_DAY)

    assert [face["name"] for face in left_to_right(body)] == PROBE_NAMES
    assert (body["recognised"], body["unknown"], body["events_recorded"]) == (6, 0, 6)
    assert all(0.9 <= face["similarity"] <= 1.0 for face in body["faces"])
    assert body["session_start"].startswith("2026-11-24T08:30:00")
    assert (body["width_px"], body["height_px"]) == (1280, 886)
    assert again["events_recorded"] == 0
    assert [f["event_id"] for f in again["faces"]] == [f["event_id"] for f in body["faces"]]
    register = admin.get(
        "/attendance/register", params={"group_id": group_id, "day": PROBE_DAY.isoformat()}
    ).json()
    assert {e["name"]: e["status"] for e in register["entries"]} == dict.fromkeys(
        PROBE_NAMES, "present"
    )
    audit = admin.get("/audit", params={"action": "group_photo.processed"}).json()
    assert len(audit) == 3


def test_a_reuploaded_photo_queues_its_unknown_faces_once(
    live_server: LiveServer, schedule_id: int, faces_dir: Path
) -> None:
    photo = (faces_dir / ENROL_PHOTO).read_bytes()

    first = processed(live_server.admin, photo, schedule_id, ENROL_DAY)
    again = processed(live_server.admin, photo, schedule_id, ENROL_DAY)

    queued = live_server.admin.get("/review/unknown-faces").json()
    assert len(queued) == 6
    assert sorted(f["review_item_id"] for f in again["faces"]) == sorted(
        f["review_item_id"] for f in first["faces"]
    )


def test_a_day_without_the_session_is_refused_with_its_code(
    live_server: LiveServer, schedule_id: int, faces_dir: Path
) -> None:
    response = upload(
        live_server.admin, (faces_dir / PROBE_PHOTO).read_bytes(), schedule_id, SUNDAY
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "no_session"
    assert "Sunday" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("content", "fields", "status", "code"),
    [
        (b"\xff\xd8 not really a jpeg", {}, 422, "invalid_image"),
        (b"", {"schedule_id": "0"}, 422, "invalid_request"),
        (b"", {"schedule_id": None}, 422, "invalid_request"),
        (b"", {"day": "Monday"}, 422, "invalid_request"),
        (b"", {"colour": "red"}, 422, "invalid_request"),
    ],
)
def test_malformed_uploads_are_refused_with_a_code(
    live_server: LiveServer,
    *,
    schedule_id: int,
    content: bytes,
    fields: dict[str, str | None],
    status: int,
    code: str,
) -> None:
    data = {"schedule_id": str(schedule_id), "day": ENROL_DAY.isoformat()} | fields
    response = live_server.admin.post(
        "/group-photos",
        files={"image": ("x.jpg", content, "image/jpeg")},
        data={name: value for name, value in data.items() if value is not None},
    )

    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_an_unknown_schedule_is_not_found(live_server: LiveServer, faces_dir: Path) -> None:
    response = upload(live_server.admin, (faces_dir / PROBE_PHOTO).read_bytes(), 999)

    assert response.status_code == 404, response.text


def test_devices_and_anonymous_callers_may_not_upload_group_photos(
    live_server: LiveServer, schedule_id: int, faces_dir: Path
) -> None:
    kiosk = add_kiosk(live_server)
    photo = (faces_dir / PROBE_PHOTO).read_bytes()

    with live_server.client(kiosk.token) as device, live_server.client() as anonymous:
        assert upload(device, photo, schedule_id).status_code == 403
        assert upload(anonymous, photo, schedule_id).status_code == 401


def test_the_group_photo_page_is_in_the_navigation_and_loads_its_script(
    live_server: LiveServer,
) -> None:
    with live_server.client() as browser:
        page = browser.get("/admin/group-photo")
        script = browser.get("/static/js/admin/group-photo.js")
        review = browser.get("/admin/review")

    assert page.status_code == 200, page.text
    assert 'id="group-photo-form"' in page.text
    assert "js/admin/group-photo.js" in page.text
    assert 'href="/admin/group-photo"' in review.text
    assert script.status_code == 200
    assert "/group-photos" in script.text
    assert "/review/unknown-faces/" in script.text

"""The review queue and corrections of wrong matches over real HTTP, on SQLite and
PostgreSQL, with the real models: faces reach the queue through real kiosk check-ins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from muster.domain.people import Role

from .knn_gallery import Kiosk, TrainFaces, add_kiosk
from .knn_gallery import enrol as enrol_knn_gallery
from .live_server import LiveServer
from .roster import OBAMA, OBAMA_PROBE, STRANGER, create_person, degraded, enrol_files, read, rows


@pytest.fixture
def kiosk(live_server: LiveServer) -> Kiosk:
    return add_kiosk(live_server)


def look(server: LiveServer, kiosk: Kiosk, photo: bytes) -> dict[str, Any]:
    with server.client(kiosk.token) as client:
        response = client.post("/checkins", files={"image": ("look.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def queued_stranger(server: LiveServer, kiosk: Kiosk, photo: bytes) -> int:
    """Show a stranger to the kiosk; returns the review item it queued."""
    body = look(server, kiosk, photo)
    assert body["decision"] == "not_recognised", body
    assert body["review_item_id"] is not None, body
    item_id: int = body["review_item_id"]
    return item_id


@pytest.fixture
def gallery(live_server: LiveServer, train_faces: TrainFaces) -> dict[str, int]:
    """Five knn_examples people enrolled, so a stranger is compared with a real gallery."""
    return enrol_knn_gallery(live_server, train_faces)


def test_a_stranger_seen_at_a_kiosk_waits_with_thumbnail_device_and_time(
    live_server: LiveServer, gallery: dict[str, int], kiosk: Kiosk, faces_dir: Path
) -> None:
    item_id = queued_stranger(live_server, kiosk, read(faces_dir, STRANGER))

    (item,) = live_server.admin.get("/review/unknown-faces").json()
    thumbnail = live_server.admin.get(item["thumbnail_url"])

    assert item["id"] == item_id
    assert (item["status"], item["device_id"]) == ("pending", kiosk.device_id)
    assert item["seen_at"]
    assert item["quality"]["interocular_px"] > 0
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.content.startswith(b"\xff\xd8")


def test_an_assigned_face_becomes_a_template_and_is_recognised_next_time(
    live_server: LiveServer, gallery: dict[str, int], kiosk: Kiosk, faces_dir: Path
) -> None:
    stranger = read(faces_dir, STRANGER)
    item_id = queued_stranger(live_server, kiosk, stranger)
    lin = create_person(live_server.admin, "Lin-Manuel")

    response = live_server.admin.post(
        f"/review/unknown-faces/{item_id}/assign", json={"person_id": lin["id"]}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["item"]["status"], body["item"]["assigned_person_id"]) == ("assigned", lin["id"])
    assert body["templating"]["templated"] is True
    assert body["templating"]["template"]["source"] == "review"
    assert body["templating"]["template"]["person_id"] == lin["id"]
    assert live_server.admin.get("/review/unknown-faces").json() == []
    again = look(live_server, kiosk, stranger)
    assert again["decision"] == "checked_in", again
    assert again["person"]["person_id"] == lin["id"]


def test_a_blurred_face_is_assigned_but_not_templated_and_the_answer_says_why(
    live_server: LiveServer, gallery: dict[str, int], kiosk: Kiosk, faces_dir: Path
) -> None:
    item_id = queued_stranger(
        live_server, kiosk, degraded(read(faces_dir, STRANGER), blur_radius=8)
    )
    lin = create_person(live_server.admin, "Lin-Manuel")

    body = live_server.admin.post(
        f"/review/unknown-faces/{item_id}/assign", json={"person_id": lin["id"]}
    ).json()

    assert body["item"]["status"] == "assigned"
    assert body["templating"]["templated"] is False
    assert [p["code"] for p in body["templating"]["problems"]] == ["too_blurry"]
    assert body["templating"]["message"].startswith("not templated: face too blurry")
    assert live_server.admin.get(f"/people/{lin['id']}/templates").json() == []


def test_a_face_assigned_to_someone_without_consent_is_not_templated(
    live_server: LiveServer, gallery: dict[str, int], kiosk: Kiosk, faces_dir: Path
) -> None:
    item_id = queued_stranger(live_server, kiosk, read(faces_dir, STRANGER))
    lin = create_person(live_server.admin, "Lin-Manuel", consent=False)

    body = live_server.admin.post(
        f"/review/unknown-faces/{item_id}/assign", json={"person_id": lin["id"]}
    ).json()

    assert body["item"]["assigned_person_id"] == lin["id"]
    assert body["templating"]["templated"] is False
    assert "consent" in body["templating"]["message"]


def test_a_discarded_face_leaves_the_queue_and_cannot_be_assigned_after(
    live_server: LiveServer, gallery: dict[str, int], kiosk: Kiosk, faces_dir: Path
) -> None:
    item_id = queued_stranger(live_server, kiosk, read(faces_dir, STRANGER))
    person = create_person(live_server.admin, "Someone")

    discarded = live_server.admin.post(f"/review/unknown-faces/{item_id}/discard")
    late = live_server.admin.post(
        f"/review/unknown-faces/{item_id}/assign", json={"person_id": person["id"]}
    )
    listed = live_server.admin.get("/review/unknown-faces", params={"status": "discarded"})

    assert discarded.json()["status"] == "discarded"
    assert live_server.admin.get("/review/unknown-faces").json() == []
    assert [i["id"] for i in listed.json()] == [item_id]
    assert late.status_code == 409
    assert live_server.admin.post("/review/unknown-faces/999/discard").status_code == 404
    audited = live_server.services.audit.recent(target_type="unknown_face")
    assert [e.action for e in audited] == ["unknown_face.discarded"]


def test_a_wrong_match_is_moved_to_the_right_person_and_their_face_enrolled(
    live_server: LiveServer, kiosk: Kiosk, faces_dir: Path
) -> None:
    # "Wrong" was enrolled with Barack Obama's photo, so Barack is recognised as "Wrong".
    wrong = create_person(live_server.admin, "Wrong")
    enrol_files(live_server.admin, faces_dir, wrong["id"], OBAMA[:1])
    right = create_person(live_server.admin, "Right")
    checkin = look(live_server, kiosk, read(faces_dir, OBAMA_PROBE))
    assert checkin["person"]["person_id"] == wrong["id"]

    response = live_server.admin.post(
        "/review/reassignments",
        json={"event_id": checkin["event_id"], "person_id": right["id"], "reason": "wrong match"},
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["voided_event"]["id"], body["voided_event"]["person_id"]) == (
        checkin["event_id"],
        wrong["id"],
    )
    assert body["event"]["person_id"] == right["id"]
    assert body["event"]["at"] == body["voided_event"]["at"]
    assert [(c["person_id"], c["event_change"], c["reason"]) for c in body["corrections"]] == [
        (wrong["id"], "voided", "wrong match"),
        (right["id"], "added", "wrong match"),
    ]
    assert body["templating"]["templated"] is True
    assert body["templating"]["template"]["person_id"] == right["id"]
    assert rows(
        live_server,
        "SELECT assigned_person_id FROM unknown_faces WHERE event_id = :e",
        e=checkin["event_id"],
    ) == [(right["id"],)]
    assert len(rows(live_server, "SELECT id FROM corrections")) == 2
    (entry,) = live_server.services.audit.recent(target_type="attendance_event")
    assert (entry.action, entry.target_id) == ("event.reassigned", checkin["event_id"])
    assert entry.detail["from_person_id"] == wrong["id"]
    again = live_server.admin.post(
        "/review/reassignments",
        json={"event_id": checkin["event_id"], "person_id": right["id"], "reason": "again"},
    )
    assert again.status_code == 409


def test_reassigning_needs_a_reason_a_real_event_and_another_person(
    live_server: LiveServer, kiosk: Kiosk, faces_dir: Path
) -> None:
    wrong = create_person(live_server.admin, "Wrong")
    enrol_files(live_server.admin, faces_dir, wrong["id"], OBAMA[:1])
    event_id = look(live_server, kiosk, read(faces_dir, OBAMA_PROBE))["event_id"]

    def reassign(**body: Any) -> int:
        fields = {"event_id": event_id, "person_id": wrong["id"], "reason": "r", **body}
        return live_server.admin.post("/review/reassignments", json=fields).status_code

    assert reassign(reason="   ") == 422
    assert reassign() == 400  # already that person's
    assert reassign(event_id=9999) == 404
    assert reassign(person_id=9999) == 404
    assert len(rows(live_server, "SELECT id FROM attendance_events")) == 1


def test_operators_work_the_queue_and_devices_cannot(live_server: LiveServer, kiosk: Kiosk) -> None:
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        assert operator.get("/review/unknown-faces").status_code == 200
    with live_server.client(kiosk.token) as device:
        assert device.get("/review/unknown-faces").status_code == 403
        assert device.post("/review/reassignments", json={}).status_code == 403

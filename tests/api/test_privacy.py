"""Privacy over real HTTP, on SQLite and PostgreSQL, with the real models: erasure leaves no
face data of the person in any table (checked with plain SQL) or on disk, consent withdrawal
removes templates, and the retention purge removes old faces and thumbnails, on request and
in the background."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from muster.config import Settings
from muster.domain.people import Role, TemplateSource
from muster.storage import Repositories

from .knn_gallery import Kiosk, add_kiosk
from .live_server import LiveServer, make_settings
from .roster import ALEX, ROSE, STRANGER, create_person, enrol_files, read, rows

LONG_AGO = datetime.now(UTC) - timedelta(days=400)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Enrolment photos are kept here (so erasure has files to remove); the background purge
    is off unless a test turns it on with indirect parametrisation."""
    privacy = {
        "store_enrolment_photos": True,
        "purge_interval_s": 0,
        **getattr(request, "param", {}),
    }
    return make_settings(database_url, tmp_path / "data", privacy=privacy)


@pytest.fixture
def kiosk(live_server: LiveServer) -> Kiosk:
    return add_kiosk(live_server)


def look(server: LiveServer, kiosk: Kiosk, photo: bytes) -> dict[str, Any]:
    with server.client(kiosk.token) as client:
        response = client.post("/checkins", files={"image": ("look.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def photos_of(server: LiveServer, person_id: int) -> list[Path]:
    return sorted((server.services.settings.data_dir / "photos" / str(person_id)).glob("*"))


def personal_rows(server: LiveServer, person_id: int) -> dict[str, int]:
    """How many rows of each table still hold the person's face or personal data."""
    queries = {
        "templates": "SELECT COUNT(*) FROM templates WHERE person_id = :p",
        "unknown_faces": "SELECT COUNT(*) FROM unknown_faces WHERE assigned_person_id = :p",
        "consents": "SELECT COUNT(*) FROM consents WHERE person_id = :p",
        "group_members": "SELECT COUNT(*) FROM group_members WHERE person_id = :p",
        "named": "SELECT COUNT(*) FROM people WHERE id = :p AND (external_id IS NOT NULL "
        "OR email IS NOT NULL OR name <> '(erased)')",
    }
    return {table: rows(server, sql, p=person_id)[0][0] for table, sql in queries.items()}


def an_erasable_person(server: LiveServer, kiosk: Kiosk, faces_dir: Path) -> int:
    """Someone with every kind of face data: an enrolled photo (template, thumbnail, stored
    file), the face kept with a check-in, and a review-queue face assigned to them."""
    group = server.admin.post("/groups", json={"name": "Class"}).json()
    person = create_person(
        server.admin, "Alex", external_id="A-1", email="alex@example.org", group_ids=[group["id"]]
    )
    enrol_files(server.admin, faces_dir, person["id"], ALEX)
    assert look(server, kiosk, read(faces_dir, ALEX[0]))["decision"] == "checked_in"
    stranger = look(server, kiosk, read(faces_dir, STRANGER))
    server.admin.post(
        f"/review/unknown-faces/{stranger['review_item_id']}/assign",
        json={"person_id": person["id"]},
    )
    person_id: int = person["id"]
    return person_id


def test_erasure_leaves_no_face_data_of_the_person_in_any_table_or_on_disk(
    live_server: LiveServer, kiosk: Kiosk, faces_dir: Path
) -> None:
    person_id = an_erasable_person(live_server, kiosk, faces_dir)
    other = create_person(live_server.admin, "Rose")
    enrol_files(live_server.admin, faces_dir, other["id"], ROSE)
    before = personal_rows(live_server, person_id)
    assert before["templates"] >= 2  # the enrolled photo and the assigned review face
    assert before["unknown_faces"] == 2  # the face kept with the check-in and the review face
    assert photos_of(live_server, person_id)

    response = live_server.admin.delete(f"/people/{person_id}")

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["templates_deleted"] == before["templates"]
    assert report["unknown_faces_deleted"] == 2
    assert report["events_deleted"] == 0
    assert personal_rows(live_server, person_id) == dict.fromkeys(before, 0)
    assert photos_of(live_server, person_id) == []
    # Attendance stays, pseudonymised: the event points at the anonymous tombstone.
    assert rows(
        live_server, "SELECT COUNT(*) FROM attendance_events WHERE person_id = :p", p=person_id
    ) == [(1,)]
    # Nobody else lost anything.
    assert (
        len(rows(live_server, "SELECT id FROM templates WHERE person_id = :p", p=other["id"])) == 2
    )
    assert live_server.admin.get("/healthz").json()["enrolled_people"] == 1
    assert live_server.admin.get(f"/people/{person_id}").json()["error"]["code"] == "person_erased"
    assert [p["id"] for p in live_server.admin.get("/people").json()["items"]] == [other["id"]]
    (entry,) = live_server.services.audit.recent(target_type="person", target_id=person_id, limit=1)
    assert entry.action == "person.erased"
    assert entry.actor.startswith("key:")
    assert live_server.admin.delete(f"/people/{person_id}").status_code == 200  # harmless twice


@pytest.mark.parametrize("settings", [{"erasure_deletes_events": True}], indirect=True)
def test_erasure_deletes_the_events_too_when_the_privacy_settings_say_so(
    live_server: LiveServer, kiosk: Kiosk, faces_dir: Path
) -> None:
    person_id = an_erasable_person(live_server, kiosk, faces_dir)

    report = live_server.admin.delete(f"/people/{person_id}").json()

    assert report["events_deleted"] == 1
    assert rows(live_server, "SELECT COUNT(*) FROM attendance_events") == [(0,)]
    assert rows(live_server, "SELECT COUNT(*) FROM unknown_faces") == [(0,)]


def test_only_an_admin_erases(live_server: LiveServer) -> None:
    person = create_person(live_server.admin, "Kept")
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        assert operator.delete(f"/people/{person['id']}").status_code == 403
    assert live_server.admin.delete("/people/9999").status_code == 404


def test_withdrawing_consent_deletes_the_templates_and_photos_but_keeps_the_person(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person = create_person(live_server.admin, "Alex")
    enrol_files(live_server.admin, faces_dir, person["id"], ALEX)

    body = live_server.admin.delete(f"/people/{person['id']}/consent").json()
    refused = live_server.admin.post(
        f"/people/{person['id']}/templates",
        files=[("photos", ("a.jpg", read(faces_dir, ALEX[0]), "image/jpeg"))],
    )

    assert body["templates_deleted"] == 1
    assert personal_rows(live_server, person["id"])["templates"] == 0
    assert photos_of(live_server, person["id"]) == []
    assert live_server.admin.get(f"/people/{person['id']}").json()["name"] == "Alex"
    assert refused.json()["error"]["code"] == "consent_required"


def test_the_retention_purge_deletes_old_faces_and_thumbnails_and_keeps_recent_ones(
    live_server: LiveServer, kiosk: Kiosk, faces_dir: Path
) -> None:
    recent_item = look(live_server, kiosk, read(faces_dir, STRANGER))["review_item_id"]
    person = create_person(live_server.admin, "Alex")
    recent_template = enrol_files(live_server.admin, faces_dir, person["id"], ALEX)
    recent_template_id = recent_template["photos"][0]["template"]["id"]
    # The same real face and thumbnail, stored as if seen and enrolled long ago.
    long_ago = Repositories.create(live_server.services.database, clock=lambda: LONG_AGO)
    face = long_ago.unknown_faces.get(recent_item)
    assert face.quality is not None
    long_ago.unknown_faces.add(
        embedding=face.embedding, thumbnail_jpeg=face.thumbnail_jpeg, seen_at=LONG_AGO
    )
    old_template = long_ago.templates.add(
        person_id=person["id"],
        embedding=face.embedding,
        model_name="dlib_face_recognition_resnet_model_v1",
        model_version="1",
        quality=face.quality,
        source=TemplateSource.REVIEW,
        thumbnail_jpeg=face.thumbnail_jpeg,
    )
    (photo,) = photos_of(live_server, person["id"])
    os.utime(photo, (LONG_AGO.timestamp(), LONG_AGO.timestamp()))

    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        assert operator.post("/admin/retention/purge").status_code == 403
    response = live_server.admin.post("/admin/retention/purge")

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["unknown_faces_deleted"], report["thumbnails_deleted"]) == (1, 1)
    assert report["photos_deleted"] == 1
    assert rows(live_server, "SELECT id FROM unknown_faces") == [(recent_item,)]
    thumbnails = dict(
        rows(live_server, "SELECT id, thumbnail_jpeg IS NOT NULL FROM templates ORDER BY id")
    )
    assert thumbnails == {recent_template_id: True, old_template.id: False}
    assert photos_of(live_server, person["id"]) == []
    (entry,) = live_server.services.audit.recent(target_type="retention")
    assert entry.detail["unknown_faces_deleted"] == 1


@pytest.mark.parametrize("settings", [{"purge_interval_s": 0.2}], indirect=True)
def test_the_server_purges_old_faces_in_the_background(
    live_server: LiveServer, kiosk: Kiosk, faces_dir: Path
) -> None:
    item_id = look(live_server, kiosk, read(faces_dir, STRANGER))["review_item_id"]
    repos = Repositories.create(live_server.services.database)
    face = repos.unknown_faces.get(item_id)
    repos.unknown_faces.add(
        embedding=face.embedding, thumbnail_jpeg=face.thumbnail_jpeg, seen_at=LONG_AGO
    )

    deadline = time.monotonic() + 60
    while len(rows(live_server, "SELECT id FROM unknown_faces")) > 1:
        assert time.monotonic() < deadline, "the background purge never ran"
        time.sleep(0.1)

    assert rows(live_server, "SELECT id FROM unknown_faces") == [(item_id,)]
    entries = live_server.services.audit.recent(target_type="retention")
    assert entries
    assert {e.actor for e in entries} == {"system:retention"}

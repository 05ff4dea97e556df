"""Erasing a person leaves no face data of theirs in any table (checked with plain SQL, not
through the repositories), and the retention purge removes old review-queue faces."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from muster.domain.attendance import RegisterStatus
from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.people import ERASED_NAME, Consent, Person
from muster.domain.review import ReviewStatus
from muster.storage import Database, Repositories

from .factories import (
    T0,
    add_device,
    add_person,
    add_template,
    at,
    count_rows,
    jpeg_thumbnail,
    look,
    unit_embedding,
)

WINDOW_S = 60.0


def _enrolled_person_with_history(repos: Repositories, name: str) -> Person:
    """A person with consent, a group, two templates, an assigned review item, two events
    and a correction."""
    group = repos.groups.create(name=f"{name}'s class")
    consent = Consent(given_at=T0, method="form", recorded_by="office")
    person = repos.people.create(
        name=name,
        external_id=f"ext-{name}",
        email=f"{name}@example.org",
        group_ids=[group.id],
        consent=consent,
        pin_hash="hash",
    )
    add_template(repos, person.id, seed=1)
    add_template(repos, person.id, seed=2)
    face = repos.unknown_faces.add(
        embedding=unit_embedding(3), thumbnail_jpeg=jpeg_thumbnail(3), seen_at=T0
    )
    repos.unknown_faces.assign(face.id, person.id)
    repos.events.append(look(person.id, 0), WINDOW_S)
    repos.events.append(look(person.id, 3600), WINDOW_S)
    repos.corrections.add_with_event(
        look(person.id, 7200),
        day=date(2025, 3, 3),
        schedule_id=None,
        reason="doctor's appointment",
        actor="office",
        status=RegisterStatus.EXCUSED,
    )
    return person


def test_erasure_leaves_no_template_thumbnail_or_review_item(
    repos: Repositories, database: Database
) -> None:
    ada = _enrolled_person_with_history(repos, "Ada")
    bob = _enrolled_person_with_history(repos, "Bob")

    report = repos.people.erase(ada.id, actor="admin")

    assert (report.templates_deleted, report.unknown_faces_deleted) == (2, 1)
    ada_rows = {
        "templates": "templates WHERE person_id = :p",
        "thumbnails": "templates WHERE person_id = :p AND thumbnail_jpeg IS NOT NULL",
        "review items": "unknown_faces WHERE assigned_person_id = :p",
        "consents": "consents WHERE person_id = :p",
        "memberships": "group_members WHERE person_id = :p",
        "personal fields": "people WHERE id = :p AND (external_id IS NOT NULL"
        " OR email IS NOT NULL OR pin_hash IS NOT NULL)",
    }
    left = {what: count_rows(database, sql, p=ada.id) for what, sql in ada_rows.items()}
    assert left == dict.fromkeys(ada_rows, 0)
    # Bob is untouched.
    assert count_rows(database, "templates WHERE person_id = :p", p=bob.id) == 2
    assert count_rows(database, "unknown_faces WHERE assigned_person_id = :p", p=bob.id) == 1


def test_erasure_keeps_events_on_a_tombstone_and_blanks_correction_reasons(
    repos: Repositories, database: Database
) -> None:
    ada = _enrolled_person_with_history(repos, "Ada")

    report = repos.people.erase(ada.id, actor="admin")
    tombstone = repos.people.get(ada.id)

    assert report.events_deleted == 0
    assert (tombstone.name, tombstone.active, tombstone.group_ids, tombstone.consent) == (
        ERASED_NAME,
        False,
        (),
        None,
    )
    assert tombstone.erased_at is not None
    assert len(repos.events.between(at(-1), at(10_000), person_ids=[ada.id])) == 3
    assert count_rows(database, "corrections WHERE reason LIKE '%doctor%'") == 0
    assert ada.id not in [p.id for p in repos.people.all()]


def test_erasure_can_delete_events_and_corrections_too(
    repos: Repositories, database: Database
) -> None:
    ada = _enrolled_person_with_history(repos, "Ada")
    bob = _enrolled_person_with_history(repos, "Bob")

    report = repos.people.erase(ada.id, actor="admin", delete_events=True)

    assert (report.events_deleted, report.corrections_deleted) == (3, 1)
    assert count_rows(database, "attendance_events WHERE person_id = :p", p=ada.id) == 0
    assert count_rows(database, "corrections WHERE person_id = :p", p=ada.id) == 0
    assert count_rows(database, "attendance_events WHERE person_id = :p", p=bob.id) == 3


def test_erasure_is_audited_and_bumps_the_gallery_version(repos: Repositories) -> None:
    ada = _enrolled_person_with_history(repos, "Ada")
    version = repos.templates.gallery_version()

    repos.people.erase(ada.id, actor="admin:7")

    assert repos.templates.gallery_version() == version + 1
    [entry] = repos.audit.recent(target_type="person", target_id=ada.id)
    assert (entry.actor, entry.action) == ("admin:7", "person.erased")
    assert entry.detail["templates_deleted"] == 2
    assert "Ada" not in str(entry.detail)


def test_erasing_twice_is_harmless_and_a_missing_person_is_not_found(
    repos: Repositories,
) -> None:
    ada = _enrolled_person_with_history(repos, "Ada")
    repos.people.erase(ada.id, actor="admin")

    again = repos.people.erase(ada.id, actor="admin")

    assert (again.templates_deleted, again.unknown_faces_deleted) == (0, 0)
    with pytest.raises(NotFoundError):
        repos.people.erase(404, actor="admin")


def test_retention_purge_deletes_review_items_seen_before_the_cutoff(
    repos: Repositories, database: Database
) -> None:
    device = add_device(repos)
    person = add_person(repos)
    ages_days = [40, 31, 29, 1]
    faces = [
        repos.unknown_faces.add(
            embedding=unit_embedding(i),
            thumbnail_jpeg=jpeg_thumbnail(i),
            seen_at=T0 - timedelta(days=age),
            device_id=device.id,
        )
        for i, age in enumerate(ages_days)
    ]
    repos.unknown_faces.assign(faces[0].id, person.id)
    repos.unknown_faces.discard(faces[1].id)

    purged = repos.unknown_faces.purge(seen_before=T0 - timedelta(days=30))

    assert purged == 2
    assert [f.id for f in repos.unknown_faces.all(status=None)] == [faces[3].id, faces[2].id]
    assert count_rows(database, "unknown_faces") == 2


def test_review_items_are_assigned_or_discarded_once(repos: Repositories) -> None:
    person = add_person(repos)
    face = repos.unknown_faces.add(
        embedding=unit_embedding(1), thumbnail_jpeg=jpeg_thumbnail(1), seen_at=T0
    )

    assigned = repos.unknown_faces.assign(face.id, person.id)

    assert (assigned.status, assigned.assigned_person_id) == (ReviewStatus.ASSIGNED, person.id)
    assert assigned.resolved_at is not None
    stored = repos.unknown_faces.get(face.id)
    assert stored.thumbnail_jpeg == jpeg_thumbnail(1)
    assert np.array_equal(stored.embedding, unit_embedding(1))
    assert stored.seen_at == T0
    assert repos.unknown_faces.all() == []
    with pytest.raises(ConflictError, match="already assigned"):
        repos.unknown_faces.discard(face.id)

"""Register corrections round-trip, and an added event is stored with its correction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from muster.domain.attendance import Correction, EventChange, EventSource, RegisterStatus
from muster.domain.errors import ConflictError
from muster.storage import Repositories

from .factories import T0, add_person, look

DAY = date(2025, 3, 3)


def test_a_status_correction_round_trips(repos: Repositories) -> None:
    person = add_person(repos)
    correction = Correction(
        id=None,
        person_id=person.id,
        day=DAY,
        schedule_id=None,
        reason="sick note",
        actor="office",
        at=T0,
        status=RegisterStatus.EXCUSED,
    )

    stored = repos.corrections.add(correction)

    assert stored.id is not None
    assert repos.corrections.get(stored.id) == stored
    assert stored == replace(correction, id=stored.id)
    assert repos.corrections.between(DAY, DAY, person_ids=[person.id]) == [stored]
    assert repos.corrections.between(date(2025, 3, 4), date(2025, 3, 9)) == []


def test_an_added_event_is_stored_with_its_correction(repos: Repositories) -> None:
    person = add_person(repos)
    manual = look(person.id, 300)

    correction, event = repos.corrections.add_with_event(
        manual, day=DAY, schedule_id=None, reason="forgot to check in", actor="teacher"
    )

    assert (correction.event_change, correction.event_id) == (EventChange.ADDED, event.id)
    assert event.id is not None
    assert repos.events.get(event.id) == event
    assert event.source is EventSource.KIOSK


def test_voiding_someone_elses_event_is_a_conflict(repos: Repositories) -> None:
    ada, bob = add_person(repos, "Ada"), add_person(repos, "Bob")
    bobs_event, _ = repos.events.append(look(bob.id), 60)
    assert bobs_event.id is not None

    with pytest.raises(ConflictError, match="not person"):
        repos.corrections.add(
            Correction(
                id=None,
                person_id=ada.id,
                day=DAY,
                schedule_id=None,
                reason="false match",
                actor="office",
                at=T0,
                event_change=EventChange.VOIDED,
                event_id=bobs_event.id,
            )
        )

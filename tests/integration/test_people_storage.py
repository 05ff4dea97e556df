"""People, groups and schedules round-trip to domain values on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from muster.domain.attendance import Schedule
from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.people import Consent, GroupKind
from muster.storage import Repositories

from .factories import add_person

CONSENT = Consent(
    given_at=datetime(2025, 2, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))),
    method="paper form",
    recorded_by="office",
    note="signed by parent",
)


def test_a_person_round_trips_with_consent_and_groups(repos: Repositories) -> None:
    maths = repos.groups.create(name="Maths 3B", kind=GroupKind.CLASS)
    chess = repos.groups.create(name="Chess club", kind=GroupKind.TEAM)

    created = repos.people.create(
        name="Ada Lovelace",
        external_id="S-1815",
        email="ada@example.org",
        group_ids=[maths.id, chess.id],
        consent=CONSENT,
        pin_hash="sha256:abc",
    )

    assert repos.people.get(created.id) == created
    assert created.group_ids == tuple(sorted([maths.id, chess.id]))
    assert created.consent == CONSENT
    assert created.consent is not None
    assert created.consent.given_at.tzinfo is UTC
    assert created.created_at.tzinfo is UTC
    assert (created.active, created.erased_at) == (True, None)


def test_saving_a_person_replaces_fields_groups_and_consent(repos: Repositories) -> None:
    first, second = repos.groups.create(name="A"), repos.groups.create(name="B")
    person = repos.people.create(name="Grace", group_ids=[first.id], consent=CONSENT)

    saved = repos.people.save(
        replace(person, name="Grace Hopper", active=False, group_ids=(second.id,), consent=None)
    )

    assert saved == repos.people.get(person.id)
    assert (saved.name, saved.active, saved.group_ids, saved.consent) == (
        "Grace Hopper",
        False,
        (second.id,),
        None,
    )


def test_a_taken_external_id_is_a_conflict(repos: Repositories) -> None:
    repos.people.create(name="Ada", external_id="S-1")
    other = repos.people.create(name="Grace", external_id="S-2")

    with pytest.raises(ConflictError, match="S-1"):
        repos.people.create(name="Imposter", external_id="S-1")
    with pytest.raises(ConflictError, match="S-1"):
        repos.people.save(replace(other, external_id="S-1"))


def test_people_can_be_found_by_external_id(repos: Repositories) -> None:
    person = repos.people.create(name="Ada", external_id="S-1")

    assert repos.people.find_by_external_id("S-1") == person
    assert repos.people.find_by_external_id("S-404") is None


def test_listing_people_filters_by_group_and_activity(repos: Repositories) -> None:
    group = repos.groups.create(name="Night shift")
    ada = add_person(repos, "Ada", group_ids=(group.id,))
    bob = add_person(repos, "Bob")
    carol = repos.people.save(
        replace(add_person(repos, "Carol", group_ids=(group.id,)), active=False)
    )

    assert [p.name for p in repos.people.all()] == ["Ada", "Bob", "Carol"]
    assert repos.people.all(active_only=True) == [ada, bob]
    assert repos.people.all(group_id=group.id) == [ada, carol]


def test_a_missing_person_or_group_is_not_found(repos: Repositories) -> None:
    with pytest.raises(NotFoundError, match="person"):
        repos.people.get(404)
    with pytest.raises(NotFoundError, match="group"):
        repos.people.create(name="Ada", group_ids=[404])


def test_groups_round_trip_and_names_are_unique(repos: Repositories) -> None:
    group = repos.groups.create(name="Physics", kind=GroupKind.DEPARTMENT)
    renamed = repos.groups.save(replace(group, name="Physics & Astronomy"))

    assert repos.groups.get(group.id) == renamed
    assert repos.groups.all() == [renamed]
    with pytest.raises(ConflictError, match="Physics & Astronomy"):
        repos.groups.create(name="Physics & Astronomy")


def test_deleting_a_group_removes_memberships_and_schedules(repos: Repositories) -> None:
    group = repos.groups.create(name="Drama")
    person = add_person(repos, "Ada", group_ids=(group.id,))
    repos.schedules.create(_schedule(group.id))

    repos.groups.delete(group.id)

    assert repos.people.get(person.id).group_ids == ()
    assert repos.schedules.all() == []


def _schedule(group_id: int) -> Schedule:
    return Schedule(
        id=None,
        group_id=group_id,
        name="Night watch",
        weekdays=frozenset({0, 2, 6}),
        start=time(22, 0),
        end=time(6, 30),
        timezone="America/New_York",
        grace_period_s=420,
        opens_before_s=900,
        auto_checkout=True,
    )


def test_a_schedule_round_trips(repos: Repositories) -> None:
    group = repos.groups.create(name="Guards")

    stored = repos.schedules.create(_schedule(group.id))
    changed = repos.schedules.save(replace(stored, weekdays=frozenset({4}), end=time(7, 0)))

    assert stored.id is not None
    assert stored == replace(_schedule(group.id), id=stored.id)
    assert repos.schedules.get(stored.id) == changed
    assert repos.schedules.all(group_id=group.id) == [changed]
    assert changed.weekdays == frozenset({4})

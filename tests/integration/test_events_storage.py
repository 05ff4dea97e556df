"""EventRepository.append on both databases: idempotency keys, the dedupe window, the
direction hook, and exactly one event when many threads check one person in at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from muster.domain.attendance import AttendanceEvent, Direction
from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.rules.direction import DirectionPolicy, decide_direction
from muster.storage import Database, Repositories

from .factories import T0, add_device, add_person, at, count_rows, look

WINDOW_S = 60.0


def test_append_stores_the_event_and_reads_it_back(repos: Repositories) -> None:
    person = add_person(repos)
    device = add_device(repos)

    event, created = repos.events.append(look(person.id, device_id=device.id, key="k-1"), WINDOW_S)

    assert created
    assert event.id is not None
    assert repos.events.get(event.id) == event
    assert event.at == T0
    assert event.at.utcoffset() is not None
    assert (event.similarity, event.liveness_passed, event.idempotency_key) == (0.71, True, "k-1")


def test_retry_with_the_same_idempotency_key_returns_the_first_event(
    repos: Repositories, database: Database
) -> None:
    person = add_person(repos)
    device = add_device(repos)
    first, _ = repos.events.append(look(person.id, device_id=device.id, key="req-7"), WINDOW_S)

    # Even outside the dedupe window a replayed request must not count twice.
    again, created = repos.events.append(
        look(person.id, 3600, device_id=device.id, key="req-7"), WINDOW_S
    )

    assert not created
    assert again == first
    assert count_rows(database, "attendance_events") == 1


def test_the_same_key_on_another_device_is_another_request(repos: Repositories) -> None:
    person = add_person(repos)
    door, gate = add_device(repos, "door"), add_device(repos, "gate")
    repos.events.append(look(person.id, device_id=door.id, key="k"), WINDOW_S)

    _, created = repos.events.append(look(person.id, 600, device_id=gate.id, key="k"), WINDOW_S)

    assert created


def test_the_database_rejects_a_duplicate_key_for_one_device(
    repos: Repositories, database: Database
) -> None:
    person = add_person(repos)
    device = add_device(repos)
    repos.events.append(look(person.id, device_id=device.id, key="dup"), WINDOW_S)
    insert = text(
        "INSERT INTO attendance_events (person_id, direction, at, source, device_id,"
        " idempotency_key, recorded_at) VALUES (:person, 'in', :at, 'kiosk', :device, 'dup', :at)"
    )

    with pytest.raises(IntegrityError), database.write() as session:
        session.execute(insert, {"person": person.id, "at": at(999), "device": device.id})


def test_the_database_rejects_a_duplicate_key_without_a_device(
    repos: Repositories, database: Database
) -> None:
    person = add_person(repos)
    repos.events.append(look(person.id, key="manual-1"), WINDOW_S)
    insert = text(
        "INSERT INTO attendance_events (person_id, direction, at, source,"
        " idempotency_key, recorded_at) VALUES (:person, 'in', :at, 'manual', 'manual-1', :at)"
    )

    with pytest.raises(IntegrityError), database.write() as session:
        session.execute(insert, {"person": person.id, "at": at(999)})


def test_a_look_within_the_dedupe_window_returns_the_last_event(
    repos: Repositories, database: Database
) -> None:
    person = add_person(repos)
    first, _ = repos.events.append(look(person.id, 0), WINDOW_S)

    again, created = repos.events.append(look(person.id, WINDOW_S - 1), WINDOW_S)

    assert not created
    assert again == first
    assert count_rows(database, "attendance_events") == 1


def test_a_look_after_the_dedupe_window_is_a_new_event(repos: Repositories) -> None:
    person = add_person(repos)
    first, _ = repos.events.append(look(person.id, 0), WINDOW_S)

    later, created = repos.events.append(look(person.id, WINDOW_S), WINDOW_S)

    assert created
    assert later.id != first.id


def test_the_dedupe_window_is_per_person(repos: Repositories) -> None:
    ada, grace = add_person(repos, "Ada"), add_person(repos, "Grace")
    repos.events.append(look(ada.id, 0), WINDOW_S)

    _, created = repos.events.append(look(grace.id, 1), WINDOW_S)

    assert created


def test_the_direction_hook_sees_the_last_event_and_sets_the_direction(
    repos: Repositories,
) -> None:
    person = add_person(repos)
    seen: list[AttendanceEvent | None] = []

    def toggle(previous: AttendanceEvent | None) -> Direction:
        seen.append(previous)
        return Direction.OUT if previous and previous.direction is Direction.IN else Direction.IN

    first, _ = repos.events.append(look(person.id, 0), WINDOW_S, choose_direction=toggle)
    second, _ = repos.events.append(look(person.id, 3600), WINDOW_S, choose_direction=toggle)

    assert (first.direction, second.direction) == (Direction.IN, Direction.OUT)
    assert seen == [None, first]


def test_a_direction_hook_that_declines_records_nothing(
    repos: Repositories, database: Database
) -> None:
    person = add_person(repos)
    first, _ = repos.events.append(look(person.id, 0), WINDOW_S)

    result, created = repos.events.append(
        look(person.id, 120), WINDOW_S, choose_direction=lambda previous: None
    )

    assert (result, created) == (first, False)
    assert count_rows(database, "attendance_events") == 1


def test_a_look_that_arrives_after_a_slightly_later_one_is_a_duplicate(
    repos: Repositories,
) -> None:
    person = add_person(repos)
    later, _ = repos.events.append(look(person.id, 10), WINDOW_S)

    # Two kiosks saw the person 10 s apart; the earlier look reached the server second.
    earlier, created = repos.events.append(look(person.id, 0), WINDOW_S)

    assert not created
    assert earlier == later


def test_the_domain_direction_rule_toggles_in_and_out_through_append(
    repos: Repositories,
) -> None:
    person = add_person(repos)
    policy = DirectionPolicy(dedupe_window_s=int(WINDOW_S), min_in_to_out_s=600)

    def append_look(seconds: float) -> tuple[AttendanceEvent, bool]:
        candidate = look(person.id, seconds)

        def choose(previous: AttendanceEvent | None) -> Direction | None:
            history = [] if previous is None else [previous]
            return decide_direction(
                history, candidate.at, timezone="Europe/London", policy=policy
            ).direction

        return repos.events.append(candidate, WINDOW_S, choose_direction=choose)

    arrival, _ = append_look(0)
    too_soon, created_too_soon = append_look(300)
    leaving, _ = append_look(3600)

    assert arrival.direction is Direction.IN
    assert (too_soon, created_too_soon) == (arrival, False)
    assert leaving.direction is Direction.OUT


def test_a_late_event_is_deduped_against_the_last_event_before_it(repos: Repositories) -> None:
    person = add_person(repos)
    repos.events.append(look(person.id, 0), WINDOW_S)
    repos.events.append(look(person.id, 3600), WINDOW_S)

    # An offline kiosk replays a look from 30 s after the first event.
    replayed, created = repos.events.append(look(person.id, 30), WINDOW_S)

    assert not created
    assert replayed.at == at(0)


def test_append_for_an_unknown_person_or_device_is_not_found(repos: Repositories) -> None:
    person = add_person(repos)

    with pytest.raises(NotFoundError, match="person"):
        repos.events.append(look(person.id + 1), WINDOW_S)
    with pytest.raises(NotFoundError, match="device"):
        repos.events.append(look(person.id, device_id=424242), WINDOW_S)


def test_append_for_an_erased_person_is_a_conflict(repos: Repositories) -> None:
    person = add_person(repos)
    repos.people.erase(person.id, actor="admin")

    with pytest.raises(ConflictError, match="erased"):
        repos.events.append(look(person.id), WINDOW_S)


def _race(
    repos: Repositories, candidates: list[AttendanceEvent]
) -> list[tuple[AttendanceEvent, bool]]:
    """Append every candidate from its own thread, all released at the same instant."""
    start = threading.Barrier(len(candidates))

    def append(candidate: AttendanceEvent) -> tuple[AttendanceEvent, bool]:
        start.wait()
        return repos.events.append(candidate, WINDOW_S)

    with ThreadPoolExecutor(len(candidates)) as pool:
        return list(pool.map(append, candidates))


@pytest.mark.parametrize("with_keys", [False, True], ids=["no-keys", "distinct-keys"])
def test_eight_threads_checking_one_person_in_at_once_make_exactly_one_event(
    repos: Repositories, database: Database, with_keys: bool
) -> None:
    # Three rounds, one person each: a missing lock shows up in nearly every round.
    people = [add_person(repos, f"P{round_}") for round_ in range(3)]
    device = add_device(repos)

    for person in people:
        results = _race(
            repos,
            [
                look(
                    person.id,
                    i * 0.1,
                    device_id=device.id,
                    key=f"{person.id}-{i}" if with_keys else None,
                )
                for i in range(8)
            ],
        )

        assert sum(created for _, created in results) == 1
        assert len({event.id for event, _ in results}) == 1
    assert count_rows(database, "attendance_events") == len(people)


def test_threads_retrying_one_request_for_several_people_share_one_event(
    repos: Repositories, database: Database
) -> None:
    # Different people take different locks, so here only the unique key can arbitrate.
    people = [add_person(repos, f"P{i}") for i in range(4)]
    device = add_device(repos)

    results = _race(repos, [look(p.id, device_id=device.id, key="shared") for p in people])

    assert sum(created for _, created in results) == 1
    assert len({event.id for event, _ in results}) == 1
    assert count_rows(database, "attendance_events") == 1


def test_events_between_are_in_time_order_and_filterable(repos: Repositories) -> None:
    ada, grace = add_person(repos, "Ada"), add_person(repos, "Grace")
    door = add_device(repos)
    repos.events.append(look(ada.id, 7200), WINDOW_S)
    repos.events.append(look(grace.id, 0, device_id=door.id), WINDOW_S)
    repos.events.append(look(ada.id, 3600), WINDOW_S)
    repos.events.append(look(ada.id, 9000), WINDOW_S)

    window = repos.events.between(at(0), at(9000))
    adas = repos.events.between(at(0), at(9000), person_ids=[ada.id])
    doors = repos.events.between(at(0), at(9000), device_id=door.id)

    assert [e.at for e in window] == [at(0), at(3600), at(7200)]
    assert [e.at for e in adas] == [at(3600), at(7200)]
    assert [e.person_id for e in doors] == [grace.id]


def test_last_for_person_is_the_latest_event_at_or_before_a_time(repos: Repositories) -> None:
    person = add_person(repos)
    repos.events.append(look(person.id, 0), WINDOW_S)
    repos.events.append(look(person.id, 3600), WINDOW_S)

    latest = repos.events.last_for_person(person.id)
    earlier = repos.events.last_for_person(person.id, at_or_before=at(3599))

    assert latest is not None
    assert latest.at == at(3600)
    assert earlier is not None
    assert earlier.at == at(0)
    assert repos.events.last_for_person(person.id, at_or_before=at(-1)) is None

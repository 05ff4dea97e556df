"""In/out toggling, the dedupe window, the minimum stay, local days, and the validation of
attendance values. Pure functions over hand-built events; nothing else is real or needed."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from muster.domain.attendance import (
    AttendanceEvent,
    Correction,
    Direction,
    EventChange,
    EventSource,
    RegisterEntry,
    RegisterStatus,
)
from muster.domain.rules import Decision, DirectionPolicy, Outcome, decide_direction
from muster.domain.rules.days import attendance_day

from .attendance_factories import MONDAY, event, local, schedule, utc

LONDON = "Europe/London"
AUCKLAND = "Pacific/Auckland"
POLICY = DirectionPolicy(dedupe_window_s=60, min_in_to_out_s=600)
IN, OUT = Direction.IN, Direction.OUT


def decide(
    history: list[AttendanceEvent],
    at: datetime,
    *,
    timezone: str = LONDON,
    policy: DirectionPolicy = POLICY,
    fixed_direction: Direction | None = None,
) -> Decision:
    return decide_direction(
        history, at, timezone=timezone, policy=policy, fixed_direction=fixed_direction
    )


def test_first_look_of_the_day_is_in() -> None:
    decision = decide([], local("2024-01-15T08:55", LONDON))
    assert decision == Decision(Outcome.RECORD, IN, None)


def test_look_after_the_minimum_stay_is_out() -> None:
    checked_in = event(IN, local("2024-01-15T08:55", LONDON))
    decision = decide([checked_in], local("2024-01-15T12:00", LONDON))
    assert decision == Decision(Outcome.RECORD, OUT, checked_in)


def test_look_after_an_out_is_in_again() -> None:
    history = [
        event(IN, local("2024-01-15T08:55", LONDON)),
        event(OUT, local("2024-01-15T12:00", LONDON)),
    ]
    assert decide(history, local("2024-01-15T13:00", LONDON)).direction is IN


def test_look_within_the_dedupe_window_is_a_duplicate_of_the_last_event() -> None:
    checked_in = event(IN, local("2024-01-15T08:55:00", LONDON))
    decision = decide([checked_in], local("2024-01-15T08:55:59", LONDON))
    assert decision == Decision(Outcome.DUPLICATE, None, checked_in)


def test_look_exactly_one_window_later_is_not_a_duplicate() -> None:
    checked_in = event(IN, local("2024-01-15T08:55:00", LONDON))
    decision = decide([checked_in], local("2024-01-15T08:56:00", LONDON))
    assert decision.outcome is not Outcome.DUPLICATE


def test_dedupe_window_also_drops_a_look_right_after_an_out_on_another_device() -> None:
    checked_out = event(OUT, local("2024-01-15T17:00:00", LONDON), device_id=1)
    decision = decide([checked_out], local("2024-01-15T17:00:30", LONDON))
    assert decision.outcome is Outcome.DUPLICATE


def test_second_look_two_minutes_after_in_is_already_in_not_out() -> None:
    checked_in = event(IN, local("2024-01-15T08:55", LONDON))
    decision = decide([checked_in], local("2024-01-15T08:57", LONDON))
    assert decision == Decision(Outcome.ALREADY_IN, None, checked_in)


def test_minimum_stay_does_not_delay_coming_back_in_after_an_out() -> None:
    history = [
        event(IN, local("2024-01-15T08:00", LONDON)),
        event(OUT, local("2024-01-15T12:00", LONDON)),
    ]
    assert decide(history, local("2024-01-15T12:02", LONDON)).direction is IN


def test_zero_minimum_stay_toggles_right_after_the_dedupe_window() -> None:
    policy = DirectionPolicy(dedupe_window_s=60, min_in_to_out_s=0)
    checked_in = event(IN, local("2024-01-15T08:55", LONDON))
    assert decide([checked_in], local("2024-01-15T08:56", LONDON), policy=policy).direction is OUT


def test_yesterdays_unclosed_in_does_not_make_todays_first_look_an_out() -> None:
    yesterday = event(IN, local("2024-01-14T18:00", LONDON))
    assert decide([yesterday], local("2024-01-15T08:55", LONDON)).direction is IN


def test_day_boundary_is_local_midnight_not_utc_midnight_in_auckland() -> None:
    # 09:00 and 15:00 on 11 March in Auckland are on 10 and 11 March in UTC.
    checked_in = event(IN, utc("2024-03-10T20:00"))
    assert local("2024-03-11T09:00", AUCKLAND) == checked_in.at
    assert decide([checked_in], utc("2024-03-11T02:00"), timezone=AUCKLAND).direction is OUT


def test_local_midnight_in_auckland_starts_a_new_day_within_one_utc_date() -> None:
    late_evening = event(IN, utc("2024-03-10T10:30"))  # 23:30 on 10 March in Auckland
    after_midnight = utc("2024-03-10T11:30")  # 00:30 on 11 March in Auckland
    assert decide([late_evening], after_midnight, timezone=AUCKLAND).direction is IN


def test_night_shift_check_out_is_an_in_with_a_midnight_day_start() -> None:
    evening = event(IN, local("2024-01-15T22:00", LONDON))
    assert decide([evening], local("2024-01-16T06:05", LONDON)).direction is IN


def test_noon_day_start_keeps_a_night_shift_check_out_on_the_check_in_day() -> None:
    policy = DirectionPolicy(dedupe_window_s=60, min_in_to_out_s=600, day_start=time(12, 0))
    evening = event(IN, local("2024-01-15T22:00", LONDON))
    morning = local("2024-01-16T06:05", LONDON)
    assert decide([evening], morning, policy=policy).direction is OUT
    # ... and the next evening is a new attendance day that starts with IN.
    assert decide([evening], local("2024-01-16T21:55", LONDON), policy=policy).direction is IN


def test_check_in_only_device_records_in_even_when_already_in() -> None:
    checked_in = event(IN, local("2024-01-15T08:55", LONDON))
    decision = decide([checked_in], local("2024-01-15T09:30", LONDON), fixed_direction=IN)
    assert decision == Decision(Outcome.RECORD, IN, checked_in)


def test_check_in_only_device_still_drops_duplicates() -> None:
    checked_in = event(IN, local("2024-01-15T08:55:00", LONDON))
    later = local("2024-01-15T08:55:10", LONDON)
    assert decide([checked_in], later, fixed_direction=IN).outcome is Outcome.DUPLICATE


def test_check_out_only_device_is_not_held_back_by_the_minimum_stay() -> None:
    checked_in = event(IN, local("2024-01-15T08:55", LONDON))
    decision = decide([checked_in], local("2024-01-15T08:57", LONDON), fixed_direction=OUT)
    assert decision.direction is OUT


def test_first_look_at_a_check_out_only_device_is_out() -> None:
    assert decide([], local("2024-01-15T17:00", LONDON), fixed_direction=OUT).direction is OUT


def test_events_after_the_look_are_ignored() -> None:
    future_in = event(IN, local("2024-01-15T09:00", LONDON))
    decision = decide([future_in], local("2024-01-15T08:00", LONDON))
    assert decision == Decision(Outcome.RECORD, IN, None)


def test_history_order_does_not_matter() -> None:
    history = [
        event(OUT, local("2024-01-15T12:00", LONDON)),
        event(IN, local("2024-01-15T08:00", LONDON)),
    ]
    assert decide(history, local("2024-01-15T13:00", LONDON)).direction is IN


def test_history_of_two_people_is_rejected() -> None:
    history = [
        event(IN, local("2024-01-15T08:00", LONDON), person_id=1),
        event(IN, local("2024-01-15T08:10", LONDON), person_id=2),
    ]
    with pytest.raises(ValueError, match="one person"):
        decide(history, local("2024-01-15T09:00", LONDON))


def test_naive_look_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide([], datetime(2024, 1, 15, 9, 0))


def test_unknown_device_zone_is_rejected_with_its_name() -> None:
    checked_in = event(IN, local("2024-01-15T08:00", LONDON))
    with pytest.raises(ValueError, match="Mars/Olympus"):
        decide([checked_in], local("2024-01-15T12:00", LONDON), timezone="Mars/Olympus")


def test_negative_dedupe_window_is_rejected() -> None:
    with pytest.raises(ValueError, match="dedupe_window_s"):
        DirectionPolicy(dedupe_window_s=-1)


def _random_looks(rng: random.Random, start: datetime, days: int) -> Iterator[datetime]:
    """Bursts of looks (people standing at the kiosk) at random times over `days` days."""
    at = start
    end = start + timedelta(days=days)
    while at < end:
        at += timedelta(seconds=rng.choice([1, 5, 30, 90, 200, 700, 3600, 5 * 3600, 12 * 3600]))
        yield at


@pytest.mark.parametrize(
    ("seed", "timezone", "first_day"),
    [
        (1, LONDON, "2024-03-28"),  # spans the spring DST change
        (2, AUCKLAND, "2024-04-05"),  # spans the autumn DST change in NZ
        (3, "America/Los_Angeles", "2024-11-01"),
        (4, "Asia/Kathmandu", "2024-01-01"),  # a +05:45 offset
    ],
)
def test_toggling_alternates_in_and_out_within_every_local_day(
    seed: int, timezone: str, first_day: str
) -> None:
    rng = random.Random(seed)
    zone = ZoneInfo(timezone)
    recorded: list[AttendanceEvent] = []
    for look in _random_looks(rng, local(f"{first_day}T00:00", timezone), days=6):
        decision = decide(recorded, look, timezone=timezone)
        if decision.direction is not None:
            recorded.append(event(decision.direction, look))
    assert len(recorded) > 20
    by_day: dict[date, list[AttendanceEvent]] = {}
    for recorded_event in recorded:
        by_day.setdefault(attendance_day(recorded_event.at, zone), []).append(recorded_event)
    for day_events in by_day.values():
        directions = [e.direction for e in day_events]
        assert directions == [IN, OUT] * (len(directions) // 2) + [IN] * (len(directions) % 2)
    for before, after in itertools.pairwise(recorded):
        assert (after.at - before.at).total_seconds() >= POLICY.dedupe_window_s
        if before.direction is IN and after.direction is OUT:
            assert (after.at - before.at).total_seconds() >= POLICY.min_in_to_out_s


def test_attendance_day_shifts_with_the_day_start() -> None:
    early_morning = local("2024-01-16T05:00", LONDON)
    zone = ZoneInfo(LONDON)
    assert attendance_day(early_morning, zone) == date(2024, 1, 16)
    assert attendance_day(early_morning, zone, time(6, 0)) == date(2024, 1, 15)


def test_event_time_is_stored_in_utc() -> None:
    checked_in = event(IN, local("2024-03-11T09:00", AUCKLAND))
    assert checked_in.at.utcoffset() == timedelta(0)
    assert checked_in.at == utc("2024-03-10T20:00")


def test_naive_event_time_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"AttendanceEvent\.at"):
        AttendanceEvent(
            id=None, person_id=1, direction=IN, at=datetime(2024, 1, 15), source=EventSource.MANUAL
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekdays": frozenset()}, "weekdays"),
        ({"weekdays": frozenset({7})}, "weekdays"),
        ({"start": time(9, 0), "end": time(9, 0)}, "length"),
        ({"grace_period_s": -1}, "grace_period_s"),
        ({"timezone": "Europe/Atlantis"}, "Europe/Atlantis"),
    ],
)
def test_invalid_schedule_is_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schedule(**changes)  # type: ignore[arg-type]


def test_schedule_with_end_before_start_crosses_midnight() -> None:
    assert schedule(start=time(22, 0), end=time(6, 0)).crosses_midnight
    assert not schedule().crosses_midnight


def _correction(**changes: object) -> Correction:
    fields: dict[str, object] = {
        "id": None,
        "person_id": 1,
        "day": MONDAY,
        "schedule_id": None,
        "reason": "sick",
        "actor": "admin",
        "at": utc("2024-01-15T12:00"),
        "status": RegisterStatus.EXCUSED,
    }
    return Correction(**(fields | changes))  # type: ignore[arg-type]


def test_correction_without_a_reason_is_rejected() -> None:
    with pytest.raises(ValueError, match="reason"):
        _correction(reason="  ")


def test_correction_that_changes_nothing_is_rejected() -> None:
    with pytest.raises(ValueError, match="status or change an event"):
        _correction(status=None)


def test_event_change_without_an_event_id_is_rejected() -> None:
    with pytest.raises(ValueError, match="go together"):
        _correction(event_change=EventChange.VOIDED)


def test_register_entry_without_a_derived_status_takes_its_status() -> None:
    entry = RegisterEntry(
        person_id=1,
        day=MONDAY,
        schedule_id=7,
        status=RegisterStatus.LATE,
        first_in=None,
        last_out=None,
        time_on_site_s=0,
    )
    assert entry.derived_status is RegisterStatus.LATE

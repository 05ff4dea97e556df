"""Session windows, register derivation and summaries, over hand-built events in several
time zones (including ones where the UTC date differs from the local one), night sessions
and DST changes. Pure functions; nothing else is real or needed."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from muster.domain.attendance import (
    AttendanceEvent,
    Correction,
    Direction,
    EventChange,
    RegisterEntry,
    RegisterStatus,
    Schedule,
)
from muster.domain.rules import (
    derive_register,
    derive_register_range,
    session_window,
    summarise,
    summarise_by_person,
)

from .attendance_factories import MONDAY, event, local, schedule, status_correction, utc

LONDON = "Europe/London"
IN, OUT = Direction.IN, Direction.OUT
PRESENT, LATE, ABSENT, EXCUSED = (
    RegisterStatus.PRESENT,
    RegisterStatus.LATE,
    RegisterStatus.ABSENT,
    RegisterStatus.EXCUSED,
)
MATHS = schedule()  # Monday to Friday 09:00-10:30 London, 300 s grace, opens 1 h before


def ev(
    direction: Direction, clock: str, day: date = MONDAY, *, event_id: int | None = None
) -> AttendanceEvent:
    """Person 1's event at London wall-clock `clock` ('09:04' or '09:04:30') on `day`."""
    return event(direction, local(f"{day.isoformat()}T{clock}", LONDON), event_id=event_id)


def entry_for(
    events: list[AttendanceEvent],
    *,
    of: Schedule = MATHS,
    day: date = MONDAY,
    corrections: tuple[Correction, ...] = (),
) -> RegisterEntry:
    """Person 1's register entry for the session of `of` on `day`."""
    (entry,) = derive_register(of, day, person_ids=[1], events=events, corrections=corrections)
    return entry


# Session windows


def test_session_in_auckland_starts_on_the_previous_utc_date() -> None:
    window = session_window(schedule(timezone="Pacific/Auckland"), date(2024, 3, 11))
    assert window is not None
    assert window.start_at == utc("2024-03-10T20:00")  # 09:00 NZDT is UTC+13
    assert window.opens_at == utc("2024-03-10T19:00")
    assert window.late_after == utc("2024-03-10T20:05")


def test_night_session_ends_on_the_next_local_day() -> None:
    window = session_window(schedule(start=time(22, 0), end=time(6, 0)), MONDAY)
    assert window is not None
    assert window.end_at == local("2024-01-16T06:00", LONDON)
    assert window.end_at - window.start_at == timedelta(hours=8)


def test_night_session_is_an_hour_shorter_when_clocks_go_forward() -> None:
    saturday_night = schedule(start=time(22, 0), end=time(6, 0), weekdays=frozenset({5}))
    window = session_window(saturday_night, date(2024, 3, 30))
    assert window is not None
    assert window.end_at - window.start_at == timedelta(hours=7)


def test_session_starting_in_the_skipped_hour_starts_after_the_change() -> None:
    # In Los Angeles, 02:00 became 03:00 on 10 March 2024; 02:30 does not exist.
    sunday = schedule(
        timezone="America/Los_Angeles", start=time(2, 30), end=time(4, 0), weekdays=frozenset({6})
    )
    window = session_window(sunday, date(2024, 3, 10))
    assert window is not None
    assert window.start_at == utc("2024-03-10T10:30")  # 03:30 PDT


def test_day_without_a_session_has_no_window() -> None:
    assert session_window(MATHS, date(2024, 1, 20)) is None  # a Saturday


# Status from the first arrival


def test_in_before_start_plus_grace_is_present() -> None:
    entry = entry_for([ev(IN, "09:04")])
    assert (entry.status, entry.arrival_delay_s) == (PRESENT, 240)
    assert entry.first_in == local("2024-01-15T09:04", LONDON)


def test_in_exactly_at_the_end_of_grace_is_present() -> None:
    assert entry_for([ev(IN, "09:05:00")]).status is PRESENT


def test_in_one_second_after_grace_is_late() -> None:
    entry = entry_for([ev(IN, "09:05:01")])
    assert (entry.status, entry.arrival_delay_s) == (LATE, 301)


def test_early_in_is_present_with_no_delay() -> None:
    entry = entry_for([ev(IN, "08:10")])
    assert (entry.status, entry.arrival_delay_s) == (PRESENT, 0)


def test_no_events_is_absent() -> None:
    entry = entry_for([])
    assert (entry.status, entry.first_in, entry.last_out, entry.time_on_site_s) == (
        ABSENT,
        None,
        None,
        0,
    )
    assert entry.arrival_delay_s is None


def test_in_and_out_before_the_window_opens_is_absent() -> None:
    assert entry_for([ev(IN, "07:00"), ev(OUT, "07:30")]).status is ABSENT


def test_in_after_the_session_ended_is_absent() -> None:
    assert entry_for([ev(IN, "10:30")]).status is ABSENT


def test_in_earlier_the_same_day_without_out_carries_into_the_session() -> None:
    entry = entry_for([ev(IN, "07:00")])
    assert (entry.status, entry.arrival_delay_s) == (PRESENT, 0)
    assert entry.first_in == local("2024-01-15T07:00", LONDON)


def test_unclosed_in_from_the_previous_day_does_not_carry_over() -> None:
    assert entry_for([ev(IN, "09:00", date(2024, 1, 14))]).status is ABSENT


def test_out_without_an_in_is_ignored() -> None:
    assert entry_for([ev(OUT, "09:10")]).status is ABSENT


def test_other_peoples_events_do_not_count() -> None:
    someone_else = event(IN, local("2024-01-15T09:00", LONDON), person_id=2)
    assert entry_for([someone_else]).status is ABSENT


# Time on site and last out


def test_time_on_site_counts_only_time_during_the_session() -> None:
    entry = entry_for([ev(IN, "08:30"), ev(OUT, "10:00")])
    assert (entry.time_on_site_s, entry.last_out) == (3600, local("2024-01-15T10:00", LONDON))


def test_out_after_the_end_still_closes_the_stay() -> None:
    entry = entry_for([ev(IN, "08:55"), ev(OUT, "11:00")])
    assert (entry.time_on_site_s, entry.last_out) == (5400, local("2024-01-15T11:00", LONDON))


def test_two_stays_add_up() -> None:
    entry = entry_for([ev(IN, "09:00"), ev(OUT, "09:30"), ev(IN, "10:00"), ev(OUT, "10:15")])
    assert (entry.time_on_site_s, entry.last_out) == (2700, local("2024-01-15T10:15", LONDON))


def test_unmatched_final_in_counts_until_the_end_with_auto_checkout() -> None:
    events = [ev(IN, "09:00"), ev(OUT, "09:30"), ev(IN, "10:00")]
    entry = entry_for(events, of=schedule(auto_checkout=True))
    assert (entry.time_on_site_s, entry.last_out) == (3600, local("2024-01-15T09:30", LONDON))


def test_unmatched_final_in_counts_nothing_without_auto_checkout() -> None:
    events = [ev(IN, "09:00"), ev(OUT, "09:30"), ev(IN, "10:00")]
    entry = entry_for(events)
    assert (entry.time_on_site_s, entry.last_out) == (1800, local("2024-01-15T09:30", LONDON))


def test_repeated_in_keeps_the_first_arrival() -> None:
    entry = entry_for([ev(IN, "09:00"), ev(IN, "09:20"), ev(OUT, "10:00")])
    assert (entry.first_in, entry.time_on_site_s) == (local("2024-01-15T09:00", LONDON), 3600)


# Time zones far from UTC


def test_auckland_morning_arrival_counts_for_the_local_monday() -> None:
    auckland = schedule(timezone="Pacific/Auckland", start=time(8, 30), end=time(15, 0))
    arrival = event(IN, utc("2024-03-10T19:40"))  # 08:40 NZDT on Monday 11 March
    entry = entry_for([arrival], of=auckland, day=date(2024, 3, 11))
    assert (entry.status, entry.first_in, entry.arrival_delay_s) == (LATE, arrival.at, 600)


def test_auckland_sunday_with_a_monday_utc_date_has_no_register() -> None:
    auckland = schedule(timezone="Pacific/Auckland")
    # Monday 09:00 in Auckland is on Sunday 10 March in UTC, but 10 March is a local Sunday.
    entries = derive_register(
        auckland, date(2024, 3, 10), person_ids=[1], events=[event(IN, utc("2024-03-10T20:00"))]
    )
    assert entries == []


def test_los_angeles_evening_class_is_on_the_local_date_before_the_utc_one() -> None:
    evening = schedule(timezone="America/Los_Angeles", start=time(17, 0), end=time(21, 0))
    arrival = event(IN, utc("2024-01-16T01:30"))  # 17:30 PST on Monday 15 January
    entry = entry_for([arrival], of=evening, day=MONDAY)
    assert (entry.day, entry.status, entry.arrival_delay_s) == (MONDAY, LATE, 1800)
    assert entry_for([arrival], of=evening, day=date(2024, 1, 16)).status is ABSENT


# Night sessions and DST


def test_night_shift_check_out_the_next_morning_closes_the_stay() -> None:
    night = schedule(start=time(22, 0), end=time(6, 0))
    tuesday = date(2024, 1, 16)
    entry = entry_for([ev(IN, "21:50"), ev(OUT, "06:05", tuesday)], of=night)
    assert (entry.day, entry.status, entry.time_on_site_s) == (MONDAY, PRESENT, 8 * 3600)
    assert entry.last_out == local("2024-01-16T06:05", LONDON)


def test_night_shift_arrival_after_midnight_is_late_on_the_start_day() -> None:
    night = schedule(start=time(22, 0), end=time(6, 0))
    entry = entry_for([ev(IN, "00:30", date(2024, 1, 16))], of=night)
    assert (entry.day, entry.status, entry.arrival_delay_s) == (MONDAY, LATE, 9000)


def test_full_night_shift_is_seven_hours_when_clocks_go_forward() -> None:
    night = schedule(start=time(22, 0), end=time(6, 0), weekdays=frozenset({5}))
    saturday, sunday = date(2024, 3, 30), date(2024, 3, 31)
    entry = entry_for([ev(IN, "21:55", saturday), ev(OUT, "06:00", sunday)], of=night, day=saturday)
    assert (entry.status, entry.time_on_site_s) == (PRESENT, 7 * 3600)


def test_full_night_shift_is_nine_hours_when_clocks_go_back() -> None:
    night = schedule(start=time(22, 0), end=time(6, 0), weekdays=frozenset({5}))
    saturday, sunday = date(2024, 10, 26), date(2024, 10, 27)
    entry = entry_for([ev(IN, "21:55", saturday), ev(OUT, "06:00", sunday)], of=night, day=saturday)
    assert (entry.status, entry.time_on_site_s) == (PRESENT, 9 * 3600)


def test_lateness_on_a_dst_day_is_measured_in_local_time() -> None:
    # London moved to UTC+1 at 01:00 UTC on Sunday 31 March 2024.
    sunday = schedule(weekdays=frozenset({6}))
    on_time = event(IN, utc("2024-03-31T08:04"))  # 09:04 BST
    late = event(IN, utc("2024-03-31T09:04"))  # 10:04 BST, though 09:04 on the UTC clock
    assert entry_for([on_time], of=sunday, day=date(2024, 3, 31)).status is PRESENT
    assert entry_for([late], of=sunday, day=date(2024, 3, 31)).status is LATE


# Corrections


def test_excuse_overrides_absent_and_is_kept_for_the_audit_trail() -> None:
    excuse = status_correction(EXCUSED)
    entry = entry_for([], corrections=(excuse,))
    assert (entry.status, entry.derived_status, entry.correction) == (EXCUSED, ABSENT, excuse)


def test_correction_keeps_the_measured_times() -> None:
    entry = entry_for([ev(IN, "09:30")], corrections=(status_correction(PRESENT),))
    assert (entry.status, entry.derived_status, entry.arrival_delay_s) == (PRESENT, LATE, 1800)


def test_latest_status_correction_wins() -> None:
    first = status_correction(EXCUSED, at=utc("2024-01-15T12:00"))
    second = status_correction(PRESENT, at=utc("2024-01-15T13:00"))
    assert entry_for([], corrections=(second, first)).correction == second


def test_correction_for_another_schedule_does_not_apply() -> None:
    other = status_correction(EXCUSED, schedule_id=99)
    assert entry_for([], corrections=(other,)).status is ABSENT


def test_correction_for_no_schedule_applies_to_every_session_that_day() -> None:
    sick_day = status_correction(EXCUSED, schedule_id=None)
    assert entry_for([], corrections=(sick_day,)).status is EXCUSED


def test_correction_for_another_day_or_person_does_not_apply() -> None:
    corrections = (
        status_correction(EXCUSED, day=date(2024, 1, 16)),
        status_correction(EXCUSED, person_id=2),
    )
    assert entry_for([], corrections=corrections).status is ABSENT


def _event_correction(change: EventChange, event_id: int) -> Correction:
    return Correction(
        id=5,
        person_id=1,
        day=MONDAY,
        schedule_id=7,
        reason="a visitor was matched to this student",
        actor="teacher@example.org",
        at=utc("2024-01-15T12:00"),
        event_change=change,
        event_id=event_id,
    )


def test_voided_event_is_ignored() -> None:
    false_match = ev(IN, "09:00", event_id=41)
    corrections = (_event_correction(EventChange.VOIDED, 41),)
    assert entry_for([false_match], corrections=corrections).status is ABSENT
    assert entry_for([false_match]).status is PRESENT


def test_added_manual_event_counts_like_any_event_and_sets_no_status() -> None:
    manual = ev(IN, "09:20", event_id=42)
    entry = entry_for([manual], corrections=(_event_correction(EventChange.ADDED, 42),))
    assert (entry.status, entry.correction) == (LATE, None)


# Whole registers


def test_day_without_a_session_gives_no_entries() -> None:
    saturday = date(2024, 1, 20)
    assert derive_register(MATHS, saturday, person_ids=[1, 2], events=[]) == []


def test_register_has_one_entry_per_person_in_the_given_order() -> None:
    entries = derive_register(MATHS, MONDAY, person_ids=[3, 1, 3, 2], events=[ev(IN, "09:00")])
    assert [(e.person_id, e.status) for e in entries] == [(3, ABSENT), (1, PRESENT), (2, ABSENT)]
    assert {e.schedule_id for e in entries} == {7}


def test_register_over_a_week_covers_the_session_days_only() -> None:
    mon_wed = schedule(weekdays=frozenset({0, 2}))
    wednesday = date(2024, 1, 17)
    entries = derive_register_range(
        mon_wed,
        MONDAY,
        MONDAY + timedelta(days=6),
        person_ids=[1, 2],
        events=[ev(IN, "09:00"), ev(IN, "09:30", wednesday)],
    )
    assert [(e.day, e.person_id, e.status) for e in entries] == [
        (MONDAY, 1, PRESENT),
        (MONDAY, 2, ABSENT),
        (wednesday, 1, LATE),
        (wednesday, 2, ABSENT),
    ]


# Summaries


def _entry(
    status: RegisterStatus, *, person_id: int = 1, delay_s: int | None = None
) -> RegisterEntry:
    return RegisterEntry(
        person_id=person_id,
        day=MONDAY,
        schedule_id=7,
        status=status,
        first_in=None,
        last_out=None,
        time_on_site_s=0,
        arrival_delay_s=delay_s,
    )


def test_summary_counts_statuses_and_rates_attendance_without_excused_sessions() -> None:
    summary = summarise(
        [
            _entry(PRESENT, delay_s=0),
            _entry(LATE, delay_s=600),
            _entry(LATE, delay_s=1200),
            _entry(ABSENT),
            _entry(EXCUSED),
        ]
    )
    assert (summary.sessions, summary.present, summary.late) == (5, 1, 2)
    assert (summary.absent, summary.excused) == (1, 1)
    assert summary.attendance_rate == pytest.approx(3 / 4)
    assert summary.mean_late_delay_s == pytest.approx(900.0)


def test_mean_late_delay_ignores_on_time_arrivals_and_lates_without_an_arrival() -> None:
    summary = summarise([_entry(PRESENT, delay_s=200), _entry(LATE, delay_s=400), _entry(LATE)])
    assert summary.mean_late_delay_s == pytest.approx(400.0)


def test_summary_of_only_excused_sessions_has_no_rate() -> None:
    summary = summarise([_entry(EXCUSED), _entry(EXCUSED)])
    assert (summary.attendance_rate, summary.mean_late_delay_s) == (None, None)


def test_summary_of_nothing_is_all_zero() -> None:
    summary = summarise([])
    assert (summary.sessions, summary.attendance_rate) == (0, None)


def test_summaries_by_person_keep_people_apart() -> None:
    entries = [_entry(PRESENT, person_id=2), _entry(ABSENT, person_id=1), _entry(LATE, person_id=2)]
    by_person = summarise_by_person(entries)
    assert list(by_person) == [2, 1]
    assert (by_person[2].present, by_person[2].late, by_person[2].attendance_rate) == (1, 1, 1.0)
    assert (by_person[1].absent, by_person[1].attendance_rate) == (1, 0.0)


def test_group_summary_over_a_week_of_derived_registers() -> None:
    wednesday = date(2024, 1, 17)
    entries = derive_register_range(
        schedule(weekdays=frozenset({0, 2})),
        MONDAY,
        MONDAY + timedelta(days=6),
        person_ids=[1, 2],
        events=[ev(IN, "09:00"), ev(IN, "09:30", wednesday)],
        corrections=[status_correction(EXCUSED, person_id=2, day=wednesday)],
    )
    summary = summarise(entries)
    assert (summary.sessions, summary.present, summary.late) == (4, 1, 1)
    assert (summary.absent, summary.excused) == (1, 1)
    assert summary.attendance_rate == pytest.approx(2 / 3)
    assert summary.mean_late_delay_s == pytest.approx(1800.0)

"""The register: one entry per person per session, derived from events and corrections.

For one session (see `sessions.SessionWindow`) and one person:

- Events read: the person's events in [events_from, events_until) that no correction voided,
  paired into stays (`stays.pair_stays`).
- A stay *counts* for the session when it overlaps the session window [opens_at, end_at):
  it began before the end and had not ended by the time the window opened. So an IN during
  the window counts, and so does an earlier IN on the same local day with no OUT before the
  window opened (someone who checked in at 08:00 is present at the 11:00 class).
- arrival = the first counting stay's start, or opens_at if it began earlier.
  ABSENT: no counting stay. PRESENT: arrival <= start + grace. LATE: otherwise (arrival is
  then before end by construction).
- first_in: the IN event that began the first counting stay (may be before opens_at).
  last_out: the latest OUT that ended a counting stay (may be after end_at), None if none.
  arrival_delay_s: whole seconds from start to arrival, 0 when on time or early.
- time_on_site_s: whole seconds of counting stays inside [start, end) (time on site *during*
  the session; arriving early adds nothing). A final stay without an OUT counts until end
  when the schedule has auto_checkout, and adds nothing otherwise (only time up to the
  person's last OUT is known).
- Corrections: status corrections of this person for this day and this schedule (or for no
  schedule, meaning every session that day) override the derived status; the latest
  (by `at`, then id) wins and is kept on the entry. EXCUSED comes only from corrections.
  VOIDED event corrections remove that event before anything above.
- Days on which the schedule has no session give no entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from muster.domain.attendance import (
    AttendanceEvent,
    Correction,
    EventChange,
    RegisterEntry,
    RegisterStatus,
    Schedule,
)
from muster.domain.rules.sessions import SessionWindow, session_windows
from muster.domain.rules.stays import Stay, pair_stays


def derive_register(
    schedule: Schedule,
    day: date,
    *,
    person_ids: Iterable[int],
    events: Iterable[AttendanceEvent],
    corrections: Iterable[Correction] = (),
) -> list[RegisterEntry]:
    """Entries for the session of `schedule` starting on local `day`, one per person in
    `person_ids` (first occurrence order); [] when `day` is not a session day. `events` and
    `corrections` may include other people and days; they are filtered here."""
    return derive_register_range(
        schedule, day, day, person_ids=person_ids, events=events, corrections=corrections
    )


def derive_register_range(
    schedule: Schedule,
    first_day: date,
    last_day: date,
    *,
    person_ids: Iterable[int],
    events: Iterable[AttendanceEvent],
    corrections: Iterable[Correction] = (),
) -> list[RegisterEntry]:
    """`derive_register` for every local day from first_day to last_day inclusive, ordered
    by day, then by the order of `person_ids`."""
    people = list(dict.fromkeys(person_ids))
    all_corrections = list(corrections)
    voided = {
        (c.person_id, c.event_id) for c in all_corrections if c.event_change is EventChange.VOIDED
    }
    events_by_person: defaultdict[int, list[AttendanceEvent]] = defaultdict(list)
    for event in events:
        if (event.person_id, event.id) not in voided:
            events_by_person[event.person_id].append(event)
    entries: list[RegisterEntry] = []
    for window in session_windows(schedule, first_day, last_day):
        for person_id in people:
            correction = _status_correction(all_corrections, person_id, window.day, schedule.id)
            entries.append(
                _entry(schedule, window, person_id, events_by_person[person_id], correction)
            )
    return entries


def _status_correction(
    corrections: Sequence[Correction], person_id: int, day: date, schedule_id: int | None
) -> Correction | None:
    applicable = [
        c
        for c in corrections
        if c.status is not None
        and c.person_id == person_id
        and c.day == day
        and (c.schedule_id is None or c.schedule_id == schedule_id)
    ]
    return max(applicable, key=lambda c: (c.at, -1 if c.id is None else c.id), default=None)


def _entry(
    schedule: Schedule,
    window: SessionWindow,
    person_id: int,
    events: Sequence[AttendanceEvent],
    correction: Correction | None,
) -> RegisterEntry:
    in_span = [e for e in events if window.events_from <= e.at < window.events_until]
    counting = [s for s in pair_stays(in_span) if _overlaps_window(s, window)]
    derived = RegisterStatus.ABSENT
    first_in: datetime | None = None
    delay_s: int | None = None
    if counting:
        first_in = counting[0].arrived.at
        arrival = max(first_in, window.opens_at)
        derived = RegisterStatus.PRESENT if arrival <= window.late_after else RegisterStatus.LATE
        delay_s = max(0, int((arrival - window.start_at).total_seconds()))
    outs = [s.left.at for s in counting if s.left is not None]
    return RegisterEntry(
        person_id=person_id,
        day=window.day,
        schedule_id=schedule.id,
        status=derived if correction is None or correction.status is None else correction.status,
        first_in=first_in,
        last_out=max(outs, default=None),
        time_on_site_s=sum(_seconds_on_site(s, window, schedule.auto_checkout) for s in counting),
        arrival_delay_s=delay_s,
        derived_status=derived,
        correction=correction,
    )


def _overlaps_window(stay: Stay, window: SessionWindow) -> bool:
    began_in_time = stay.arrived.at < window.end_at
    still_there = stay.left is None or stay.left.at > window.opens_at
    return began_in_time and still_there


def _seconds_on_site(stay: Stay, window: SessionWindow, auto_checkout: bool) -> int:
    if stay.left is not None:
        until = stay.left.at
    elif auto_checkout:
        until = window.end_at
    else:
        return 0
    begin = max(stay.arrived.at, window.start_at)
    end = min(until, window.end_at)
    return max(0, int((end - begin).total_seconds()))

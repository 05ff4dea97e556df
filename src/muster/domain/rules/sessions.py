"""When one session of a weekly schedule happens, as UTC instants."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from muster.domain.attendance import Schedule
from muster.domain.rules.days import local_instant, local_midnight


@dataclass(frozen=True, slots=True)
class SessionWindow:
    """One session of `schedule` on local `day` (the date it starts), all instants UTC.

    opens_at = start_at - opens_before_s: INs from here on count for the session.
    late_after = start_at + grace_period_s: arriving after this is LATE.
    end_at: the session ends (the next local day for a night session).
    events_from / events_until: the span of events the register reads: from the local
        midnight before `opens_at` (a stay that began earlier that day carries in; older
        events do not count) to the local midnight after `end_at` (so a check-out after
        the end still closes the stay).
    Durations are real elapsed seconds, so a night session across a DST change is an hour
    shorter or longer than its wall-clock times suggest.
    """

    day: date
    opens_at: datetime
    start_at: datetime
    late_after: datetime
    end_at: datetime
    events_from: datetime
    events_until: datetime


def is_session_day(schedule: Schedule, day: date) -> bool:
    return day.weekday() in schedule.weekdays


def session_window(schedule: Schedule, day: date) -> SessionWindow | None:
    """The session of `schedule` that starts on local `day`, or None when it has none."""
    if not is_session_day(schedule, day):
        return None
    zone = schedule.zone
    start_at = local_instant(day, schedule.start, zone)
    end_day = day + timedelta(days=1) if schedule.crosses_midnight else day
    end_at = local_instant(end_day, schedule.end, zone)
    opens_at = start_at - timedelta(seconds=schedule.opens_before_s)
    return SessionWindow(
        day=day,
        opens_at=opens_at,
        start_at=start_at,
        late_after=start_at + timedelta(seconds=schedule.grace_period_s),
        end_at=end_at,
        events_from=local_midnight(opens_at.astimezone(zone).date(), zone),
        events_until=local_midnight(end_at.astimezone(zone).date() + timedelta(days=1), zone),
    )


def session_days(schedule: Schedule, first_day: date, last_day: date) -> Iterator[date]:
    """The local dates from first_day to last_day inclusive on which a session starts."""
    day = first_day
    while day <= last_day:
        if is_session_day(schedule, day):
            yield day
        day += timedelta(days=1)


def session_windows(schedule: Schedule, first_day: date, last_day: date) -> Iterator[SessionWindow]:
    """The sessions starting on local dates first_day..last_day inclusive, in order."""
    for day in session_days(schedule, first_day, last_day):
        window = session_window(schedule, day)
        if window is not None:
            yield window

"""Hand-built attendance values for the unit tests of the attendance rules and exports."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from muster.domain.attendance import (
    AttendanceEvent,
    Correction,
    Direction,
    EventSource,
    RegisterStatus,
    Schedule,
)

MONDAY = date(2024, 1, 15)
"""A Monday in winter (no DST anywhere near)."""


def local(text: str, timezone: str) -> datetime:
    """An aware datetime from local ISO text such as '2024-01-15T09:04' in `timezone`."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(timezone))


def utc(text: str) -> datetime:
    """An aware UTC datetime from ISO text such as '2024-03-10T19:40'."""
    return local(text, "UTC")


def event(
    direction: Direction,
    at: datetime,
    *,
    person_id: int = 1,
    event_id: int | None = None,
    device_id: int | None = None,
) -> AttendanceEvent:
    return AttendanceEvent(
        id=event_id,
        person_id=person_id,
        direction=direction,
        at=at,
        source=EventSource.KIOSK,
        device_id=device_id,
        similarity=0.93,
        liveness_passed=True,
    )


def schedule(
    *,
    timezone: str = "Europe/London",
    start: time = time(9, 0),
    end: time = time(10, 30),
    weekdays: frozenset[int] = frozenset(range(5)),
    grace_period_s: int = 300,
    opens_before_s: int = 3600,
    auto_checkout: bool = False,
    schedule_id: int = 7,
) -> Schedule:
    return Schedule(
        id=schedule_id,
        group_id=3,
        name="Maths",
        weekdays=weekdays,
        start=start,
        end=end,
        timezone=timezone,
        grace_period_s=grace_period_s,
        opens_before_s=opens_before_s,
        auto_checkout=auto_checkout,
    )


def status_correction(
    status: RegisterStatus,
    *,
    day: date = MONDAY,
    person_id: int = 1,
    schedule_id: int | None = 7,
    at: datetime | None = None,
    reason: str = "doctor's note",
) -> Correction:
    return Correction(
        id=None,
        person_id=person_id,
        day=day,
        schedule_id=schedule_id,
        reason=reason,
        actor="admin@example.org",
        at=at or utc("2024-01-16T12:00"),
        status=status,
    )

"""Attendance as plain typed values: events, schedules, register entries and corrections.

Every datetime here is timezone-aware and normalised to UTC on construction; a naive datetime
is a programming error (ValueError), because "08:55" means nothing without a zone. Local
wall-clock values (`Schedule.start`, `Schedule.end`, `RegisterEntry.day`) are read in the
schedule's IANA `timezone`; the rules in `muster.domain.rules` do that conversion with zoneinfo.

All classes are keyword-only so that a call site names every field it sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class EventSource(StrEnum):
    """Where an event came from: a kiosk look, a fixed camera, an uploaded photo, or a person
    typing it in (manual events are the ones corrections add)."""

    KIOSK = "kiosk"
    CAMERA = "camera"
    PHOTO = "photo"
    MANUAL = "manual"


class RegisterStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class EventChange(StrEnum):
    """What a correction did to one event.

    ADDED: `Correction.event_id` is a manual event recorded together with the correction (for
    example "forgot to check in at 08:55"); the event itself is passed to the rules with the
    other events, the correction only explains it.
    VOIDED: `Correction.event_id` is an event the rules must ignore (a false match, a test scan).
    """

    ADDED = "added"
    VOIDED = "voided"


def ensure_utc(at: datetime, what: str) -> datetime:
    """`at` converted to UTC; raises ValueError for a naive datetime."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {at.isoformat()})")
    return at.astimezone(UTC)


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; raises ValueError with the name when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r} (e.g. 'Europe/London')") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class AttendanceEvent:
    """One check-in or check-out of one person.

    `at` is when the face was seen (aware, stored as UTC). `similarity` is the cosine
    similarity of the match that produced the event (None for manual events);
    `liveness_passed` is None when no liveness check ran. `idempotency_key` lets a kiosk
    retry a request without recording the event twice.
    """

    id: int | None
    person_id: int
    direction: Direction
    at: datetime
    source: EventSource
    device_id: int | None = None
    similarity: float | None = None
    liveness_passed: bool | None = None
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", ensure_utc(self.at, "AttendanceEvent.at"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """A weekly session of one group, for example "Maths, Mon/Wed 09:00-10:30 Europe/Paris".

    weekdays: local weekdays the session runs, 0 = Monday .. 6 = Sunday.
    start / end: local wall-clock times in `timezone`. `end` earlier than `start` means a
        night session that ends on the next local day (22:00-06:00); `end == start` is invalid.
        A session belongs to the local date on which it *starts*.
    grace_period_s: an IN at or before start + grace is PRESENT, later (before end) is LATE.
    opens_before_s: how long before `start` an IN already counts for this session (people
        arrive early); INs before that belong to nothing. The session window is
        [start - opens_before_s, end).
    auto_checkout: when True, someone still in at `end` (a final IN with no OUT) is counted on
        site until `end`; when False, time after the last OUT is not counted.
    """

    id: int | None
    group_id: int
    name: str
    weekdays: frozenset[int]
    start: time
    end: time
    timezone: str
    grace_period_s: int = 300
    opens_before_s: int = 3600
    auto_checkout: bool = False

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays must be a non-empty subset of 0..6, got {self.weekdays}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("start and end are local wall-clock times: give them no tzinfo")
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}; a session needs a length")
        if self.grace_period_s < 0 or self.opens_before_s < 0:
            raise ValueError("grace_period_s and opens_before_s must be >= 0")
        load_zone(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone)

    @property
    def crosses_midnight(self) -> bool:
        """True for a night session that ends on the local day after it starts."""
        return self.end < self.start


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction:
    """A person's change to the register, kept whole for the audit trail.

    Either overrides the status (`status`), or explains an event change (`event_change` with
    `event_id`), or both. `schedule_id` None applies to every session of the person on `day`
    (a sick day). `day` is the session's local date. `at` is when the correction was made;
    when several status corrections apply, the latest `at` wins. `reason` must be non-empty.
    """

    id: int | None
    person_id: int
    day: date
    schedule_id: int | None
    reason: str
    actor: str
    at: datetime
    status: RegisterStatus | None = None
    event_change: EventChange | None = None
    event_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", ensure_utc(self.at, "Correction.at"))
        if not self.reason.strip():
            raise ValueError("a correction needs a reason (it is kept for the audit trail)")
        if (self.event_change is None) != (self.event_id is None):
            raise ValueError("event_change and event_id go together")
        if self.status is None and self.event_change is None:
            raise ValueError("a correction must set a status or change an event")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterEntry:
    """One person's attendance at one session (one schedule on one local day).

    first_in / last_out: aware UTC datetimes of the first IN and last OUT in the session
        window (None when there is none).
    time_on_site_s: seconds between paired IN and OUT events inside the session window (see
        `muster.domain.rules.register` for the exact pairing rule).
    arrival_delay_s: seconds after `start` of the first IN when it is later than `start`, 0
        when on time or early, None without an IN.
    derived_status: what the events alone say; `status` is the same unless `correction`
        (the latest status correction that applied) overrides it. Left as None on
        construction, it is filled in with `status`.
    """

    person_id: int
    day: date
    schedule_id: int | None
    status: RegisterStatus
    first_in: datetime | None
    last_out: datetime | None
    time_on_site_s: int
    arrival_delay_s: int | None = None
    derived_status: RegisterStatus | None = None
    correction: Correction | None = None

    def __post_init__(self) -> None:
        if self.derived_status is None:
            object.__setattr__(self, "derived_status", self.status)
        if self.time_on_site_s < 0:
            raise ValueError(f"time_on_site_s must be >= 0, got {self.time_on_site_s}")

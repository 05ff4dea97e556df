"""Attendance reads and corrections: registers per group, a person's history, corrections
with a reason (audited), summary statistics, and register exports.

Registers are never stored. Every read derives them from the events, schedules and
corrections in the database with the pure rules of `muster.domain.rules`, so a correction,
a changed schedule or a kiosk's late upload shows on the next read. Who is on a group's
register: its active members, and inactive members only for the sessions they checked in to
or that were corrected (someone who left does not pile up absences). Rows come ordered by
day, then session start, then name (the order `PeopleRepository.all` gives).

Exports render exactly the rows `register` returns (`muster.services.exports` writes them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from muster.domain.attendance import (
    AttendanceEvent,
    Correction,
    Direction,
    EventChange,
    EventSource,
    RegisterEntry,
    RegisterStatus,
    Schedule,
)
from muster.domain.errors import MusterError, NotFoundError
from muster.domain.people import Group, Person
from muster.domain.rules import AttendanceSummary, derive_register_range, session_windows
from muster.domain.rules.days import local_midnight
from muster.domain.rules.summaries import summarise, summarise_by_person
from muster.services.exports import RegisterRow, register_csv_bytes, register_xlsx_bytes
from muster.storage.repositories import Clock, Repositories, utc_now

T = TypeVar("T")

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)
"""Days outside these bounds are refused: nobody keeps registers there, and local-time
arithmetic near the ends of the calendar overflows."""


class InvalidDateRangeError(MusterError):
    """The range ends before it starts, is longer than allowed, or leaves the calendar."""

    code = "invalid_date_range"


class InvalidCorrectionError(MusterError):
    """The correction changes nothing, does two event changes at once, or lacks a reason."""

    code = "invalid_correction"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class DateRange:
    """Local days from `first_day` to `last_day`, both included (checked by the service)."""

    first_day: date
    last_day: date

    @property
    def day_count(self) -> int:
        return (self.last_day - self.first_day).days + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes
    row_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ManualEvent:
    """An event a person types in through a correction ("forgot to check in at 08:55")."""

    direction: Direction
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionRequest:
    """A change to one person's register on one local `day`: a status override, an added
    manual event or a voided event (at most one of the two), or a status with either.
    `schedule_id` None applies a status to every session of the person that day."""

    person_id: int
    day: date
    schedule_id: int | None
    reason: str
    status: RegisterStatus | None = None
    add_event: ManualEvent | None = None
    void_event_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEvent:
    event: AttendanceEvent
    voided: bool
    """A correction in the range voided it; the register ignores it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonHistory:
    person: Person
    days: DateRange
    events: list[HistoryEvent]
    register: list[RegisterRow]
    corrections: list[Correction]
    summary: AttendanceSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonSummary:
    person_id: int
    name: str
    external_id: str | None
    summary: AttendanceSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class DaySummary:
    day: date
    summary: AttendanceSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSummary:
    """A group's statistics over a range: overall, per day (a time series for charts) and
    per person (ordered like the register)."""

    group: Group
    days: DateRange
    overall: AttendanceSummary
    by_day: list[DaySummary]
    by_person: list[PersonSummary]


class AttendanceService:
    def __init__(self, repos: Repositories, *, max_range_days: int, clock: Clock = utc_now) -> None:
        self._repos = repos
        self._max_range_days = max_range_days
        self._clock = clock

    def find_group(self, name_or_id: str) -> Group:
        """The group with this exact name, else the one with this id (for the command
        line, where people type names). Raises NotFoundError."""
        groups = self._repos.groups.all()
        by_name = [group for group in groups if group.name == name_or_id]
        by_id = [group for group in groups if str(group.id) == name_or_id.strip()]
        if found := by_name or by_id:
            return found[0]
        raise NotFoundError(f"no group named {name_or_id!r} (names are case-sensitive)")

    def register(self, group_id: int, days: DateRange) -> list[RegisterRow]:
        """Every session of the group's schedules on `days`, one row per person on the
        register. Raises NotFoundError (group), InvalidDateRangeError."""
        return self._group_register(group_id, days)[1]

    def export(self, group_id: int, days: DateRange, file_format: ExportFormat) -> ExportFile:
        """The rows of `register(group_id, days)` as a CSV or XLSX file, with a file name
        naming the group and the range. Raises like `register`."""
        group, rows = self._group_register(group_id, days)
        write = register_csv_bytes if file_format is ExportFormat.CSV else register_xlsx_bytes
        return ExportFile(
            filename=export_filename(group, days, file_format),
            media_type=file_format.media_type,
            content=write(rows),
            row_count=len(rows),
        )

    def summary(self, group_id: int, days: DateRange) -> GroupSummary:
        """Statistics over the rows of `register(group_id, days)`. Raises like `register`."""
        group, rows = self._group_register(group_id, days)
        entries = [row.entry for row in rows]
        by_day: dict[date, list[RegisterEntry]] = {}
        for entry in entries:
            by_day.setdefault(entry.day, []).append(entry)
        named = {row.entry.person_id: row for row in rows}
        return GroupSummary(
            group=group,
            days=days,
            overall=summarise(entries),
            by_day=[DaySummary(day=day, summary=summarise(own)) for day, own in by_day.items()],
            by_person=[
                PersonSummary(
                    person_id=person_id,
                    name=named[person_id].person_name,
                    external_id=named[person_id].external_id,
                    summary=summary,
                )
                for person_id, summary in summarise_by_person(entries).items()
            ],
        )

    def history(self, person_id: int, days: DateRange) -> PersonHistory:
        """One person's register entries (every schedule of every group they belong to),
        corrections and events over `days`, with a summary. Events: those on `days` in UTC or
        in any of those schedules' zones, and every event the register entries read.
        Raises NotFoundError (person), InvalidDateRangeError."""
        self._check(days)
        person = self._repos.people.get(person_id)
        schedules = [
            schedule
            for group_id in person.group_ids
            for schedule in self._repos.schedules.all(group_id=group_id)
        ]
        corrections = self._repos.corrections.between(
            days.first_day, days.last_day, person_ids=[person_id]
        )
        rows = self._rows(schedules, days, [person], corrections, members_only=False)
        since, until = _event_span(schedules, days)
        voided = {c.event_id for c in corrections if c.event_change is EventChange.VOIDED}
        events = self._repos.events.between(since, until, person_ids=[person_id])
        return PersonHistory(
            person=person,
            days=days,
            events=[HistoryEvent(event=e, voided=e.id in voided) for e in events],
            register=rows,
            corrections=corrections,
            summary=summarise(row.entry for row in rows),
        )

    def correct(self, request: CorrectionRequest, *, actor: str) -> Correction:
        """Record a correction made by `actor` and audit "correction.created" (ids and
        statuses only; the reason stays with the correction). An added event is stored as a
        MANUAL event in the same transaction as its correction. Raises InvalidCorrectionError,
        NotFoundError (person, schedule, voided event), ConflictError (an erased person, or
        an event of someone else)."""
        if not request.reason.strip():
            raise InvalidCorrectionError("a correction needs a reason (it is kept for audits)")
        if request.add_event is not None and request.void_event_id is not None:
            raise InvalidCorrectionError("a correction adds an event or voids one, not both")
        correction = _valid(lambda: self._store(request, actor))
        self._repos.audit.record(
            actor=actor,
            action="correction.created",
            target_type="correction",
            target_id=correction.id,
            detail=correction_detail(correction),
        )
        return correction

    def _store(self, request: CorrectionRequest, actor: str) -> Correction:
        if request.add_event is not None:
            event = AttendanceEvent(
                id=None,
                person_id=request.person_id,
                direction=request.add_event.direction,
                at=request.add_event.at,
                source=EventSource.MANUAL,
            )
            correction, _ = self._repos.corrections.add_with_event(
                event,
                day=request.day,
                schedule_id=request.schedule_id,
                reason=request.reason,
                actor=actor,
                status=request.status,
            )
            return correction
        voids = request.void_event_id is not None
        return self._repos.corrections.add(
            Correction(
                id=None,
                person_id=request.person_id,
                day=request.day,
                schedule_id=request.schedule_id,
                reason=request.reason,
                actor=actor,
                at=self._clock(),
                status=request.status,
                event_change=EventChange.VOIDED if voids else None,
                event_id=request.void_event_id,
            )
        )

    def _group_register(self, group_id: int, days: DateRange) -> tuple[Group, list[RegisterRow]]:
        self._check(days)
        group = self._repos.groups.get(group_id)
        members = self._repos.people.all(group_id=group_id)
        corrections = self._repos.corrections.between(
            days.first_day, days.last_day, person_ids=[person.id for person in members]
        )
        schedules = self._repos.schedules.all(group_id=group_id)
        return group, self._rows(schedules, days, members, corrections, members_only=True)

    def _rows(
        self,
        schedules: Sequence[Schedule],
        days: DateRange,
        people: Sequence[Person],
        corrections: Sequence[Correction],
        *,
        members_only: bool,
    ) -> list[RegisterRow]:
        """Register rows of `people` for `schedules` on `days`, in register order. With
        `members_only`, inactive people keep only sessions they attended or were corrected."""
        by_id = {person.id: person for person in people}
        rows: list[RegisterRow] = []
        for schedule in schedules:
            for entry in self._derive(schedule, days, list(by_id), corrections):
                person = by_id[entry.person_id]
                if members_only and not person.active and not _has_evidence(entry):
                    continue
                rows.append(
                    RegisterRow(
                        entry=entry,
                        person_name=person.name,
                        external_id=person.external_id,
                        schedule_name=schedule.name,
                        timezone=schedule.timezone,
                    )
                )
        starts = {schedule.id: schedule.start for schedule in schedules}
        # Stable sort: within one session the people keep the order they were given in.
        rows.sort(key=lambda r: (r.entry.day, starts[r.entry.schedule_id], r.entry.schedule_id))
        return rows

    def _derive(
        self,
        schedule: Schedule,
        days: DateRange,
        person_ids: list[int],
        corrections: Sequence[Correction],
    ) -> list[RegisterEntry]:
        windows = list(session_windows(schedule, days.first_day, days.last_day))
        if not windows or not person_ids:
            return []
        events = self._repos.events.between(
            windows[0].events_from, windows[-1].events_until, person_ids=person_ids
        )
        return derive_register_range(
            schedule,
            days.first_day,
            days.last_day,
            person_ids=person_ids,
            events=events,
            corrections=corrections,
        )

    def _check(self, days: DateRange) -> None:
        if days.last_day < days.first_day:
            raise InvalidDateRangeError(
                f"the range ends ({days.last_day}) before it starts ({days.first_day})"
            )
        if days.first_day < EARLIEST_DAY or days.last_day > LATEST_DAY:
            raise InvalidDateRangeError(f"days must lie between {EARLIEST_DAY} and {LATEST_DAY}")
        if days.day_count > self._max_range_days:
            raise InvalidDateRangeError(
                f"the range covers {days.day_count} days; at most {self._max_range_days} "
                "are allowed per request (split it, or raise reports.max_range_days)"
            )


def _has_evidence(entry: RegisterEntry) -> bool:
    return entry.first_in is not None or entry.correction is not None


def _event_span(schedules: Sequence[Schedule], days: DateRange) -> tuple[datetime, datetime]:
    """From the earliest start of `first_day` to the latest end of `last_day` in UTC and the
    schedules' zones, widened to every event the sessions of those days read (a night
    shift's check-out the next morning)."""
    zones = [ZoneInfo("UTC"), *(schedule.zone for schedule in schedules)]
    after_last = days.last_day + timedelta(days=1)
    since = min(local_midnight(days.first_day, zone) for zone in zones)
    until = max(local_midnight(after_last, zone) for zone in zones)
    for schedule in schedules:
        windows = list(session_windows(schedule, days.first_day, days.last_day))
        if windows:
            since = min(since, windows[0].events_from)
            until = max(until, windows[-1].events_until)
    return since, until


def _valid(make: Callable[[], T]) -> T:
    """`make()`, with the ValueError of a domain invariant (or a date overflowing the
    calendar in a time-zone conversion) turned into InvalidCorrectionError."""
    try:
        return make()
    except (ValueError, OverflowError) as exc:
        raise InvalidCorrectionError(str(exc)) from exc


def correction_detail(correction: Correction) -> dict[str, Any]:
    """What the audit log keeps about a correction: ids and values, never the reason
    (free text may name people or health matters, and audit entries outlive erasure)."""
    return {
        "person_id": correction.person_id,
        "day": correction.day.isoformat(),
        "schedule_id": correction.schedule_id,
        "status": None if correction.status is None else correction.status.value,
        "event_change": None if correction.event_change is None else correction.event_change.value,
        "event_id": correction.event_id,
    }


def export_filename(group: Group, days: DateRange, file_format: ExportFormat) -> str:
    """For example register-year-7-maths-2024-03-01-to-2024-03-31.csv (ASCII only, so
    every browser and header parser takes it as is)."""
    slug = re.sub(r"[^a-z0-9]+", "-", group.name.lower()).strip("-") or f"group-{group.id}"
    return f"register-{slug}-{days.first_day}-to-{days.last_day}.{file_format.value}"

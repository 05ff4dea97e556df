"""Registers, histories, corrections and statistics over the API.

Register times (`first_in`, `last_out`, a correction's `at`) are given with the UTC offset of
the session's time zone, exactly as the CSV export writes them; event times are UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from muster.api.schemas.ids import RowId
from muster.domain.attendance import (
    AttendanceEvent,
    Correction,
    Direction,
    EventChange,
    EventSource,
    RegisterStatus,
    load_zone,
)
from muster.domain.rules import AttendanceSummary
from muster.services.attendance import (
    CorrectionRequest,
    GroupSummary,
    HistoryEvent,
    ManualEvent,
    PersonHistory,
)
from muster.services.exports import RegisterRow


def _has_text(reason: str) -> str:
    if not reason.strip():
        raise ValueError("give a reason: it is kept with the correction for audits")
    return reason.strip()


class ManualEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    direction: Direction
    at: AwareDatetime = Field(description="When it happened, with a UTC offset.")


class CorrectionCreate(BaseModel):
    """A status override, an added manual event or a voided event (not both event changes),
    or a status together with one of them. Always with a reason."""

    model_config = ConfigDict(extra="forbid")

    person_id: RowId
    day: date = Field(description="The session's local date (the day it starts).")
    schedule_id: RowId | None = Field(
        None, description="The session's schedule; leave out for every session that day."
    )
    reason: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_has_text)]
    status: RegisterStatus | None = Field(None, description="Overrides the derived status.")
    add_event: ManualEventCreate | None = Field(None, description="A check-in or out to add.")
    void_event_id: RowId | None = Field(None, description="An event the register ignores.")

    @model_validator(mode="after")
    def _changes_one_thing(self) -> Self:
        if self.add_event is not None and self.void_event_id is not None:
            raise ValueError("add an event or void one, not both, in one correction")
        if self.status is None and self.add_event is None and self.void_event_id is None:
            raise ValueError("set a status, add an event or void one")
        return self

    def to_request(self) -> CorrectionRequest:
        added = self.add_event
        manual = None if added is None else ManualEvent(direction=added.direction, at=added.at)
        return CorrectionRequest(
            person_id=self.person_id,
            day=self.day,
            schedule_id=self.schedule_id,
            reason=self.reason,
            status=self.status,
            add_event=manual,
            void_event_id=self.void_event_id,
        )


class CorrectionPublic(BaseModel):
    id: int
    person_id: int
    day: date
    schedule_id: int | None
    reason: str
    actor: str = Field(description="Who made it (the API key, as the audit log names it).")
    at: datetime = Field(description="When it was made (UTC).")
    status: RegisterStatus | None
    event_change: EventChange | None
    event_id: int | None

    @classmethod
    def of(cls, correction: Correction) -> CorrectionPublic:
        if correction.id is None:
            raise ValueError("only a stored correction has a public form")
        return cls(
            id=correction.id,
            person_id=correction.person_id,
            day=correction.day,
            schedule_id=correction.schedule_id,
            reason=correction.reason,
            actor=correction.actor,
            at=correction.at,
            status=correction.status,
            event_change=correction.event_change,
            event_id=correction.event_id,
        )


class RegisterEntryPublic(BaseModel):
    """One person at one session; the same fields as a row of the export."""

    day: date
    schedule_id: int | None
    schedule_name: str
    timezone: str
    person_id: int
    external_id: str | None
    name: str
    status: RegisterStatus = Field(description="After corrections.")
    derived_status: RegisterStatus = Field(description="What the events alone say.")
    first_in: datetime | None
    last_out: datetime | None
    time_on_site_s: int
    arrival_delay_s: int | None
    correction: CorrectionPublic | None = Field(description="The status correction applied.")

    @classmethod
    def of(cls, row: RegisterRow) -> RegisterEntryPublic:
        entry, zone = row.entry, load_zone(row.timezone)
        return cls(
            day=entry.day,
            schedule_id=entry.schedule_id,
            schedule_name=row.schedule_name,
            timezone=row.timezone,
            person_id=entry.person_id,
            external_id=row.external_id,
            name=row.person_name,
            status=entry.status,
            derived_status=entry.derived_status or entry.status,
            first_in=None if entry.first_in is None else entry.first_in.astimezone(zone),
            last_out=None if entry.last_out is None else entry.last_out.astimezone(zone),
            time_on_site_s=entry.time_on_site_s,
            arrival_delay_s=entry.arrival_delay_s,
            correction=None if entry.correction is None else CorrectionPublic.of(entry.correction),
        )


class RegisterPublic(BaseModel):
    group_id: int
    day: date
    entries: list[RegisterEntryPublic]


class SummaryPublic(BaseModel):
    sessions: int = Field(description="Entries counted: present + late + absent + excused.")
    present: int
    late: int
    absent: int
    excused: int
    attendance_rate: float | None = Field(
        description="(present + late) / (sessions - excused), 0..1; null when nothing counts."
    )
    mean_late_delay_s: float | None = Field(description="Mean delay of late arrivals, seconds.")

    @classmethod
    def of(cls, summary: AttendanceSummary) -> SummaryPublic:
        return cls(
            sessions=summary.sessions,
            present=summary.present,
            late=summary.late,
            absent=summary.absent,
            excused=summary.excused,
            attendance_rate=summary.attendance_rate,
            mean_late_delay_s=summary.mean_late_delay_s,
        )


class DaySummaryPublic(BaseModel):
    day: date
    summary: SummaryPublic


class PersonSummaryPublic(BaseModel):
    person_id: int
    name: str
    external_id: str | None
    summary: SummaryPublic


class GroupSummaryPublic(BaseModel):
    group_id: int
    group_name: str
    first_day: date
    last_day: date
    overall: SummaryPublic
    by_day: list[DaySummaryPublic] = Field(description="Days with sessions, in order.")
    by_person: list[PersonSummaryPublic]

    @classmethod
    def of(cls, summary: GroupSummary) -> GroupSummaryPublic:
        return cls(
            group_id=summary.group.id,
            group_name=summary.group.name,
            first_day=summary.days.first_day,
            last_day=summary.days.last_day,
            overall=SummaryPublic.of(summary.overall),
            by_day=[
                DaySummaryPublic(day=d.day, summary=SummaryPublic.of(d.summary))
                for d in summary.by_day
            ],
            by_person=[
                PersonSummaryPublic(
                    person_id=p.person_id,
                    name=p.name,
                    external_id=p.external_id,
                    summary=SummaryPublic.of(p.summary),
                )
                for p in summary.by_person
            ],
        )


class EventPublic(BaseModel):
    id: int
    direction: Direction
    at: datetime = Field(description="UTC.")
    source: EventSource
    device_id: int | None
    similarity: float | None
    voided: bool = Field(description="A correction voided it; registers ignore it.")

    @classmethod
    def of(cls, item: HistoryEvent) -> EventPublic:
        event: AttendanceEvent = item.event
        if event.id is None:
            raise ValueError("only a stored event has a public form")
        return cls(
            id=event.id,
            direction=event.direction,
            at=event.at,
            source=event.source,
            device_id=event.device_id,
            similarity=event.similarity,
            voided=item.voided,
        )


class PersonHistoryPublic(BaseModel):
    person_id: int
    name: str
    external_id: str | None
    first_day: date
    last_day: date
    summary: SummaryPublic
    entries: list[RegisterEntryPublic]
    events: list[EventPublic]
    corrections: list[CorrectionPublic]

    @classmethod
    def of(cls, history: PersonHistory) -> PersonHistoryPublic:
        return cls(
            person_id=history.person.id,
            name=history.person.name,
            external_id=history.person.external_id,
            first_day=history.days.first_day,
            last_day=history.days.last_day,
            summary=SummaryPublic.of(history.summary),
            entries=[RegisterEntryPublic.of(row) for row in history.register],
            events=[EventPublic.of(item) for item in history.events],
            corrections=[CorrectionPublic.of(c) for c in history.corrections],
        )

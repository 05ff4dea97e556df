"""Register corrections, kept whole for the audit trail."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.domain.attendance import AttendanceEvent, Correction, EventChange, RegisterStatus
from muster.domain.errors import ConflictError
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, get_row, utc_now
from muster.storage.repositories.events import insert_event, to_event
from muster.storage.tables import CorrectionRow, EventRow, PersonRow, ScheduleRow


class CorrectionRepository:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def add(self, correction: Correction) -> Correction:
        """Store a status override or a VOIDED event (its `id` is ignored). An ADDED event
        goes through `add_with_event`, which records the event too. Raises ValueError for an
        ADDED correction, NotFoundError for a missing person, schedule or event,
        ConflictError for an erased person or an event of someone else."""
        if correction.event_change is EventChange.ADDED:
            raise ValueError("record an added event with add_with_event()")
        with self._db.write() as session:
            _check_references(session, correction.person_id, correction.schedule_id)
            if correction.event_id is not None:
                event = get_row(session, EventRow, correction.event_id, "attendance event")
                if event.person_id != correction.person_id:
                    raise ConflictError(
                        f"event {event.id} is not person {correction.person_id}'s to correct"
                    )
            return _to_correction(_insert(session, correction))

    def add_with_event(
        self,
        event: AttendanceEvent,
        *,
        day: date,
        schedule_id: int | None,
        reason: str,
        actor: str,
        status: RegisterStatus | None = None,
    ) -> tuple[Correction, AttendanceEvent]:
        """Record a manual `event` (no dedupe) and the ADDED correction that explains it, in
        one transaction; `day` is the session's local date. Raises ValueError for an empty
        reason, NotFoundError for a missing person or schedule, ConflictError for an erased
        person."""
        at = self._clock()
        with self._db.write() as session:
            _check_references(session, event.person_id, schedule_id)
            event_row = insert_event(session, event, recorded_at=at)
            correction = Correction(
                id=None,
                person_id=event.person_id,
                day=day,
                schedule_id=schedule_id,
                reason=reason,
                actor=actor,
                at=at,
                status=status,
                event_change=EventChange.ADDED,
                event_id=event_row.id,
            )
            return _to_correction(_insert(session, correction)), to_event(event_row)

    def get(self, correction_id: int) -> Correction:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_correction(get_row(session, CorrectionRow, correction_id, "correction"))

    def between(
        self, first_day: date, last_day: date, *, person_ids: Collection[int] | None = None
    ) -> list[Correction]:
        """Corrections for first_day <= day <= last_day (both included), in the order they
        were made, optionally of some people only."""
        query = (
            select(CorrectionRow)
            .where(CorrectionRow.day >= first_day, CorrectionRow.day <= last_day)
            .order_by(CorrectionRow.at, CorrectionRow.id)
        )
        if person_ids is not None:
            query = query.where(CorrectionRow.person_id.in_(person_ids))
        with self._db.read() as session:
            return [_to_correction(row) for row in session.scalars(query)]


def _check_references(session: Session, person_id: int, schedule_id: int | None) -> None:
    person = get_row(session, PersonRow, person_id, "person")
    if person.erased_at is not None:
        raise ConflictError(f"person {person_id} was erased; their register is closed")
    if schedule_id is not None:
        get_row(session, ScheduleRow, schedule_id, "schedule")


def _insert(session: Session, correction: Correction) -> CorrectionRow:
    row = CorrectionRow(
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
    session.add(row)
    session.flush()
    return row


def _to_correction(row: CorrectionRow) -> Correction:
    return Correction(
        id=row.id,
        person_id=row.person_id,
        day=row.day,
        schedule_id=row.schedule_id,
        reason=row.reason,
        actor=row.actor,
        at=row.at,
        status=row.status,
        event_change=row.event_change,
        event_id=row.event_id,
    )

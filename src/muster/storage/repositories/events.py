"""Attendance events, and `append`: the one atomic step behind every check-in."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.domain.attendance import AttendanceEvent, Direction
from muster.domain.errors import ConflictError, NotFoundError
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, get_row, utc_now
from muster.storage.tables import DeviceRow, EventRow, PersonRow

DirectionChooser = Callable[[AttendanceEvent | None], Direction | None]
"""Given the person's last event at or before the candidate's time (None if there is none),
the direction to record, or None to record nothing (say, checked in moments ago). Typically
wraps `muster.domain.rules.direction.decide_direction`; it runs under the person's lock, so
it must be quick and must not touch the database."""


class EventRepository:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def append(
        self,
        candidate: AttendanceEvent,
        dedupe_window_s: float,
        *,
        choose_direction: DirectionChooser | None = None,
    ) -> tuple[AttendanceEvent, bool]:
        """Record `candidate` unless it repeats something; returns (event, created).

        In one transaction, holding a per-person lock (the person row FOR UPDATE on
        PostgreSQL; SQLite's BEGIN IMMEDIATE write lock), so concurrent appends for one
        person run one after another and N simultaneous looks make exactly one event:
        1. an event with the same idempotency key (and device) exists: (that event, False),
           whoever it belongs to: the key names the request;
        2. one of the person's events is less than `dedupe_window_s` away from
           `candidate.at`: (that event, False). Earlier events are the dedupe rule of
           `muster.domain.rules.direction`; later ones count too, because looks from two
           kiosks, or retried requests, reach the server out of order;
        3. `choose_direction`, when given, gets the person's last event at or before
           `candidate.at` and replaces the candidate's direction; when it says None:
           (that last event, False);
        4. otherwise the candidate is inserted: (stored event with its id, True).
        Raises ValueError for a candidate with an id or a negative window, NotFoundError
        for a missing person or device, ConflictError for an erased person.
        """
        if candidate.id is not None:
            raise ValueError(f"append() takes a new event, got one with id {candidate.id}")
        if dedupe_window_s < 0:
            raise ValueError(f"dedupe_window_s must be >= 0, got {dedupe_window_s}")
        try:
            with self._db.write() as session:
                return self._append_locked(session, candidate, dedupe_window_s, choose_direction)
        except IntegrityError:
            # Only another person's append with the same key can get here (our own person's
            # appends are serialised by the lock); that event is now committed: return it.
            with self._db.read() as session:
                existing = _by_key(session, candidate)
                if existing is None:
                    raise
                return to_event(existing), False

    def _append_locked(
        self,
        session: Session,
        candidate: AttendanceEvent,
        dedupe_window_s: float,
        choose_direction: DirectionChooser | None,
    ) -> tuple[AttendanceEvent, bool]:
        _lock_person(session, candidate.person_id)
        if candidate.device_id is not None:
            get_row(session, DeviceRow, candidate.device_id, "device")
        existing = _by_key(session, candidate)
        if existing is not None:
            return to_event(existing), False
        previous_row = session.scalars(
            _latest(candidate.person_id).where(EventRow.at <= candidate.at)
        ).first()
        duplicate = _within_window(session, candidate, previous_row, dedupe_window_s)
        if duplicate is not None:
            return to_event(duplicate), False
        previous = None if previous_row is None else to_event(previous_row)
        if choose_direction is not None:
            direction = choose_direction(previous)
            if direction is None:
                if previous is None:
                    raise ValueError("choose_direction refused a first event; nothing to return")
                return previous, False
            candidate = replace(candidate, direction=direction)
        return to_event(insert_event(session, candidate, recorded_at=self._clock())), True

    def get(self, event_id: int) -> AttendanceEvent:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return to_event(get_row(session, EventRow, event_id, "attendance event"))

    def last_for_person(
        self, person_id: int, *, at_or_before: datetime | None = None
    ) -> AttendanceEvent | None:
        """The person's latest event (at or before `at_or_before` when given), or None."""
        query = _latest(person_id)
        if at_or_before is not None:
            query = query.where(EventRow.at <= at_or_before)
        with self._db.read() as session:
            row = session.scalars(query).first()
            return None if row is None else to_event(row)

    def between(
        self,
        since: datetime,
        until: datetime,
        *,
        person_ids: Collection[int] | None = None,
        device_id: int | None = None,
    ) -> list[AttendanceEvent]:
        """Events with since <= at < until, in time order (then id), optionally of some
        people or one device only."""
        query = (
            select(EventRow)
            .where(EventRow.at >= since, EventRow.at < until)
            .order_by(EventRow.at, EventRow.id)
        )
        if person_ids is not None:
            query = query.where(EventRow.person_id.in_(person_ids))
        if device_id is not None:
            query = query.where(EventRow.device_id == device_id)
        with self._db.read() as session:
            return [to_event(row) for row in session.scalars(query)]


def _lock_person(session: Session, person_id: int) -> None:
    """Serialise appends for one person. FOR UPDATE locks the row on PostgreSQL; SQLite
    ignores it, and needs nothing more: the write transaction began IMMEDIATE."""
    erased_at = session.execute(
        select(PersonRow.erased_at).where(PersonRow.id == person_id).with_for_update()
    ).one_or_none()
    if erased_at is None:
        raise NotFoundError(f"no person with id {person_id}")
    if erased_at[0] is not None:
        raise ConflictError(f"person {person_id} was erased; no events can be recorded")


def _within_window(
    session: Session,
    candidate: AttendanceEvent,
    previous: EventRow | None,
    dedupe_window_s: float,
) -> EventRow | None:
    """The person's event less than the window before (`previous`) or after `candidate`."""
    window = timedelta(seconds=dedupe_window_s)
    if previous is not None and candidate.at - previous.at < window:
        return previous
    following = session.scalars(
        select(EventRow)
        .where(EventRow.person_id == candidate.person_id, EventRow.at > candidate.at)
        .order_by(EventRow.at, EventRow.id)
        .limit(1)
    ).first()
    if following is not None and following.at - candidate.at < window:
        return following
    return None


def _latest(person_id: int) -> Select[EventRow]:
    return (
        select(EventRow)
        .where(EventRow.person_id == person_id)
        .order_by(EventRow.at.desc(), EventRow.id.desc())
        .limit(1)
    )


def _by_key(session: Session, candidate: AttendanceEvent) -> EventRow | None:
    if candidate.idempotency_key is None:
        return None
    device = (
        EventRow.device_id.is_(None)
        if candidate.device_id is None
        else EventRow.device_id == candidate.device_id
    )
    return session.scalars(
        select(EventRow).where(EventRow.idempotency_key == candidate.idempotency_key, device)
    ).first()


def insert_event(session: Session, event: AttendanceEvent, *, recorded_at: datetime) -> EventRow:
    """Insert `event` as is in `session`'s transaction (no dedupe: for manual events that
    a correction records)."""
    row = _to_row(event, recorded_at=recorded_at)
    session.add(row)
    session.flush()
    return row


def _to_row(event: AttendanceEvent, *, recorded_at: datetime) -> EventRow:
    return EventRow(
        person_id=event.person_id,
        direction=event.direction,
        at=event.at,
        source=event.source,
        device_id=event.device_id,
        similarity=event.similarity,
        liveness_passed=event.liveness_passed,
        idempotency_key=event.idempotency_key,
        recorded_at=recorded_at,
    )


def to_event(row: EventRow) -> AttendanceEvent:
    return AttendanceEvent(
        id=row.id,
        person_id=row.person_id,
        direction=row.direction,
        at=row.at,
        source=row.source,
        device_id=row.device_id,
        similarity=row.similarity,
        liveness_passed=row.liveness_passed,
        idempotency_key=row.idempotency_key,
    )

"""Kiosk challenges (issued, taken once), liveness attempts, and the per-device cool-down.

Taking a challenge and recording an attempt are each one write transaction, so two replicas
answering one challenge at once take it once, and concurrent failures at one device start
one pause (SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL locks the device row).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from muster.domain.challenges import Challenge, CooldownPolicy, DevicePause
from muster.domain.errors import NotFoundError
from muster.domain.liveness import LivenessFailure
from muster.storage.database import Database
from muster.storage.repositories.base import get_row
from muster.storage.tables import (
    DeviceRow,
    LivenessAttemptRow,
    LivenessChallengeRow,
    LivenessPauseRow,
)

# Answered or expired challenges, and attempts, are deleted this long after they stopped
# mattering (they are evidence for nobody after that; the audit log keeps the pauses).
_KEEP = timedelta(days=1)


class LivenessRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def add_challenge(self, challenge: Challenge) -> Challenge:
        """Store a new challenge (and forget the device's long-expired ones). Raises
        NotFoundError for a missing device."""
        with self._db.write() as session:
            get_row(session, DeviceRow, challenge.device_id, "device")
            session.execute(
                delete(LivenessChallengeRow).where(
                    LivenessChallengeRow.device_id == challenge.device_id,
                    LivenessChallengeRow.expires_at < challenge.issued_at - _KEEP,
                )
            )
            session.add(
                LivenessChallengeRow(
                    id=challenge.id,
                    device_id=challenge.device_id,
                    kind=challenge.kind,
                    issued_at=challenge.issued_at,
                    expires_at=challenge.expires_at,
                    used=challenge.used,
                )
            )
            return challenge

    def take_challenge(self, challenge_id: str, device_id: int) -> Challenge | None:
        """Mark the challenge used and return it as it was *before* (so `used` says whether
        it had been answered already); None when `device_id` was issued no such challenge."""
        query = (
            select(LivenessChallengeRow)
            .where(
                LivenessChallengeRow.id == challenge_id,
                LivenessChallengeRow.device_id == device_id,
            )
            .with_for_update()
        )
        with self._db.write() as session:
            row = session.scalars(query).first()
            if row is None:
                return None
            before = _to_challenge(row)
            row.used = True
            return before

    def record_attempt(
        self,
        *,
        device_id: int,
        at: datetime,
        failure: LivenessFailure | None,
        policy: CooldownPolicy,
    ) -> DevicePause | None:
        """Record one judged check (`failure` None: passed). Returns the pause this failure
        started, if it was the `policy.max_failures`-th within the window; None otherwise
        (also while the device is paused already). Raises NotFoundError for a missing
        device."""
        with self._db.write() as session:
            # Locks the device (PostgreSQL) so that concurrent failures count one by one.
            locked = select(DeviceRow).where(DeviceRow.id == device_id).with_for_update()
            if session.scalars(locked).first() is None:
                raise NotFoundError(f"no device with id {device_id}")
            session.add(
                LivenessAttemptRow(
                    device_id=device_id,
                    at=at,
                    passed=failure is None,
                    failure=None if failure is None else failure.value,
                )
            )
            session.execute(
                delete(LivenessAttemptRow).where(
                    LivenessAttemptRow.device_id == device_id,
                    LivenessAttemptRow.at
                    < at - max(_KEEP, timedelta(seconds=policy.failure_window_s)),
                )
            )
            session.flush()
            if failure is None:
                return None
            return _pause_if_due(session, device_id, at, policy)

    def pause(self, device_id: int, now: datetime) -> DevicePause | None:
        """The device's pause, while it lasts at `now`."""
        with self._db.read() as session:
            row = session.get(LivenessPauseRow, device_id)
            return None if row is None or row.paused_until <= now else _to_pause(row)

    def active_pauses(self, now: datetime) -> list[DevicePause]:
        """Every pause still lasting at `now`, the soonest to end first."""
        query = (
            select(LivenessPauseRow)
            .where(LivenessPauseRow.paused_until > now)
            .order_by(LivenessPauseRow.paused_until, LivenessPauseRow.device_id)
        )
        with self._db.read() as session:
            return [_to_pause(row) for row in session.scalars(query)]

    def lift(self, device_id: int, now: datetime) -> DevicePause | None:
        """End the device's pause at `now` and start counting failures afresh; returns the
        pause as it was, or None when the device was not paused. Raises NotFoundError for
        a missing device."""
        with self._db.write() as session:
            get_row(session, DeviceRow, device_id, "device")
            row = session.get(LivenessPauseRow, device_id, with_for_update=True)
            if row is None or row.paused_until <= now:
                return None
            lifted = _to_pause(row)
            row.paused_until = now
            row.counted_from = now
            return lifted


def _pause_if_due(
    session: Session, device_id: int, at: datetime, policy: CooldownPolicy
) -> DevicePause | None:
    state = session.get(LivenessPauseRow, device_id)
    if state is not None and state.paused_until > at:
        return None  # paused already (a stream's verdict racing the pause)
    counted_from = at - timedelta(seconds=policy.failure_window_s)
    if state is not None and state.counted_from > counted_from:
        counted_from = state.counted_from
    failures = session.execute(
        select(func.count())
        .select_from(LivenessAttemptRow)
        .where(
            LivenessAttemptRow.device_id == device_id,
            LivenessAttemptRow.passed.is_(False),
            LivenessAttemptRow.at > counted_from,
            LivenessAttemptRow.at <= at,
        )
    ).scalar_one()
    if failures < policy.max_failures:
        return None
    until = at + timedelta(seconds=policy.cooldown_s)
    if state is None:
        state = LivenessPauseRow(device_id=device_id)
        session.add(state)
    state.paused_at, state.paused_until = at, until
    state.failures, state.counted_from = failures, until
    session.flush()
    return _to_pause(state)


def _to_challenge(row: LivenessChallengeRow) -> Challenge:
    return Challenge(
        id=row.id,
        device_id=row.device_id,
        kind=row.kind,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        used=row.used,
    )


def _to_pause(row: LivenessPauseRow) -> DevicePause:
    return DevicePause(
        device_id=row.device_id,
        paused_at=row.paused_at,
        paused_until=row.paused_until,
        failures=row.failures,
    )

"""The audit log: append-only records of who changed what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.domain.people import AuditEntry
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.tables import AuditRow


def add_audit_row(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: int | None,
    detail: dict[str, Any],
) -> AuditRow:
    """Insert an audit row in `session`'s transaction (so the change and its record commit
    or roll back together)."""
    row = AuditRow(
        at=at,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )
    session.add(row)
    session.flush()
    return row


def to_audit_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        detail=dict(row.detail),
    )


class AuditRepository:
    """Records and lists audit entries. `detail` must be JSON-serialisable and hold ids and
    settings only, never personal data: entries are kept when a person is erased."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def record(
        self,
        *,
        actor: str,
        action: str,
        target_type: str,
        target_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        with self._db.write() as session:
            row = add_audit_row(
                session,
                at=self._clock(),
                actor=actor,
                action=action,
                target_type=target_type,
                target_id=target_id,
                detail=detail or {},
            )
            return to_audit_entry(row)

    def recent(
        self,
        *,
        target_type: str | None = None,
        target_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Entries newest first, optionally only those about one target, by one actor, of
        one action, or with since <= at < until."""
        query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if target_type is not None:
            query = query.where(AuditRow.target_type == target_type)
        if target_id is not None:
            query = query.where(AuditRow.target_id == target_id)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if until is not None:
            query = query.where(AuditRow.at < until)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if action is not None:
            query = query.where(AuditRow.action == action)
        with self._db.read() as session:
            return [to_audit_entry(row) for row in session.scalars(query)]

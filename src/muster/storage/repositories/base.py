"""What every repository shares: the clock, lookups that raise NotFoundError, and turning a
unique-constraint violation into a ConflictError a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.domain.errors import ConflictError, NotFoundError
from muster.storage.tables import Base

Clock = Callable[[], datetime]
"""Returns the current time, aware, in UTC (tests pass a fixed clock)."""

RowT = TypeVar("RowT", bound=Base)


def utc_now() -> datetime:
    return datetime.now(UTC)


def get_row(session: Session, row_type: type[RowT], row_id: int, what: str) -> RowT:
    """The row with primary key `row_id`; raises NotFoundError naming `what` ("person")."""
    row = session.get(row_type, row_id)
    if row is None:
        raise NotFoundError(f"no {what} with id {row_id}")
    return row


def flush_or_conflict(session: Session, message: str) -> None:
    """Flush pending changes; a constraint violation becomes ConflictError(`message`).
    Call it only where the one constraint that can fail is the one `message` describes."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise ConflictError(message) from exc


def delete_counting(session: Session, row_type: type[Base], condition: ColumnElement[bool]) -> int:
    """Delete the rows of `row_type` matching `condition`; returns how many there were."""
    count = session.execute(
        select(func.count()).select_from(row_type).where(condition)
    ).scalar_one()
    session.execute(delete(row_type).where(condition))
    return count

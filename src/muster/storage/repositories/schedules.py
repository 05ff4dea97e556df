"""Weekly schedules of groups."""

from __future__ import annotations

from sqlalchemy import select

from muster.domain.attendance import Schedule
from muster.storage.database import Database
from muster.storage.repositories.base import get_row
from muster.storage.tables import GroupRow, ScheduleRow


def weekdays_to_mask(weekdays: frozenset[int]) -> int:
    """Weekdays (0 = Monday) as a bit mask, bit d for weekday d."""
    return sum(1 << day for day in weekdays)


def mask_to_weekdays(mask: int) -> frozenset[int]:
    return frozenset(day for day in range(7) if mask & (1 << day))


class ScheduleRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, schedule: Schedule) -> Schedule:
        """Store a new schedule (its `id` is ignored) and return it with its id.
        Raises NotFoundError when the group does not exist."""
        with self._db.write() as session:
            get_row(session, GroupRow, schedule.group_id, "group")
            row = ScheduleRow()
            _fill(row, schedule)
            session.add(row)
            session.flush()
            return _to_schedule(row)

    def get(self, schedule_id: int) -> Schedule:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_schedule(get_row(session, ScheduleRow, schedule_id, "schedule"))

    def all(self, *, group_id: int | None = None) -> list[Schedule]:
        """Schedules by id, optionally of one group only."""
        query = select(ScheduleRow).order_by(ScheduleRow.id)
        if group_id is not None:
            query = query.where(ScheduleRow.group_id == group_id)
        with self._db.read() as session:
            return [_to_schedule(row) for row in session.scalars(query)]

    def save(self, schedule: Schedule) -> Schedule:
        """Store every field of an existing schedule. Raises NotFoundError."""
        if schedule.id is None:
            raise ValueError("save() needs a stored schedule; use create() for a new one")
        with self._db.write() as session:
            row = get_row(session, ScheduleRow, schedule.id, "schedule")
            get_row(session, GroupRow, schedule.group_id, "group")
            _fill(row, schedule)
            session.flush()
            return _to_schedule(row)

    def delete(self, schedule_id: int) -> None:
        """Delete the schedule and the corrections made for its sessions.
        Raises NotFoundError."""
        with self._db.write() as session:
            session.delete(get_row(session, ScheduleRow, schedule_id, "schedule"))


def _fill(row: ScheduleRow, schedule: Schedule) -> None:
    row.group_id = schedule.group_id
    row.name = schedule.name
    row.weekdays_mask = weekdays_to_mask(schedule.weekdays)
    row.start_time = schedule.start
    row.end_time = schedule.end
    row.timezone = schedule.timezone
    row.grace_period_s = schedule.grace_period_s
    row.opens_before_s = schedule.opens_before_s
    row.auto_checkout = schedule.auto_checkout


def _to_schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        group_id=row.group_id,
        name=row.name,
        weekdays=mask_to_weekdays(row.weekdays_mask),
        start=row.start_time,
        end=row.end_time,
        timezone=row.timezone,
        grace_period_s=row.grace_period_s,
        opens_before_s=row.opens_before_s,
        auto_checkout=row.auto_checkout,
    )

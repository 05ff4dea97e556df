"""Weekly schedules of groups: create, read, change and delete, each change audited.

A schedule is a `muster.domain.attendance.Schedule`; its invariants (weekdays in 0..6, a
session with a length, a known IANA zone, no negative periods) are checked by the domain type.
Here they become `InvalidScheduleError`, so a bad change is a typed error a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import time
from typing import Any

from muster.domain.attendance import Schedule
from muster.domain.errors import MusterError
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.schedules import ScheduleRepository

TARGET_TYPE = "schedule"
_REQUIRED_ON_CREATE = ("group_id", "name", "weekdays", "start", "end", "timezone")


class InvalidScheduleError(MusterError):
    """The schedule's fields contradict each other or name an unknown time zone."""

    code = "invalid_schedule"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleFields:
    """Fields of a schedule to set. None leaves a field as it is when updating, or at the
    domain default when creating (no schedule field can be null, so None is never a value)."""

    group_id: int | None = None
    name: str | None = None
    weekdays: frozenset[int] | None = None
    start: time | None = None
    end: time | None = None
    timezone: str | None = None
    grace_period_s: int | None = None
    opens_before_s: int | None = None
    auto_checkout: bool | None = None

    def given(self) -> dict[str, Any]:
        """The fields to set, by name."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if getattr(self, field.name) is not None
        }


def schedule_settings(schedule: Schedule) -> dict[str, Any]:
    """The schedule's fields as JSON values (for the audit log: settings, no personal data)."""
    return {
        "group_id": schedule.group_id,
        "name": schedule.name,
        "weekdays": sorted(schedule.weekdays),
        "start": schedule.start.isoformat(),
        "end": schedule.end.isoformat(),
        "timezone": schedule.timezone,
        "grace_period_s": schedule.grace_period_s,
        "opens_before_s": schedule.opens_before_s,
        "auto_checkout": schedule.auto_checkout,
    }


class ScheduleService:
    def __init__(self, schedules: ScheduleRepository, audit: AuditRepository) -> None:
        self._schedules = schedules
        self._audit = audit

    def create(self, new: ScheduleFields, *, actor: str) -> Schedule:
        """Store a new schedule and audit "schedule.created". Raises InvalidScheduleError
        when a required field is missing or the fields are not a valid schedule,
        NotFoundError when the group does not exist."""
        given = new.given()
        if missing := [name for name in _REQUIRED_ON_CREATE if name not in given]:
            raise InvalidScheduleError(f"a new schedule needs {', '.join(missing)}")
        try:
            schedule = Schedule(id=None, **given)
        except ValueError as exc:
            raise InvalidScheduleError(str(exc)) from exc
        created = self._schedules.create(schedule)
        self._record(actor, "schedule.created", created, schedule_settings(created))
        return created

    def get(self, schedule_id: int) -> Schedule:
        """Raises NotFoundError."""
        return self._schedules.get(schedule_id)

    def all(self, *, group_id: int | None = None) -> list[Schedule]:
        """Schedules by id, optionally of one group only."""
        return self._schedules.all(group_id=group_id)

    def update(self, schedule_id: int, changes: ScheduleFields, *, actor: str) -> Schedule:
        """Apply `changes` and audit "schedule.updated" with the fields that changed.
        Raises NotFoundError (schedule or new group), InvalidScheduleError when the result
        is not a valid schedule (say, start now equals end)."""
        current = self._schedules.get(schedule_id)
        try:
            wanted = replace(current, **changes.given())
        except ValueError as exc:
            raise InvalidScheduleError(str(exc)) from exc
        saved = self._schedules.save(wanted)
        before, after = schedule_settings(current), schedule_settings(saved)
        changed = {name: value for name, value in after.items() if before[name] != value}
        self._record(actor, "schedule.updated", saved, {"changed": changed})
        return saved

    def delete(self, schedule_id: int, *, actor: str) -> None:
        """Delete the schedule (and the corrections made for its sessions) and audit
        "schedule.deleted" with its last settings. Raises NotFoundError."""
        schedule = self._schedules.get(schedule_id)
        self._schedules.delete(schedule_id)
        self._record(actor, "schedule.deleted", schedule, schedule_settings(schedule))

    def _record(self, actor: str, action: str, schedule: Schedule, detail: dict[str, Any]) -> None:
        self._audit.record(
            actor=actor,
            action=action,
            target_type=TARGET_TYPE,
            target_id=schedule.id,
            detail=detail,
        )

"""Schedules over the API: weekly sessions or shifts of a group."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from muster.api.schemas.ids import RowId
from muster.domain.attendance import Schedule, load_zone
from muster.services.schedules import ScheduleFields

_DAY_S = 24 * 3600


def _known_zone(name: str) -> str:
    load_zone(name)  # its ValueError names the zone and gives an example
    return name


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give a local wall-clock time without an offset, e.g. 09:00")
    return value


def _distinct(weekdays: list[int]) -> list[int]:
    if len(set(weekdays)) != len(weekdays):
        raise ValueError("each weekday may appear once")
    return sorted(weekdays)


Weekdays = Annotated[
    list[Annotated[int, Field(ge=0, le=6)]],
    Field(min_length=1, max_length=7, description="Local weekdays, 0 = Monday .. 6 = Sunday."),
    AfterValidator(_distinct),
]
WallClock = Annotated[time, AfterValidator(_wall_clock)]
TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, description="IANA time zone, e.g. 'Europe/Paris'."),
    AfterValidator(_known_zone),
]
ScheduleName = Annotated[str, Field(min_length=1, max_length=200)]
GracePeriod = Annotated[
    int, Field(ge=0, le=_DAY_S, description="An IN up to this many seconds after start is on time.")
]
OpensBefore = Annotated[
    int, Field(ge=0, le=_DAY_S, description="An IN this many seconds before start already counts.")
]
START_DESCRIPTION = "Local start time in `timezone`, e.g. 09:00."
END_DESCRIPTION = "Local end time; earlier than start means the session ends the next day."
AUTO_CHECKOUT_DESCRIPTION = "Count someone still checked in at the end as on site until the end."


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_id: RowId
    name: ScheduleName
    weekdays: Weekdays
    start: WallClock = Field(description=START_DESCRIPTION)
    end: WallClock = Field(description=END_DESCRIPTION)
    timezone: TimeZoneName
    grace_period_s: GracePeriod = 300
    opens_before_s: OpensBefore = 3600
    auto_checkout: bool = Field(False, description=AUTO_CHECKOUT_DESCRIPTION)

    @model_validator(mode="after")
    def _has_length(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end are the same time; a session needs a length")
        return self

    def to_fields(self) -> ScheduleFields:
        return _fields(self)


class ScheduleUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    group_id: RowId | None = None
    name: ScheduleName | None = None
    weekdays: Weekdays | None = None
    start: WallClock | None = Field(None, description=START_DESCRIPTION)
    end: WallClock | None = Field(None, description=END_DESCRIPTION)
    timezone: TimeZoneName | None = None
    grace_period_s: GracePeriod | None = None
    opens_before_s: OpensBefore | None = None
    auto_checkout: bool | None = Field(None, description=AUTO_CHECKOUT_DESCRIPTION)

    def to_fields(self) -> ScheduleFields:
        return _fields(self)


def _fields(body: ScheduleCreate | ScheduleUpdate) -> ScheduleFields:
    return ScheduleFields(
        group_id=body.group_id,
        name=body.name,
        weekdays=None if body.weekdays is None else frozenset(body.weekdays),
        start=body.start,
        end=body.end,
        timezone=body.timezone,
        grace_period_s=body.grace_period_s,
        opens_before_s=body.opens_before_s,
        auto_checkout=body.auto_checkout,
    )


class SchedulePublic(BaseModel):
    id: int
    group_id: int
    name: str
    weekdays: list[int] = Field(description="0 = Monday .. 6 = Sunday, ascending.")
    start: time
    end: time
    timezone: str
    grace_period_s: int
    opens_before_s: int
    auto_checkout: bool

    @classmethod
    def of(cls, schedule: Schedule) -> SchedulePublic:
        if schedule.id is None:
            raise ValueError("only a stored schedule has a public form")
        return cls(
            id=schedule.id,
            group_id=schedule.group_id,
            name=schedule.name,
            weekdays=sorted(schedule.weekdays),
            start=schedule.start,
            end=schedule.end,
            timezone=schedule.timezone,
            grace_period_s=schedule.grace_period_s,
            opens_before_s=schedule.opens_before_s,
            auto_checkout=schedule.auto_checkout,
        )

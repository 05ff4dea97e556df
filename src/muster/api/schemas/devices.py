"""Locations and devices over the API."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field

from muster.api.schemas.ids import RowId
from muster.api.schemas.schedules import TimeZoneName
from muster.domain.people import Device, DeviceKind, Location

Name = Annotated[str, Field(min_length=1, max_length=200, description="Unique name.")]


class LocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    timezone: TimeZoneName


class LocationUpdate(BaseModel):
    """Only the fields given change. Devices keep their own time zone."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    timezone: TimeZoneName | None = None


class LocationPublic(BaseModel):
    id: int
    name: str
    timezone: str

    @classmethod
    def of(cls, location: Location) -> Self:
        return cls(id=location.id, name=location.name, timezone=location.timezone)


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    location_id: RowId
    kind: DeviceKind = Field(DeviceKind.KIOSK, description="'kiosk' or 'camera'.")
    timezone: TimeZoneName | None = Field(
        None,
        description="IANA zone that decides the device's attendance day and the times it "
        "shows; default: the location's.",
    )


class DeviceUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    location_id: RowId | None = None
    kind: DeviceKind | None = None
    timezone: TimeZoneName | None = None


class DevicePublic(BaseModel):
    id: int
    name: str
    location_id: int
    kind: DeviceKind
    timezone: str

    @classmethod
    def of(cls, device: Device) -> Self:
        return cls(
            id=device.id,
            name=device.name,
            location_id=device.location_id,
            kind=device.kind,
            timezone=device.timezone,
        )

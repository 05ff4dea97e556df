"""Locations and the devices at them. Staff read them; admins change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from muster.api.deps import AdminDep, ServicesDep, StaffDep
from muster.api.schemas.devices import (
    DeviceCreate,
    DevicePublic,
    DeviceUpdate,
    LocationCreate,
    LocationPublic,
    LocationUpdate,
)
from muster.api.schemas.ids import MAX_ROW_ID

router = APIRouter(tags=["devices"])

LocationId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
DeviceId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("/locations", summary="List locations")
def list_locations(services: ServicesDep, _: StaffDep) -> list[LocationPublic]:
    return [LocationPublic.of(location) for location in services.devices.locations()]


@router.post("/locations", status_code=201, summary="Create a location")
def create_location(body: LocationCreate, services: ServicesDep, admin: AdminDep) -> LocationPublic:
    location = services.devices.create_location(
        name=body.name, timezone=body.timezone, actor=admin.actor
    )
    return LocationPublic.of(location)


@router.get("/locations/{location_id}", summary="Read a location")
def get_location(location_id: LocationId, services: ServicesDep, _: StaffDep) -> LocationPublic:
    return LocationPublic.of(services.devices.location(location_id))


@router.patch("/locations/{location_id}", summary="Rename a location or change its zone")
def update_location(
    location_id: LocationId, body: LocationUpdate, services: ServicesDep, admin: AdminDep
) -> LocationPublic:
    location = services.devices.update_location(
        location_id, actor=admin.actor, name=body.name, timezone=body.timezone
    )
    return LocationPublic.of(location)


@router.delete(
    "/locations/{location_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a location that has no devices",
)
def delete_location(location_id: LocationId, services: ServicesDep, admin: AdminDep) -> None:
    services.devices.delete_location(location_id, actor=admin.actor)


@router.get("/devices", summary="List devices, optionally at one location")
def list_devices(
    services: ServicesDep,
    _: StaffDep,
    location_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> list[DevicePublic]:
    return [DevicePublic.of(device) for device in services.devices.devices(location_id=location_id)]


@router.post("/devices", status_code=201, summary="Register a kiosk or camera")
def create_device(body: DeviceCreate, services: ServicesDep, admin: AdminDep) -> DevicePublic:
    device = services.devices.create_device(
        name=body.name,
        location_id=body.location_id,
        kind=body.kind,
        timezone=body.timezone,
        actor=admin.actor,
    )
    return DevicePublic.of(device)


@router.get("/devices/{device_id}", summary="Read a device")
def get_device(device_id: DeviceId, services: ServicesDep, _: StaffDep) -> DevicePublic:
    return DevicePublic.of(services.devices.device(device_id))


@router.patch("/devices/{device_id}", summary="Change some fields of a device")
def update_device(
    device_id: DeviceId, body: DeviceUpdate, services: ServicesDep, admin: AdminDep
) -> DevicePublic:
    device = services.devices.update_device(
        device_id,
        actor=admin.actor,
        name=body.name,
        location_id=body.location_id,
        kind=body.kind,
        timezone=body.timezone,
    )
    return DevicePublic.of(device)


@router.delete(
    "/devices/{device_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a device and its keys (refused once it has recorded events)",
)
def delete_device(device_id: DeviceId, services: ServicesDep, admin: AdminDep) -> None:
    services.devices.delete_device(device_id, actor=admin.actor)

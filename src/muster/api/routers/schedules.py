"""Schedules: weekly sessions or shifts of a group. Staff read them; admins change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from muster.api.deps import AdminDep, ServicesDep, StaffDep
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.schedules import ScheduleCreate, SchedulePublic, ScheduleUpdate

router = APIRouter(prefix="/schedules", tags=["schedules"])

ScheduleId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("", summary="List schedules, optionally of one group")
def list_schedules(
    services: ServicesDep,
    _: StaffDep,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> list[SchedulePublic]:
    return [SchedulePublic.of(s) for s in services.schedules.all(group_id=group_id)]


@router.post("", status_code=201, summary="Create a schedule")
def create_schedule(body: ScheduleCreate, services: ServicesDep, admin: AdminDep) -> SchedulePublic:
    return SchedulePublic.of(services.schedules.create(body.to_fields(), actor=admin.actor))


@router.get("/{schedule_id}", summary="Read a schedule")
def get_schedule(schedule_id: ScheduleId, services: ServicesDep, _: StaffDep) -> SchedulePublic:
    return SchedulePublic.of(services.schedules.get(schedule_id))


@router.patch("/{schedule_id}", summary="Change some fields of a schedule")
def update_schedule(
    schedule_id: ScheduleId, body: ScheduleUpdate, services: ServicesDep, admin: AdminDep
) -> SchedulePublic:
    changed = services.schedules.update(schedule_id, body.to_fields(), actor=admin.actor)
    return SchedulePublic.of(changed)


@router.delete(
    "/{schedule_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a schedule and the corrections made for its sessions",
)
def delete_schedule(schedule_id: ScheduleId, services: ServicesDep, admin: AdminDep) -> None:
    services.schedules.delete(schedule_id, actor=admin.actor)

"""Groups: classes, departments, teams. Staff read them; admins change them. Members are
set on each person (`group_ids`) and listed with GET /people?group_id=."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from muster.api.deps import AdminDep, ServicesDep, StaffDep
from muster.api.schemas.groups import GroupCreate, GroupPublic, GroupUpdate
from muster.api.schemas.ids import MAX_ROW_ID

router = APIRouter(prefix="/groups", tags=["groups"])

GroupId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("", summary="List groups by name")
def list_groups(services: ServicesDep, _: StaffDep) -> list[GroupPublic]:
    return [GroupPublic.of(g) for g in services.groups.all()]


@router.post("", status_code=201, summary="Create a group")
def create_group(body: GroupCreate, services: ServicesDep, admin: AdminDep) -> GroupPublic:
    return GroupPublic.of(services.groups.create(name=body.name, kind=body.kind, actor=admin.actor))


@router.get("/{group_id}", summary="Read a group")
def get_group(group_id: GroupId, services: ServicesDep, _: StaffDep) -> GroupPublic:
    return GroupPublic.of(services.groups.get(group_id))


@router.patch("/{group_id}", summary="Rename a group or change its kind")
def update_group(
    group_id: GroupId, body: GroupUpdate, services: ServicesDep, admin: AdminDep
) -> GroupPublic:
    group = services.groups.update(group_id, name=body.name, kind=body.kind, actor=admin.actor)
    return GroupPublic.of(group)


@router.delete(
    "/{group_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a group with its memberships and schedules (its people stay)",
)
def delete_group(group_id: GroupId, services: ServicesDep, admin: AdminDep) -> None:
    services.groups.delete(group_id, actor=admin.actor)

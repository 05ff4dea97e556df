"""Registers, histories, corrections, statistics and exports. Staff (admins and operators)
read registers and make corrections; device keys get 403."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from muster.api.deps import ServicesDep, StaffDep
from muster.api.schemas.attendance import (
    CorrectionCreate,
    CorrectionPublic,
    GroupSummaryPublic,
    PersonHistoryPublic,
    RegisterEntryPublic,
    RegisterPublic,
)
from muster.api.schemas.ids import MAX_ROW_ID
from muster.services.attendance import DateRange, ExportFormat

router = APIRouter(prefix="/attendance", tags=["attendance"])

GroupId = Annotated[int, Query(ge=1, le=MAX_ROW_ID, description="The group.")]
FirstDay = Annotated[date, Query(alias="from", description="First local day, included.")]
LastDay = Annotated[date, Query(alias="to", description="Last local day, included.")]

_EXPORT_TYPES: dict[str, dict[str, object]] = {f.media_type.split(";")[0]: {} for f in ExportFormat}


@router.get("/register", summary="A group's register for one local day")
def get_register(
    services: ServicesDep,
    _: StaffDep,
    group_id: GroupId,
    day: Annotated[date, Query(description="The local day sessions start on.")],
) -> RegisterPublic:
    rows = services.attendance.register(group_id, DateRange(day, day))
    return RegisterPublic(
        group_id=group_id, day=day, entries=[RegisterEntryPublic.of(row) for row in rows]
    )


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": _EXPORT_TYPES, "description": "The register as a file."}},
    summary="A group's register over a date range as CSV or XLSX",
)
def export_register(
    services: ServicesDep,
    _: StaffDep,
    group_id: GroupId,
    first_day: FirstDay,
    last_day: LastDay,
    file_format: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.CSV,
) -> Response:
    exported = services.attendance.export(group_id, DateRange(first_day, last_day), file_format)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@router.get("/summary", summary="Attendance statistics of a group: overall, per day, per person")
def get_summary(
    services: ServicesDep, _: StaffDep, group_id: GroupId, first_day: FirstDay, last_day: LastDay
) -> GroupSummaryPublic:
    summary = services.attendance.summary(group_id, DateRange(first_day, last_day))
    return GroupSummaryPublic.of(summary)


@router.get("/people/{person_id}", summary="A person's register, events and corrections")
def get_history(
    person_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    services: ServicesDep,
    _: StaffDep,
    first_day: FirstDay,
    last_day: LastDay,
) -> PersonHistoryPublic:
    history = services.attendance.history(person_id, DateRange(first_day, last_day))
    return PersonHistoryPublic.of(history)


@router.post("/corrections", status_code=201, summary="Correct a register, with a reason")
def create_correction(
    body: CorrectionCreate, services: ServicesDep, staff: StaffDep
) -> CorrectionPublic:
    correction = services.attendance.correct(body.to_request(), actor=staff.actor)
    return CorrectionPublic.of(correction)

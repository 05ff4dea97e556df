"""A group's register over a date range as JSON, for reports and charts (arrival times,
lateness per person): the very rows the CSV/XLSX export writes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from muster.api.deps import ServicesDep, StaffDep
from muster.api.schemas.attendance import RegisterEntryPublic
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.register_range import RegisterRangePublic
from muster.services.attendance import DateRange

router = APIRouter(prefix="/attendance", tags=["attendance"])


@router.get("/entries", summary="A group's register over a date range (reports.max_range_days)")
def register_range(
    services: ServicesDep,
    _: StaffDep,
    group_id: Annotated[int, Query(ge=1, le=MAX_ROW_ID, description="The group.")],
    first_day: Annotated[date, Query(alias="from", description="First local day, included.")],
    last_day: Annotated[date, Query(alias="to", description="Last local day, included.")],
) -> RegisterRangePublic:
    rows = services.attendance.register(group_id, DateRange(first_day, last_day))
    return RegisterRangePublic(
        group_id=group_id,
        first_day=first_day,
        last_day=last_day,
        entries=[RegisterEntryPublic.of(row) for row in rows],
    )

"""A group's register over a range of days (the rows of the export, as JSON)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from muster.api.schemas.attendance import RegisterEntryPublic


class RegisterRangePublic(BaseModel):
    group_id: int
    first_day: date
    last_day: date
    entries: list[RegisterEntryPublic] = Field(
        description="By day, then session start, then name: the rows GET /attendance/export "
        "writes for the same range."
    )

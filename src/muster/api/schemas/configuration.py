"""Process settings as the admin pages show them (read-only)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field

from muster.services.configuration import SettingValue


class SettingPublic(BaseModel):
    path: str = Field(description="Dotted name, e.g. attendance.dedupe_window_s.")
    environment_variable: str = Field(description="Where it is set, e.g. MUSTER_ATTENDANCE__…")
    value: bool | int | float | str | None
    description: str

    @classmethod
    def of(cls, setting: SettingValue) -> Self:
        return cls(
            path=setting.path,
            environment_variable=setting.environment_variable,
            value=setting.value,
            description=setting.description,
        )

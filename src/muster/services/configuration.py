"""The process configuration the admin pages show read-only, with where each value is set.

Only groups an HR manager tunes are listed; the database URL, paths and model internals are
not (a URL may carry a password). Values come from the environment (MUSTER_*), read once at
start-up: changing one means changing the variable and restarting, which the page says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import Enum

from pydantic import BaseModel

from muster.config import Settings

SHOWN_GROUPS = ("attendance", "recognition", "privacy", "enrolment", "kiosk", "auth", "reports")


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingValue:
    """One setting: its dotted `path` (e.g. attendance.dedupe_window_s), the environment
    variable that sets it, its value and what it means."""

    path: str
    environment_variable: str
    value: bool | int | float | str | None
    description: str


def shown_settings(settings: Settings) -> list[SettingValue]:
    """The settings of SHOWN_GROUPS, group by group in that order, fields in config order."""
    shown: list[SettingValue] = []
    for group_name in SHOWN_GROUPS:
        group = getattr(settings, group_name)
        if not isinstance(group, BaseModel):
            raise TypeError(f"settings.{group_name} is not a settings group")
        for name, field in type(group).model_fields.items():
            value = getattr(group, name)
            if isinstance(value, BaseModel):
                continue  # nested groups hold no value the page shows
            shown.append(
                SettingValue(
                    path=f"{group_name}.{name}",
                    environment_variable=f"MUSTER_{group_name.upper()}__{name.upper()}",
                    value=_plain(value),
                    description=field.description or "",
                )
            )
    return shown


def _plain(value: object) -> bool | int | float | str | None:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)

"""The process configuration, read-only: values are set by environment variables (see
docs/configuration.md) and read once at start-up."""

from __future__ import annotations

from fastapi import APIRouter

from muster.api.deps import ServicesDep, StaffDep
from muster.api.schemas.configuration import SettingPublic
from muster.services.configuration import shown_settings

router = APIRouter(tags=["configuration"])


@router.get(
    "/configuration",
    summary="Settings an administrator tunes, with the variable that sets each",
    description="Attendance, recognition, privacy, enrolment, kiosk, sign-in and report "
    "settings (never the database URL or paths). Change one by setting its environment "
    "variable and restarting Muster.",
)
def list_configuration(services: ServicesDep, _: StaffDep) -> list[SettingPublic]:
    return [SettingPublic.of(setting) for setting in shown_settings(services.settings)]

"""Pairing a kiosk: the short code an admin makes, the key the kiosk gets for it, and what a
paired kiosk learns about itself."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from muster.api.schemas.ids import RowId
from muster.config import KioskSettings
from muster.domain.people import Device
from muster.services.pairing import Pairing, PairingCode


class PairingCodeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: RowId = Field(description="The device the kiosk will act as.")
    valid_minutes: int = Field(
        10,
        ge=1,
        le=1440,
        description="How long the code can be used (at most kiosk.max_pairing_code_minutes).",
    )


class PairingCodePublic(BaseModel):
    code: str = Field(description="Type it at the kiosk (e.g. K7QM-4XPA); it works once.")
    device_id: int
    expires_at: datetime

    @classmethod
    def of(cls, code: PairingCode) -> Self:
        return cls(code=code.code, device_id=code.device_id, expires_at=code.expires_at)


class PairingRedeem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=1, max_length=32, description="The pairing code (case, spaces, dashes ignored)."
    )


class PairingRedeemed(BaseModel):
    token: str = Field(
        description="The kiosk's new device key, shown only now; send it as "
        "`Authorization: Bearer <token>`."
    )
    key_id: int
    device_id: int
    device_name: str

    @classmethod
    def of(cls, pairing: Pairing) -> Self:
        return cls(
            token=pairing.issued.token,
            key_id=pairing.issued.key.id,
            device_id=pairing.device.id,
            device_name=pairing.device.name,
        )


class KioskSession(BaseModel):
    """What a paired kiosk needs to know about itself and how to behave."""

    device_id: int
    device_name: str
    timezone: str = Field(description="The device's IANA time zone; times are shown in it.")
    pin_fallback: bool = Field(description="Whether check-in by code and PIN is offered.")
    frame_interval_ms: int
    frame_width_px: int
    result_display_s: float
    liveness_required: bool = Field(
        False,
        description="Whether a face check-in needs a liveness challenge "
        "(POST /liveness/challenges, then POST /checkins/live).",
    )

    @classmethod
    def of(cls, device: Device, kiosk: KioskSettings, *, liveness_required: bool = False) -> Self:
        return cls(
            device_id=device.id,
            device_name=device.name,
            timezone=device.timezone,
            pin_fallback=kiosk.pin_fallback,
            frame_interval_ms=kiosk.frame_interval_ms,
            frame_width_px=kiosk.frame_width_px,
            result_display_s=kiosk.result_display_s,
            liveness_required=liveness_required,
        )

"""PINs for the kiosk fallback: an admin sets one; a kiosk sends a code and PIN to check in."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from muster.api.schemas.checkins import IdempotencyKey
from muster.services.pins import PIN_PATTERN


class PinUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str = Field(pattern=PIN_PATTERN.pattern, description="The new PIN: 4 to 12 digits.")


class PinCheckinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=1, max_length=100, description="The person's code (their external id)."
    )
    pin: str = Field(min_length=1, max_length=64, description="The person's PIN.")
    idempotency_key: IdempotencyKey | None = Field(
        None, description="The same as the Idempotency-Key header (send either)."
    )
    captured_at: AwareDatetime | None = Field(
        None, description="When the PIN was typed, with an offset; default: now."
    )

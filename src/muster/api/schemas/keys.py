"""API keys over the API. The token is shown once, when the key is created."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from muster.api.schemas.ids import RowId
from muster.domain.people import ApiKey, Role
from muster.services.keys import IssuedKey


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Who or what holds the key.")
    role: Role = Field(
        description="admin (everything), operator (staff: people, review, reports) or "
        "device (check-ins and recognition as one device)."
    )
    device_id: RowId | None = Field(
        None, description="The device a device key acts as; required for and only for them."
    )

    @model_validator(mode="after")
    def _device_key_names_its_device(self) -> Self:
        if (self.role is Role.DEVICE) != (self.device_id is not None):
            raise ValueError("a device key needs a device_id, and only a device key takes one")
        return self


class KeyPublic(BaseModel):
    id: int
    name: str
    role: Role
    device_id: int | None
    prefix: str = Field(description="The public part of the token (msk_<prefix>_...).")
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = Field(
        None, description="When a session key (issued at sign-in) stops working; null: never."
    )

    @classmethod
    def of(cls, key: ApiKey) -> Self:
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            device_id=key.device_id,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            expires_at=key.expires_at,
        )


class KeyCreated(KeyPublic):
    token: str = Field(
        description="The secret token, shown only now: store it; send it as "
        "`Authorization: Bearer <token>`."
    )

    @classmethod
    def issued(cls, issued: IssuedKey) -> Self:
        return cls(**KeyPublic.of(issued.key).model_dump(), token=issued.token)

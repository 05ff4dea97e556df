"""Signing in over the API: a username and password in, a session key out."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from muster.domain.people import Role
from muster.services.accounts import SESSION_KEY_PREFIX, SignedIn
from muster.services.keys import Principal


class SignInCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200, description="Any case; spaces trimmed.")
    password: str = Field(min_length=1, max_length=1024)


class SessionPublic(BaseModel):
    token: str = Field(
        description="A session API key of the user's role, shown only now; send it as "
        "`Authorization: Bearer <token>` until `expires_at`, or POST /auth/logout."
    )
    key_id: int
    username: str
    role: Role
    expires_at: datetime

    @classmethod
    def of(cls, signed_in: SignedIn) -> Self:
        key = signed_in.issued.key
        if key.expires_at is None:
            raise ValueError("a session key always expires")
        return cls(
            token=signed_in.issued.token,
            key_id=key.id,
            username=signed_in.user.username,
            role=key.role,
            expires_at=key.expires_at,
        )


class CallerPublic(BaseModel):
    """Who the presented key belongs to."""

    key_id: int
    name: str = Field(description="The key's name; `user:<username>` for a session key.")
    role: Role
    device_id: int | None
    username: str | None = Field(description="The signed-in user; null for other keys.")
    expires_at: datetime | None = Field(description="When a session key stops working.")

    @classmethod
    def of(cls, principal: Principal) -> Self:
        session = principal.expires_at is not None and principal.name.startswith(SESSION_KEY_PREFIX)
        return cls(
            key_id=principal.key_id,
            name=principal.name,
            role=principal.role,
            device_id=principal.device_id,
            username=principal.name.removeprefix(SESSION_KEY_PREFIX) if session else None,
            expires_at=principal.expires_at,
        )

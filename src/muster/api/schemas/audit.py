"""The audit log over the API (read-only: entries are written by the services)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from muster.domain.people import AuditEntry


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime = Field(description="When it happened (UTC).")
    actor: str = Field(description="Who: 'key:<id>:<name>' for an API key, 'cli:<user>' ...")
    action: str = Field(description="What, as '<target>.<verb>', e.g. 'correction.created'.")
    target_type: str
    target_id: int | None
    detail: dict[str, Any] = Field(description="Ids and settings; never personal data.")

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryPublic:
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            detail=entry.detail,
        )

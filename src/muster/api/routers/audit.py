"""The audit log: who changed what, newest first (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from muster.api.deps import AdminDep, ServicesDep
from muster.api.schemas.audit import AuditEntryPublic
from muster.api.schemas.ids import MAX_ROW_ID

router = APIRouter(prefix="/audit", tags=["audit"])

Text = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.get("", summary="Audit entries, newest first, filtered")
def list_audit(
    *,
    services: ServicesDep,
    _: AdminDep,
    actor: Text = None,
    action: Text = None,
    target_type: Text = None,
    target_id: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    since: Annotated[AwareDatetime | None, Query(description="Entries at or after.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Entries before.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryPublic]:
    entries = services.audit.recent(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
        limit=limit,
    )
    return [AuditEntryPublic.of(entry) for entry in entries]

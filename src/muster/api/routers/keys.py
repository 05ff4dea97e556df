"""API keys: admins create them (the token is shown once), list and revoke them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from muster.api.deps import AdminDep, ServicesDep
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.keys import KeyCreate, KeyCreated, KeyPublic

router = APIRouter(prefix="/keys", tags=["keys"])

KeyId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.post("", status_code=201, summary="Create an API key; its token is shown only now")
def create_key(body: KeyCreate, services: ServicesDep, admin: AdminDep) -> KeyCreated:
    issued = services.key_admin.issue(
        name=body.name, role=body.role, device_id=body.device_id, actor=admin.actor
    )
    return KeyCreated.issued(issued)


@router.get("", summary="List API keys (never their tokens)")
def list_keys(
    services: ServicesDep,
    _: AdminDep,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = False,
) -> list[KeyPublic]:
    return [KeyPublic.of(key) for key in services.key_admin.all(include_revoked=include_revoked)]


@router.post("/{key_id}/revoke", summary="Revoke a key; it is refused from now on")
def revoke_key(key_id: KeyId, services: ServicesDep, admin: AdminDep) -> KeyPublic:
    return KeyPublic.of(services.key_admin.revoke(key_id, actor=admin.actor))

"""The kiosk's PIN fallback: admins set people's PINs; a kiosk checks someone in by code and
PIN when the camera cannot recognise them (when kiosk.pin_fallback is on)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Response

from muster.api.deps import AdminDep, DeviceDep, ServicesDep
from muster.api.schemas.checkins import CheckinPublic, IdempotencyKey
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.pins import PinCheckinCreate, PinUpdate
from muster.api.uploads import invalid
from muster.services.pins import PinCheckin

router = APIRouter(tags=["check-in"])

PersonId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.put("/people/{person_id}/pin", status_code=204, summary="Set a person's PIN")
def set_pin(
    person_id: PersonId, body: PinUpdate, services: ServicesDep, admin: AdminDep
) -> Response:
    services.pins.set_pin(person_id, body.pin, actor=admin.actor)
    return Response(status_code=204)


@router.delete("/people/{person_id}/pin", status_code=204, summary="Remove a person's PIN")
def clear_pin(person_id: PersonId, services: ServicesDep, admin: AdminDep) -> Response:
    services.pins.clear_pin(person_id, actor=admin.actor)
    return Response(status_code=204)


@router.post(
    "/checkins/pin",
    summary="Check in (or out) by code and PIN",
    description="The fallback for people the camera cannot recognise, when kiosk.pin_fallback "
    "is on (403 pin_fallback_disabled otherwise). Same decisions and idempotency as "
    "POST /checkins. A wrong code or PIN is 400 invalid_pin; after kiosk.max_wrong_pins of "
    "them within kiosk.failure_window_s the device gets 429 too_many_attempts.",
)
def check_in_by_pin(
    body: PinCheckinCreate,
    services: ServicesDep,
    device: DeviceDep,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> CheckinPublic:
    if device.device_id is None:
        raise HTTPException(403, "a device key checks in only as its own device")
    if idempotency_key and body.idempotency_key not in {None, idempotency_key}:
        raise invalid("idempotency_key", "differs from the Idempotency-Key header")
    result = services.pins.check_in(
        PinCheckin(
            device_id=device.device_id,
            code=body.code,
            pin=body.pin,
            idempotency_key=idempotency_key or body.idempotency_key,
            captured_at=body.captured_at,
        )
    )
    return CheckinPublic.of(result)

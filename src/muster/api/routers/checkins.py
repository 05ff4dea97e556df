"""Check-ins from kiosks and cameras. Only a device key may check in, and only as its own
device."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException

from muster.api.deps import DeviceDep, ServicesDep
from muster.api.schemas.checkins import CheckinCreate, CheckinPublic, IdempotencyKey
from muster.api.uploads import ImageUpload, image_upload_openapi, invalid, read_image_upload
from muster.services.checkin import CheckinRequest

router = APIRouter(tags=["check-in"])


@router.post(
    "/checkins",
    summary="Check in (or out) the largest face in a photo",
    description="Recognises the largest face and decides: checked_in / checked_out "
    "(recorded), already_checked_in, duplicate, not_recognised (queued for review) or "
    "no_face. Send an Idempotency-Key header (or field) so a retry returns the original "
    "answer instead of recording twice.",
    openapi_extra=image_upload_openapi(CheckinCreate),
)
def check_in(
    upload: Annotated[ImageUpload, Depends(read_image_upload)],
    services: ServicesDep,
    device: DeviceDep,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> CheckinPublic:
    fields = upload.fields_as(CheckinCreate)
    if device.device_id is None or fields.device_id not in {None, device.device_id}:
        raise HTTPException(403, "a device key checks in only as its own device")
    if idempotency_key and fields.idempotency_key not in {None, idempotency_key}:
        raise invalid("idempotency_key", "differs from the Idempotency-Key header")
    result = services.checkins.check_in(
        CheckinRequest(
            device_id=device.device_id,
            image=upload.image,
            idempotency_key=idempotency_key or fields.idempotency_key,
            captured_at=fields.captured_at,
        )
    )
    return CheckinPublic.of(result)

"""Check-ins from kiosks and cameras. Only a device key may check in, and only as its own
device."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException

from muster.api.deps import DeviceDep, ServicesDep
from muster.api.schemas.checkins import CheckinCreate, CheckinPublic, IdempotencyKey
from muster.api.schemas.liveness import LiveCheckinCreate, LiveCheckinPublic
from muster.api.uploads import (
    ImageUpload,
    PhotosUpload,
    frames_upload_openapi,
    image_upload_openapi,
    invalid,
    read_frames_upload,
    read_image_upload,
)
from muster.services.checkin import CheckinRequest
from muster.services.keys import Principal
from muster.services.liveness import LiveCheckinRequest

router = APIRouter(tags=["check-in"])


@router.post(
    "/checkins",
    summary="Check in (or out) the largest face in a photo",
    description="Recognises the largest face and decides: checked_in / checked_out "
    "(recorded), already_checked_in, duplicate, not_recognised (queued for review) or "
    "no_face. Send an Idempotency-Key header (or field) so a retry returns the original "
    "answer instead of recording twice. While liveness.required is on, a single photo is "
    "refused (403 liveness_required): answer a challenge at POST /checkins/live instead. A "
    "device paused after failed liveness checks gets 429 liveness_paused with Retry-After.",
    openapi_extra=image_upload_openapi(CheckinCreate),
)
def check_in(
    upload: Annotated[ImageUpload, Depends(read_image_upload)],
    services: ServicesDep,
    device: DeviceDep,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> CheckinPublic:
    fields = upload.fields_as(CheckinCreate)
    device_id = _own_device(device, fields.device_id)
    result = services.checkins.check_in(
        CheckinRequest(
            device_id=device_id,
            image=upload.image,
            idempotency_key=_one_key(idempotency_key, fields.idempotency_key),
            captured_at=fields.captured_at,
        )
    )
    return CheckinPublic.of(result)


@router.post(
    "/checkins/live",
    summary="Check in with the answer to a liveness challenge (a burst of frames)",
    description="`frames`: the frames captured while the person followed the challenge "
    "(about 10 over 2 s, in order; at most liveness.max_challenge_frames), and "
    "`challenge_id` from POST /liveness/challenges. The answer passes when the frames show "
    "one person throughout, making the asked movement like a head (not a flat picture), and "
    "pass the passive check; the most frontal frame is then checked in as POST /checkins "
    "would (the event records liveness_passed). Otherwise the decision is liveness_failed, "
    "`liveness.failure` says why, and the failure counts towards the device's cool-down. An "
    "expired or already answered challenge fails as `expired`; one never issued to this "
    "device is 404.",
    openapi_extra=frames_upload_openapi(LiveCheckinCreate),
)
def check_in_live(
    upload: Annotated[PhotosUpload, Depends(read_frames_upload)],
    services: ServicesDep,
    device: DeviceDep,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> LiveCheckinPublic:
    fields = upload.fields_as(LiveCheckinCreate)
    device_id = _own_device(device, fields.device_id)
    result = services.liveness.check_in(
        LiveCheckinRequest(
            device_id=device_id,
            challenge_id=fields.challenge_id,
            frames=[frame for _, frame in upload.photos],
            idempotency_key=_one_key(idempotency_key, fields.idempotency_key),
            captured_at=fields.captured_at,
        )
    )
    return LiveCheckinPublic.of_live(result)


def _own_device(device: Principal, claimed: int | None) -> int:
    """The calling key's device; 403 when it names none or another was claimed."""
    if device.device_id is None or claimed not in {None, device.device_id}:
        raise HTTPException(403, "a device key checks in only as its own device")
    return device.device_id


def _one_key(header: str | None, field: str | None) -> str | None:
    """The idempotency key from the header or the field; 422 when they differ."""
    if header and field not in {None, header}:
        raise invalid("idempotency_key", "differs from the Idempotency-Key header")
    return header or field

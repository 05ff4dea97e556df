"""Liveness: a kiosk asks for a challenge (its answer goes to POST /checkins/live), and staff
see and lift the pauses of devices whose liveness checks kept failing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response

from muster.api.deps import AdminDep, DeviceDep, ServicesDep, StaffDep
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.liveness import ChallengePublic, DevicePausePublic

router = APIRouter(tags=["liveness"])

DeviceId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.post(
    "/liveness/challenges",
    status_code=201,
    summary="Issue a liveness challenge to this kiosk",
    description="The server draws the movement (turn_left, turn_right or nod) at random. Show "
    "`instruction`, capture a burst of about 10 frames over 2 s while the person follows it, "
    "and send them with `challenge_id` to POST /checkins/live before `expires_at`; a "
    "challenge is answered once. A paused device gets 429 liveness_paused (Retry-After).",
)
def issue_challenge(services: ServicesDep, device: DeviceDep) -> ChallengePublic:
    if device.device_id is None:
        raise HTTPException(403, "this device key names no device")
    return ChallengePublic.of(services.liveness.issue(device.device_id))


@router.get(
    "/liveness/pauses",
    summary="Devices whose face check-in is paused after failed liveness checks",
    description="Each pause ends by itself at `paused_until`; an admin may lift it sooner.",
)
def list_pauses(services: ServicesDep, _: StaffDep) -> list[DevicePausePublic]:
    return [
        DevicePausePublic.of(pause, services.devices.device(pause.device_id))
        for pause in services.liveness.active_pauses()
    ]


@router.delete(
    "/liveness/pauses/{device_id}",
    status_code=204,
    response_class=Response,
    summary="Lift a device's liveness pause now",
    description="Face check-in resumes at once and failures are counted afresh (audited). "
    "404 when the device is not paused.",
)
def lift_pause(device_id: DeviceId, services: ServicesDep, admin: AdminDep) -> None:
    services.liveness.lift(device_id, actor=admin.actor)

"""Pairing kiosks: an admin makes a short code for a device, the kiosk trades it (once) for
a device key, and a paired kiosk reads who it is."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from muster.api.deps import AdminDep, DeviceDep, ServicesDep
from muster.api.schemas.pairing import (
    KioskSession,
    PairingCodeCreate,
    PairingCodePublic,
    PairingRedeem,
    PairingRedeemed,
)

router = APIRouter(tags=["pairing"])


@router.post(
    "/pairing-codes",
    status_code=201,
    summary="Make a one-use pairing code for a device",
    description="Type the code at the kiosk (/kiosk) instead of a long API key; it is valid "
    "for `valid_minutes` and works once.",
)
def create_pairing_code(
    body: PairingCodeCreate, services: ServicesDep, admin: AdminDep
) -> PairingCodePublic:
    code = services.pairing.create(
        body.device_id, valid_minutes=body.valid_minutes, actor=admin.actor
    )
    return PairingCodePublic.of(code)


@router.post(
    "/pairing-codes/redeem",
    summary="Trade a pairing code for a device key (no key needed)",
    description="Wrong codes are counted per client address (kiosk.max_wrong_pairing_codes "
    "within kiosk.failure_window_s); past that, 429 too_many_attempts.",
)
def redeem_pairing_code(
    body: PairingRedeem, request: Request, services: ServicesDep
) -> PairingRedeemed:
    client = request.client.host if request.client else "unknown"
    return PairingRedeemed.of(services.pairing.redeem(body.code, client=client))


@router.get("/kiosk/session", summary="Who this kiosk is and how it should behave")
def kiosk_session(services: ServicesDep, device: DeviceDep) -> KioskSession:
    if device.device_id is None:
        raise HTTPException(403, "this device key names no device")
    return KioskSession.of(
        services.devices.device(device.device_id),
        services.settings.kiosk,
        liveness_required=services.settings.liveness.required,
    )

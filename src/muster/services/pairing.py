"""Pairing a kiosk without typing a long key on a tablet: an admin makes a short pairing code
for a device (valid some minutes, one use); the kiosk exchanges it for a device API key of
its own, issued through the key administration (so it is audited like any other key).

Codes are 8 characters from 31 unambiguous ones (no 0/O, 1/I/L), about 40 bits: with the
per-address limit on wrong codes (kiosk.max_wrong_pairing_codes per kiosk.failure_window_s)
and a validity of minutes, guessing one is hopeless. Pending codes live in this process only:
a restart forgets them (make a new one), and with several replicas the kiosk must reach the
one that made its code.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.config import KioskSettings
from muster.domain.errors import MusterError
from muster.domain.people import Device, Role
from muster.services.attempts import FailureLimiter
from muster.services.devices import KeyAdministration
from muster.services.keys import IssuedKey
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.devices import DeviceRepository

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_MAX_PENDING = 1000


class InvalidPairingCodeError(MusterError):
    """Unknown, expired or already used (one message for all: a guesser learns nothing)."""

    code = "invalid_pairing_code"


class PairingValidityError(MusterError):
    code = "invalid_pairing_validity"


@dataclass(frozen=True, slots=True, kw_only=True)
class PairingCode:
    """A code to type at the kiosk, shown as `ABCD-EFGH` (case, spaces and dashes are
    ignored when it is typed)."""

    code: str
    device_id: int
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Pairing:
    """A redeemed code: the device's new key (its token is shown once) and the device."""

    issued: IssuedKey
    device: Device


@dataclass(frozen=True, slots=True)
class _Pending:
    device_id: int
    expires_at: datetime
    created_by: str


def normalise_code(typed: str) -> str:
    """The code as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


class PairingService:
    def __init__(
        self,
        *,
        devices: DeviceRepository,
        key_admin: KeyAdministration,
        audit: AuditRepository,
        settings: KioskSettings,
        clock: Clock = utc_now,
    ) -> None:
        self._devices = devices
        self._key_admin = key_admin
        self._audit = audit
        self._settings = settings
        self._clock = clock
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._wrong_codes = FailureLimiter(
            max_failures=settings.max_wrong_pairing_codes,
            window_s=settings.failure_window_s,
            what="pairing codes",
        )

    def create(self, device_id: int, *, valid_minutes: int, actor: str) -> PairingCode:
        """A new one-use code for `device_id`. Raises NotFoundError for a missing device,
        PairingValidityError for a validity over kiosk.max_pairing_code_minutes."""
        limit = self._settings.max_pairing_code_minutes
        if not 1 <= valid_minutes <= limit:
            raise PairingValidityError(
                f"a pairing code is valid for 1 to {limit} minutes (kiosk.max_pairing_code_"
                f"minutes); got {valid_minutes}"
            )
        device = self._devices.get(device_id)
        expires_at = self._clock() + timedelta(minutes=valid_minutes)
        with self._lock:
            self._forget_expired()
            if len(self._pending) >= _MAX_PENDING:
                raise PairingValidityError(
                    f"{_MAX_PENDING} pairing codes are waiting already; use or let them expire"
                )
            code = self._unused_code()
            self._pending[code] = _Pending(device.id, expires_at, actor)
        self._audit.record(
            actor=actor,
            action="pairing_code.created",
            target_type="device",
            target_id=device.id,
            detail={"valid_minutes": valid_minutes},
        )
        return PairingCode(
            code=f"{code[:4]}-{code[4:]}", device_id=device.id, expires_at=expires_at
        )

    def redeem(self, typed_code: str, *, client: str) -> Pairing:
        """Exchange a code for a new device key; the code is used up. `client` (the caller's
        address) is what wrong codes are counted against. Raises TooManyAttemptsError,
        InvalidPairingCodeError, NotFoundError when the device was deleted meanwhile."""
        self._wrong_codes.check(client)
        with self._lock:
            pending = self._pending.pop(normalise_code(typed_code), None)
        if pending is None or pending.expires_at <= self._clock():
            left = self._wrong_codes.failed(client)
            raise InvalidPairingCodeError(
                f"this pairing code is unknown, expired or used; ask an admin for a new one "
                f"({left} more wrong codes are allowed from here for now)"
            )
        device = self._devices.get(pending.device_id)
        issued = self._key_admin.issue(
            name=f"{device.name} (paired)",
            role=Role.DEVICE,
            device_id=device.id,
            actor=f"pairing code of {pending.created_by}",
        )
        return Pairing(issued=issued, device=device)

    def _unused_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self._pending:
                return code

    def _forget_expired(self) -> None:
        now = self._clock()
        for code in [code for code, p in self._pending.items() if p.expires_at <= now]:
            del self._pending[code]

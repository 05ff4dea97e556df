"""The kiosk's fallback for people the camera cannot recognise: their code (external id) and
a PIN, when an admin has turned it on (kiosk.pin_fallback).

A PIN is short, so it is stored only as a salted scrypt hash made by the same
`PasswordHasher` as passwords (memory-hard: a stolen database does not give PINs away
cheaply), and wrong ones are limited per device (kiosk.max_wrong_pins within
kiosk.failure_window_s): a kiosk cannot be used to guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from muster.config import KioskSettings
from muster.domain.errors import ForbiddenError, MusterError
from muster.services.attempts import FailureLimiter
from muster.services.checkin import CheckinResult, CheckinService, IdentifiedCheckinRequest
from muster.services.passwords import PasswordHasher
from muster.services.recognition import Identity
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.people import PeopleRepository

PIN_PATTERN = re.compile(r"^[0-9]{4,12}$")
"""4 to 12 digits: what a numeric keypad types."""


class InvalidPinError(MusterError):
    """The code or the PIN is wrong (one message for both: a kiosk tells a guesser nothing)."""

    code = "invalid_pin"


class PinFormatError(MusterError):
    code = "invalid_pin_format"


class PinFallbackDisabledError(ForbiddenError):
    code = "pin_fallback_disabled"


@dataclass(frozen=True, slots=True, kw_only=True)
class PinCheckin:
    """A code and PIN typed at `device_id`, with the kiosk's idempotency key and capture
    time (see CheckinRequest)."""

    device_id: int
    code: str
    pin: str
    idempotency_key: str | None = None
    captured_at: datetime | None = None


class PinService:
    def __init__(
        self,
        *,
        people: PeopleRepository,
        audit: AuditRepository,
        checkins: CheckinService,
        settings: KioskSettings,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._people = people
        self._hasher = hasher or PasswordHasher()
        self._audit = audit
        self._checkins = checkins
        self._settings = settings
        self._wrong_pins = FailureLimiter(
            max_failures=settings.max_wrong_pins,
            window_s=settings.failure_window_s,
            what="codes or PINs",
        )

    @property
    def enabled(self) -> bool:
        return self._settings.pin_fallback

    def set_pin(self, person_id: int, pin: str, *, actor: str) -> None:
        """Give a person a (new) PIN. Raises PinFormatError, NotFoundError, ConflictError
        for an erased person."""
        if not PIN_PATTERN.fullmatch(pin):
            raise PinFormatError("a PIN is 4 to 12 digits")
        person = self._people.get(person_id)
        self._people.save(replace(person, pin_hash=self._hasher.hash(pin)))
        self._record(actor, "person.pin_set", person_id)

    def clear_pin(self, person_id: int, *, actor: str) -> None:
        """Remove a person's PIN (they can no longer check in by PIN). Raises NotFoundError,
        ConflictError for an erased person."""
        person = self._people.get(person_id)
        self._people.save(replace(person, pin_hash=None))
        self._record(actor, "person.pin_cleared", person_id)

    def check_in(self, request: PinCheckin) -> CheckinResult:
        """Check in (or out) the person whose code and PIN these are, by the rules of a
        face check-in. Raises PinFallbackDisabledError, TooManyAttemptsError while the
        device is locked out, InvalidPinError for a wrong code or PIN (and counts it), and
        what CheckinService.check_in_identified raises."""
        if not self.enabled:
            raise PinFallbackDisabledError(
                "PIN check-in is turned off (an admin can set kiosk.pin_fallback)"
            )
        limiter_key = f"device:{request.device_id}"
        self._wrong_pins.check(limiter_key)
        person = self._people.find_by_external_id(request.code.strip())
        usable = person is not None and person.active and not person.erased
        stored = person.pin_hash if person is not None and usable else None
        if stored is None:
            # As slow as a wrong PIN, so answer times do not tell which codes exist.
            self._hasher.waste_time(request.pin)
        if person is None or stored is None or not self._hasher.verify(request.pin, stored):
            left = self._wrong_pins.failed(limiter_key)
            raise InvalidPinError(
                f"the code or PIN is wrong; {left} more wrong tries are allowed here for now"
            )
        return self._checkins.check_in_identified(
            IdentifiedCheckinRequest(
                device_id=request.device_id,
                person=Identity(person_id=person.id, name=person.name),
                idempotency_key=request.idempotency_key,
                captured_at=request.captured_at,
            )
        )

    def _record(self, actor: str, action: str, person_id: int) -> None:
        # Only the fact and the person's id: never the PIN or its hash.
        self._audit.record(actor=actor, action=action, target_type="person", target_id=person_id)

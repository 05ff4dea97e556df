"""Provisioning: locations, the devices at them, and the API keys that devices and staff
use. Every change is an admin action and writes an audit entry naming its actor; entries
hold ids and settings only."""

from __future__ import annotations

from dataclasses import replace

from muster.domain.attendance import load_zone
from muster.domain.errors import MusterError
from muster.domain.people import ApiKey, Device, DeviceKind, Location, Role
from muster.services.keys import IssuedKey, KeyService
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.devices import DeviceRepository, LocationRepository


class UnknownTimeZoneError(MusterError):
    code = "unknown_time_zone"


def _checked_zone(timezone: str | None) -> None:
    if timezone is None:
        return
    try:
        load_zone(timezone)
    except ValueError as exc:
        raise UnknownTimeZoneError(str(exc)) from exc


class DeviceService:
    def __init__(
        self, locations: LocationRepository, devices: DeviceRepository, audit: AuditRepository
    ) -> None:
        self._locations = locations
        self._devices = devices
        self._audit = audit

    # Locations

    def create_location(self, *, name: str, timezone: str, actor: str) -> Location:
        """Raises UnknownTimeZoneError, ConflictError for a taken name."""
        _checked_zone(timezone)
        location = self._locations.create(name=name, timezone=timezone)
        self._record(actor, "location.created", "location", location.id, timezone=timezone)
        return location

    def locations(self) -> list[Location]:
        return self._locations.all()

    def location(self, location_id: int) -> Location:
        """Raises NotFoundError."""
        return self._locations.get(location_id)

    def update_location(
        self,
        location_id: int,
        *,
        actor: str,
        name: str | None = None,
        timezone: str | None = None,
    ) -> Location:
        """Change the given fields. Raises NotFoundError, UnknownTimeZoneError,
        ConflictError for a taken name."""
        _checked_zone(timezone)
        current = self._locations.get(location_id)
        location = self._locations.save(
            replace(current, name=name or current.name, timezone=timezone or current.timezone)
        )
        self._record(actor, "location.updated", "location", location_id, timezone=location.timezone)
        return location

    def delete_location(self, location_id: int, *, actor: str) -> None:
        """Raises NotFoundError, ConflictError while devices are at the location."""
        self._locations.delete(location_id)
        self._record(actor, "location.deleted", "location", location_id)

    # Devices

    def create_device(
        self,
        *,
        name: str,
        location_id: int,
        kind: DeviceKind,
        timezone: str | None,
        actor: str,
    ) -> Device:
        """`timezone` defaults to the location's. Raises NotFoundError for a missing
        location, UnknownTimeZoneError, ConflictError for a taken name."""
        _checked_zone(timezone)
        device = self._devices.create(
            name=name, location_id=location_id, kind=kind, timezone=timezone
        )
        self._record_device(actor, "device.created", device)
        return device

    def devices(self, *, location_id: int | None = None) -> list[Device]:
        return self._devices.all(location_id=location_id)

    def device(self, device_id: int) -> Device:
        """Raises NotFoundError."""
        return self._devices.get(device_id)

    def update_device(
        self,
        device_id: int,
        *,
        actor: str,
        name: str | None = None,
        location_id: int | None = None,
        kind: DeviceKind | None = None,
        timezone: str | None = None,
    ) -> Device:
        """Change the given fields. Raises NotFoundError (device or location),
        UnknownTimeZoneError, ConflictError for a taken name."""
        _checked_zone(timezone)
        current = self._devices.get(device_id)
        device = self._devices.save(
            replace(
                current,
                name=name or current.name,
                location_id=current.location_id if location_id is None else location_id,
                kind=kind or current.kind,
                timezone=timezone or current.timezone,
            )
        )
        self._record_device(actor, "device.updated", device)
        return device

    def delete_device(self, device_id: int, *, actor: str) -> None:
        """Delete a device and its keys. Raises NotFoundError, ConflictError when events
        were recorded at it."""
        self._devices.delete(device_id)
        self._record(actor, "device.deleted", "device", device_id)

    def _record_device(self, actor: str, action: str, device: Device) -> None:
        self._record(
            actor,
            action,
            "device",
            device.id,
            location_id=device.location_id,
            kind=device.kind.value,
            timezone=device.timezone,
        )

    def _record(
        self, actor: str, action: str, target_type: str, target_id: int, **detail: object
    ) -> None:
        self._audit.record(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=dict(detail),
        )


class KeyAdministration:
    """API keys as an admin manages them: issue (the token is returned once), list, revoke;
    each change audited. Authentication itself is `KeyService.authenticate`."""

    def __init__(self, keys: KeyService, audit: AuditRepository) -> None:
        self._keys = keys
        self._audit = audit

    def issue(self, *, name: str, role: Role, device_id: int | None, actor: str) -> IssuedKey:
        """Raises NotFoundError for a missing device. A device key must name its device
        and other keys must not (the caller validates; ValueError otherwise)."""
        issued = self._keys.issue(name=name, role=role, device_id=device_id)
        self._audit.record(
            actor=actor,
            action="api_key.created",
            target_type="api_key",
            target_id=issued.key.id,
            detail={"role": role.value, "device_id": device_id, "prefix": issued.key.prefix},
        )
        return issued

    def all(self, *, include_revoked: bool) -> list[ApiKey]:
        return self._keys.all(include_revoked=include_revoked)

    def revoke(self, key_id: int, *, actor: str) -> ApiKey:
        """Revoke at once (revoking twice is harmless). Raises NotFoundError."""
        key = self._keys.revoke(key_id)
        self._audit.record(
            actor=actor,
            action="api_key.revoked",
            target_type="api_key",
            target_id=key_id,
            detail={"role": key.role.value, "prefix": key.prefix},
        )
        return key

"""Locations and the kiosks and cameras at them."""

from __future__ import annotations

from sqlalchemy import select

from muster.domain.attendance import load_zone
from muster.domain.people import Device, DeviceKind, Location
from muster.storage.database import Database
from muster.storage.repositories.base import flush_or_conflict, get_row
from muster.storage.tables import DeviceRow, LocationRow


class LocationRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, *, name: str, timezone: str) -> Location:
        """Raises ValueError for an unknown IANA zone, ConflictError for a taken name."""
        load_zone(timezone)
        with self._db.write() as session:
            row = LocationRow(name=name, timezone=timezone)
            session.add(row)
            flush_or_conflict(session, f"a location named {name!r} already exists")
            return _to_location(row)

    def get(self, location_id: int) -> Location:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_location(get_row(session, LocationRow, location_id, "location"))

    def all(self) -> list[Location]:
        with self._db.read() as session:
            query = select(LocationRow).order_by(LocationRow.name)
            return [_to_location(row) for row in session.scalars(query)]

    def save(self, location: Location) -> Location:
        """Store name and timezone (devices keep their own zone). Raises NotFoundError,
        ConflictError for a taken name, ValueError for an unknown zone."""
        load_zone(location.timezone)
        with self._db.write() as session:
            row = get_row(session, LocationRow, location.id, "location")
            row.name, row.timezone = location.name, location.timezone
            flush_or_conflict(session, f"a location named {location.name!r} already exists")
            return _to_location(row)

    def delete(self, location_id: int) -> None:
        """Raises NotFoundError, ConflictError while devices are at the location."""
        with self._db.write() as session:
            session.delete(get_row(session, LocationRow, location_id, "location"))
            flush_or_conflict(
                session, f"location {location_id} still has devices; move or delete them first"
            )


class DeviceRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(
        self, *, name: str, location_id: int, kind: DeviceKind, timezone: str | None = None
    ) -> Device:
        """`timezone` defaults to the location's. Raises NotFoundError for a missing
        location, ConflictError for a taken name, ValueError for an unknown zone."""
        if timezone is not None:
            load_zone(timezone)
        with self._db.write() as session:
            location = get_row(session, LocationRow, location_id, "location")
            row = DeviceRow(
                name=name,
                location_id=location_id,
                kind=kind,
                timezone=timezone or location.timezone,
            )
            session.add(row)
            flush_or_conflict(session, f"a device named {name!r} already exists")
            return _to_device(row)

    def get(self, device_id: int) -> Device:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_device(get_row(session, DeviceRow, device_id, "device"))

    def all(self, *, location_id: int | None = None) -> list[Device]:
        query = select(DeviceRow).order_by(DeviceRow.name)
        if location_id is not None:
            query = query.where(DeviceRow.location_id == location_id)
        with self._db.read() as session:
            return [_to_device(row) for row in session.scalars(query)]

    def save(self, device: Device) -> Device:
        """Store name, location, kind and timezone. Raises NotFoundError (device or
        location), ConflictError for a taken name, ValueError for an unknown zone."""
        load_zone(device.timezone)
        with self._db.write() as session:
            row = get_row(session, DeviceRow, device.id, "device")
            get_row(session, LocationRow, device.location_id, "location")
            row.name, row.location_id = device.name, device.location_id
            row.kind, row.timezone = device.kind, device.timezone
            flush_or_conflict(session, f"a device named {device.name!r} already exists")
            return _to_device(row)

    def delete(self, device_id: int) -> None:
        """Delete the device and its API keys (review items keep no device). Raises
        NotFoundError, ConflictError when attendance events were recorded at it (they must
        keep their device)."""
        with self._db.write() as session:
            session.delete(get_row(session, DeviceRow, device_id, "device"))
            flush_or_conflict(
                session, f"device {device_id} has recorded attendance events and is kept"
            )


def _to_location(row: LocationRow) -> Location:
    return Location(id=row.id, name=row.name, timezone=row.timezone)


def _to_device(row: DeviceRow) -> Device:
    return Device(
        id=row.id,
        name=row.name,
        location_id=row.location_id,
        kind=row.kind,
        timezone=row.timezone,
    )

"""Locations, devices and API keys round-trip; keys are found by prefix and only a hash of
the secret is ever stored."""

from __future__ import annotations

import pytest

from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.people import DeviceKind, Role
from muster.storage import Database, Repositories

from .factories import count_rows


def test_devices_take_their_location_time_zone_unless_given_one(repos: Repositories) -> None:
    site = repos.locations.create(name="Campus", timezone="Europe/Paris")

    door = repos.devices.create(name="door", location_id=site.id, kind=DeviceKind.KIOSK)
    cam = repos.devices.create(
        name="cam", location_id=site.id, kind=DeviceKind.CAMERA, timezone="Asia/Tokyo"
    )

    assert (door.timezone, cam.timezone) == ("Europe/Paris", "Asia/Tokyo")
    assert repos.devices.get(door.id) == door
    assert repos.devices.all(location_id=site.id) == [cam, door]
    assert repos.locations.all() == [site]


def test_unknown_time_zones_missing_locations_and_taken_names_are_refused(
    repos: Repositories,
) -> None:
    site = repos.locations.create(name="Campus", timezone="UTC")
    repos.devices.create(name="door", location_id=site.id, kind=DeviceKind.KIOSK)

    with pytest.raises(ValueError, match="Mars/Olympus"):
        repos.locations.create(name="Base", timezone="Mars/Olympus")
    with pytest.raises(NotFoundError, match="location"):
        repos.devices.create(name="gate", location_id=404, kind=DeviceKind.KIOSK)
    with pytest.raises(ConflictError, match="door"):
        repos.devices.create(name="door", location_id=site.id, kind=DeviceKind.KIOSK)


def test_a_key_is_found_by_prefix_with_its_hash_and_no_secret(
    repos: Repositories, database: Database
) -> None:
    site = repos.locations.create(name="Campus", timezone="UTC")
    door = repos.devices.create(name="door", location_id=site.id, kind=DeviceKind.KIOSK)

    key = repos.keys.create(
        name="door kiosk",
        role=Role.DEVICE,
        prefix="a1b2c3",
        secret_hash="h" * 64,
        device_id=door.id,
    )
    found = repos.keys.find_by_prefix("a1b2c3")

    assert found is not None
    assert (found.key, found.secret_hash) == (key, "h" * 64)
    assert repos.keys.find_by_prefix("ffffff") is None
    assert count_rows(database, "api_keys WHERE device_id = :d", d=door.id) == 1


def test_revoked_keys_keep_their_first_revocation_time(repos: Repositories) -> None:
    key = repos.keys.create(name="ops", role=Role.OPERATOR, prefix="p1", secret_hash="x")

    revoked = repos.keys.revoke(key.id)
    again = repos.keys.revoke(key.id)

    assert revoked.revoked_at is not None
    assert again.revoked_at == revoked.revoked_at
    assert repos.keys.all() == []
    assert repos.keys.all(include_revoked=True) == [revoked]


def test_key_prefixes_are_unique_and_device_keys_name_a_device(repos: Repositories) -> None:
    repos.keys.create(name="ops", role=Role.ADMIN, prefix="same", secret_hash="x")

    with pytest.raises(ConflictError, match="same"):
        repos.keys.create(name="ops2", role=Role.ADMIN, prefix="same", secret_hash="y")
    with pytest.raises(ValueError, match="device"):
        repos.keys.create(name="kiosk", role=Role.DEVICE, prefix="k", secret_hash="z")
    with pytest.raises(NotFoundError, match="device"):
        repos.keys.create(
            name="kiosk", role=Role.DEVICE, prefix="k", secret_hash="z", device_id=404
        )

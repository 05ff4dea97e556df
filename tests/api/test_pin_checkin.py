"""The kiosk's PIN fallback over real HTTP, on SQLite and PostgreSQL: admins set PINs (stored
as salted scrypt hashes, audited), kiosks check people in and out by code and PIN with the
rules and idempotency of a face check-in, and wrong PINs lock a device out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from muster.config import Settings
from muster.domain.people import Role
from muster.storage import Repositories

from .knn_gallery import Kiosk, add_kiosk, count_rows
from .live_server import LiveServer, make_settings

MAX_WRONG_PINS = 3
PIN = "4821"


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Settings:
    """The fallback on, unless a test passes {"pin_fallback": False} indirectly."""
    kiosk = {"pin_fallback": True, "max_wrong_pins": MAX_WRONG_PINS}
    kiosk.update(getattr(request, "param", {}))
    return make_settings(database_url, tmp_path / "data", kiosk=kiosk)


@pytest.fixture
def ana(live_server: LiveServer) -> int:
    """A person with code ANA-7 and PIN 4821 (set over the API)."""
    person = Repositories.create(live_server.services.database).people.create(
        name="Ana Lima", external_id="ANA-7"
    )
    assert live_server.admin.put(f"/people/{person.id}/pin", json={"pin": PIN}).status_code == 204
    return person.id


@pytest.fixture
def kiosk(live_server: LiveServer) -> Kiosk:
    return add_kiosk(live_server)


def pin_check_in(
    server: LiveServer, kiosk: Kiosk, *, pin: str = PIN, key: str | None = None, **extra: str
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    with server.client(kiosk.token) as client:
        return client.post(
            "/checkins/pin", json={"code": "ANA-7", "pin": pin, **extra}, headers=headers
        )


def test_a_person_checks_in_and_out_by_code_and_pin_and_a_retry_records_nothing(
    live_server: LiveServer, ana: int, kiosk: Kiosk
) -> None:
    # Yesterday, so both looks fall on one day whenever the suite runs (the kiosk is in UTC).
    yesterday = datetime.now(UTC) - timedelta(days=1)
    morning = yesterday.replace(hour=9, minute=0, second=0, microsecond=0).isoformat()
    noon = yesterday.replace(hour=12, minute=0, second=0, microsecond=0).isoformat()

    first = pin_check_in(live_server, kiosk, key="pin-1", captured_at=morning)
    assert first.status_code == 200, first.text
    assert first.json()["decision"] == "checked_in"
    assert first.json()["person"] == {"person_id": ana, "name": "Ana Lima"}
    assert first.json()["similarity"] is None
    assert first.json()["box"] is None
    assert first.json()["message"].startswith("Welcome, Ana Lima")

    retried = pin_check_in(live_server, kiosk, key="pin-1", captured_at=morning)
    assert retried.json()["replayed"] is True
    assert retried.json()["event_id"] == first.json()["event_id"]

    out = pin_check_in(live_server, kiosk, key="pin-2", captured_at=noon)
    assert out.json()["decision"] == "checked_out"
    assert count_rows(live_server, "attendance_events") == 2


def test_wrong_pins_lock_the_device_out_even_for_the_right_pin(
    live_server: LiveServer, ana: int, kiosk: Kiosk
) -> None:
    for tries_left in range(MAX_WRONG_PINS - 1, -1, -1):
        wrong = pin_check_in(live_server, kiosk, pin="0000")
        assert wrong.status_code == 400
        assert wrong.json()["error"]["code"] == "invalid_pin"
        assert f"{tries_left} more wrong tries" in wrong.json()["error"]["message"]
    locked = pin_check_in(live_server, kiosk)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"

    other_kiosk = add_kiosk(live_server, name="back door")
    assert pin_check_in(live_server, other_kiosk).json()["decision"] == "checked_in"


def test_an_unknown_code_or_a_person_without_pin_is_answered_like_a_wrong_pin(
    live_server: LiveServer, ana: int, kiosk: Kiosk
) -> None:
    Repositories.create(live_server.services.database).people.create(
        name="No Pin", external_id="NOPIN-1"
    )
    with live_server.client(kiosk.token) as client:
        for code in ("NOBODY-9", "NOPIN-1"):
            answer = client.post("/checkins/pin", json={"code": code, "pin": PIN})
            assert answer.status_code == 400
            assert answer.json()["error"]["code"] == "invalid_pin"
    assert count_rows(live_server, "attendance_events") == 0


@pytest.mark.parametrize("settings", [{"pin_fallback": False}], indirect=True)
def test_pin_check_in_is_refused_while_the_fallback_is_off(
    live_server: LiveServer, ana: int, kiosk: Kiosk
) -> None:
    refused = pin_check_in(live_server, kiosk)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "pin_fallback_disabled"


def test_a_pin_is_stored_only_as_a_salted_hash_and_setting_it_is_audited(
    live_server: LiveServer, ana: int
) -> None:
    people = Repositories.create(live_server.services.database).people
    bob = people.create(name="Bob", external_id="BOB-1")
    assert live_server.admin.put(f"/people/{bob.id}/pin", json={"pin": PIN}).status_code == 204

    ana_hash, bob_hash = people.get(ana).pin_hash, people.get(bob.id).pin_hash
    assert ana_hash is not None
    assert bob_hash is not None
    assert ana_hash.startswith("scrypt$")
    assert PIN not in ana_hash
    assert ana_hash != bob_hash  # salted
    entries = live_server.services.audit.recent(action="person.pin_set")
    assert sorted(e.target_id or 0 for e in entries) == sorted([ana, bob.id])
    assert all(e.detail == {} for e in entries)

    assert live_server.admin.delete(f"/people/{bob.id}/pin").status_code == 204
    assert people.get(bob.id).pin_hash is None
    assert live_server.services.audit.recent(action="person.pin_cleared")[0].target_id == bob.id


def test_pins_are_digits_and_only_admins_set_them(
    live_server: LiveServer, ana: int, kiosk: Kiosk
) -> None:
    for bad in ("12a4", "123", "1" * 13):
        answer = live_server.admin.put(f"/people/{ana}/pin", json={"pin": bad})
        assert answer.status_code == 422, bad
    assert live_server.admin.put("/people/999/pin", json={"pin": PIN}).status_code == 404
    for token in (kiosk.token, live_server.token(Role.OPERATOR)):
        with live_server.client(token) as client:
            assert client.put(f"/people/{ana}/pin", json={"pin": PIN}).status_code == 403
    # And only a device checks in by PIN.
    answer = live_server.admin.post("/checkins/pin", json={"code": "ANA-7", "pin": PIN})
    assert answer.status_code == 403

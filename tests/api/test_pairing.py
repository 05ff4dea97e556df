"""Pairing a kiosk over real HTTP, on SQLite and PostgreSQL: an admin's short code is traded
once for a device key that works; wrong codes are limited per client address."""

from __future__ import annotations

from pathlib import Path

import pytest

from muster.config import Settings
from muster.domain.people import Role

from .knn_gallery import add_kiosk
from .live_server import LiveServer, make_settings

MAX_WRONG_CODES = 3


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        tmp_path / "data",
        kiosk={"max_wrong_pairing_codes": MAX_WRONG_CODES, "max_pairing_code_minutes": 30},
    )


def make_code(server: LiveServer, device_id: int, minutes: int = 5) -> str:
    made = server.admin.post(
        "/pairing-codes", json={"device_id": device_id, "valid_minutes": minutes}
    )
    assert made.status_code == 201, made.text
    code: str = made.json()["code"]
    return code


def test_a_pairing_code_is_traded_once_for_a_working_device_key(
    live_server: LiveServer,
) -> None:
    device_id = add_kiosk(live_server).device_id
    code = make_code(live_server, device_id)
    assert len(code) == 9
    assert code[4] == "-"

    with live_server.client() as anonymous:
        # Typed the way people type: lower case, without the dash.
        redeemed = anonymous.post(
            "/pairing-codes/redeem", json={"code": code.lower().replace("-", "")}
        )
        assert redeemed.status_code == 200, redeemed.text
        again = anonymous.post("/pairing-codes/redeem", json={"code": code})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_pairing_code"

    token = redeemed.json()["token"]
    assert redeemed.json()["device_id"] == device_id
    with live_server.client(token) as kiosk:
        session = kiosk.get("/kiosk/session")
    assert session.status_code == 200, session.text
    assert session.json()["device_id"] == device_id
    assert session.json()["device_name"] == "front door"
    assert session.json()["pin_fallback"] is False

    created = live_server.services.audit.recent(action="pairing_code.created")
    assert [(e.target_id, e.actor) for e in created] == [(device_id, "key:1:test-admin")]
    issued = live_server.services.audit.recent(action="api_key.created")
    assert issued[0].actor == "pairing code of key:1:test-admin"
    assert issued[0].detail["device_id"] == device_id


def test_wrong_codes_lock_the_address_out_even_for_a_right_code(
    live_server: LiveServer,
) -> None:
    code = make_code(live_server, add_kiosk(live_server).device_id)
    with live_server.client() as anonymous:
        for _ in range(MAX_WRONG_CODES):
            wrong = anonymous.post("/pairing-codes/redeem", json={"code": "AAAA-AAAA"})
            assert wrong.status_code == 400
        locked = anonymous.post("/pairing-codes/redeem", json={"code": code})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"


def test_only_an_admin_makes_pairing_codes_and_only_for_a_short_time(
    live_server: LiveServer,
) -> None:
    device_id = add_kiosk(live_server).device_id
    body = {"device_id": device_id, "valid_minutes": 5}
    for role in (Role.OPERATOR, Role.DEVICE):
        token = live_server.token(role, device_id=device_id if role is Role.DEVICE else None)
        with live_server.client(token) as client:
            assert client.post("/pairing-codes", json=body).status_code == 403
    with live_server.client() as anonymous:
        assert anonymous.post("/pairing-codes", json=body).status_code == 401

    too_long = live_server.admin.post(
        "/pairing-codes", json={"device_id": device_id, "valid_minutes": 31}
    )
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "invalid_pairing_validity"
    missing = live_server.admin.post("/pairing-codes", json={"device_id": 999, "valid_minutes": 5})
    assert missing.status_code == 404


def test_the_kiosk_session_needs_a_device_key(live_server: LiveServer) -> None:
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        assert operator.get("/kiosk/session").status_code == 403
    assert live_server.admin.get("/kiosk/session").status_code == 403

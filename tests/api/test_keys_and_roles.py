"""API keys, roles, devices and locations over real HTTP, on SQLite and PostgreSQL: who may
do what, keys shown once and revoked at once, device keys bound to their device, and every
admin change audited."""

from __future__ import annotations

from typing import Any

import pytest

from muster.domain.people import Role

from .knn_gallery import NO_FACE, PROBES, Kiosk, TrainFaces, add_kiosk, count_rows, enrol
from .live_server import LiveServer


def upload(photo: bytes, **fields: str) -> dict[str, Any]:
    return {"files": {"image": ("look.jpg", photo, "image/jpeg")}, "data": fields}


def test_an_admin_creates_a_key_whose_token_is_shown_once_and_works(
    live_server: LiveServer,
) -> None:
    created = live_server.admin.post("/keys", json={"name": "reception", "role": "operator"})
    listed = live_server.admin.get("/keys").json()

    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert token.startswith(f"msk_{created.json()['prefix']}_")
    mine = [key for key in listed if key["id"] == created.json()["id"]]
    assert mine == [{k: v for k, v in created.json().items() if k != "token"}]
    assert all("token" not in key for key in listed)
    with live_server.client(token) as operator:
        assert operator.get("/devices").status_code == 200


def test_a_revoked_key_is_refused_from_then_on(live_server: LiveServer) -> None:
    created = live_server.admin.post("/keys", json={"name": "temp", "role": "operator"}).json()
    with live_server.client(created["token"]) as operator:
        assert operator.get("/locations").status_code == 200

        revoked = live_server.admin.post(f"/keys/{created['id']}/revoke")
        refused = operator.get("/locations")

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert created["id"] not in [key["id"] for key in live_server.admin.get("/keys").json()]
    assert created["id"] in [
        key["id"] for key in live_server.admin.get("/keys?include_revoked=true").json()
    ]


def test_a_revoked_device_key_cannot_check_in(
    live_server: LiveServer, train_faces: TrainFaces
) -> None:
    kiosk = add_kiosk(live_server)
    [key] = [k for k in live_server.admin.get("/keys").json() if k["device_id"] == kiosk.device_id]
    live_server.admin.post(f"/keys/{key['id']}/revoke")

    with live_server.client(kiosk.token) as device:
        response = device.post("/checkins", **upload(train_faces.photo(NO_FACE)))

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        pytest.param({"name": "k", "role": "device"}, "device_id", id="device-without-device"),
        pytest.param(
            {"name": "k", "role": "admin", "device_id": 1}, "device_id", id="admin-on-a-device"
        ),
        pytest.param({"name": "", "role": "admin"}, "name", id="empty-name"),
        pytest.param({"name": "k", "role": "root"}, "role", id="unknown-role"),
    ],
)
def test_an_inconsistent_key_is_refused(
    live_server: LiveServer, body: dict[str, Any], problem: str
) -> None:
    response = live_server.admin.post("/keys", json=body)

    assert response.status_code == 422
    assert problem in response.text


@pytest.mark.parametrize(
    "path", ["/people", "/keys", "/webhooks", "/devices", "/locations", "/thresholds", "/audit"]
)
def test_a_device_key_cannot_list_people_or_read_admin_data(
    live_server: LiveServer, path: str
) -> None:
    kiosk = add_kiosk(live_server)
    with live_server.client(kiosk.token) as device:
        response = device.get(path)

    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "forbidden"


def test_a_device_key_cannot_check_in_as_another_device(
    live_server: LiveServer, train_faces: TrainFaces
) -> None:
    enrol(live_server, train_faces)
    door, gate = add_kiosk(live_server, "door"), add_kiosk(live_server, "gate")
    photo = train_faces.photo(PROBES["Barack Obama"])

    with live_server.client(door.token) as device:
        as_gate = device.post("/checkins", **upload(photo, device_id=str(gate.device_id)))
        as_itself = device.post("/checkins", **upload(photo, device_id=str(door.device_id)))

    assert as_gate.status_code == 403
    assert as_itself.status_code == 200
    assert as_itself.json()["device_id"] == door.device_id
    assert count_rows(live_server, "attendance_events") == 1


def test_staff_keys_cannot_check_in(live_server: LiveServer, train_faces: TrainFaces) -> None:
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        response = operator.post("/checkins", **upload(train_faces.photo(NO_FACE)))

    assert response.status_code == 403


def test_operators_read_devices_but_only_admins_change_them_or_keys(
    live_server: LiveServer,
) -> None:
    kiosk = add_kiosk(live_server)
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        assert operator.get(f"/devices/{kiosk.device_id}").status_code == 200
        assert operator.patch(f"/devices/{kiosk.device_id}", json={"name": "x"}).status_code == 403
        assert operator.post("/keys", json={"name": "me", "role": "admin"}).status_code == 403
        assert operator.get("/keys").status_code == 403


def test_devices_and_locations_have_time_zones_and_full_crud(live_server: LiveServer) -> None:
    admin = live_server.admin
    paris = admin.post("/locations", json={"name": "Paris", "timezone": "Europe/Paris"}).json()
    lobby = admin.post("/devices", json={"name": "lobby", "location_id": paris["id"]})
    gate = admin.post(
        "/devices",
        json={
            "name": "gate",
            "location_id": paris["id"],
            "kind": "camera",
            "timezone": "America/New_York",
        },
    )

    assert lobby.status_code == gate.status_code == 201
    assert lobby.json()["timezone"] == "Europe/Paris"  # the location's by default
    assert gate.json()["timezone"] == "America/New_York"
    moved = admin.patch(f"/devices/{lobby.json()['id']}", json={"timezone": "Asia/Tokyo"})
    assert moved.json() == {**lobby.json(), "timezone": "Asia/Tokyo"}
    assert [d["name"] for d in admin.get(f"/devices?location_id={paris['id']}").json()] == [
        "gate",
        "lobby",
    ]
    assert admin.delete(f"/locations/{paris['id']}").status_code == 409  # devices are there
    assert admin.delete(f"/devices/{gate.json()['id']}").status_code == 204
    assert admin.get(f"/devices/{gate.json()['id']}").status_code == 404
    renamed = admin.patch(f"/locations/{paris['id']}", json={"name": "Paris 11e"})
    assert renamed.json() == {**paris, "name": "Paris 11e"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/locations", {"name": "Moon", "timezone": "Moon/Base"}, id="location"),
        pytest.param(
            "/devices", {"name": "d", "location_id": 1, "timezone": "Europe/Nowhere"}, id="device"
        ),
    ],
)
def test_an_unknown_time_zone_is_refused(
    live_server: LiveServer, path: str, body: dict[str, Any]
) -> None:
    response = live_server.admin.post(path, json=body)

    assert response.status_code == 422
    assert "time zone" in response.text


def test_a_device_that_recorded_events_is_kept(
    live_server: LiveServer, train_faces: TrainFaces
) -> None:
    enrol(live_server, train_faces)
    kiosk: Kiosk = add_kiosk(live_server)
    with live_server.client(kiosk.token) as device:
        device.post("/checkins", **upload(train_faces.photo(PROBES["Barack Obama"])))

    response = live_server.admin.delete(f"/devices/{kiosk.device_id}")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_admin_changes_are_audited_with_their_actor(live_server: LiveServer) -> None:
    admin = live_server.admin
    location = admin.post("/locations", json={"name": "HQ", "timezone": "UTC"}).json()
    device = admin.post("/devices", json={"name": "d1", "location_id": location["id"]}).json()
    key = admin.post(
        "/keys", json={"name": "d1 key", "role": "device", "device_id": device["id"]}
    ).json()
    admin.post(f"/keys/{key['id']}/revoke")
    admin.delete(f"/devices/{device['id']}")

    entries = live_server.services.audit.recent(limit=10)

    assert [e.action for e in reversed(entries)] == [
        "location.created",
        "device.created",
        "api_key.created",
        "api_key.revoked",
        "device.deleted",
    ]
    [admin_key] = [k for k in admin.get("/keys").json() if k["name"] == "test-admin"]
    assert {e.actor for e in entries} == {f"key:{admin_key['id']}:test-admin"}
    assert "token" not in str([e.detail for e in entries])

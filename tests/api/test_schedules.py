"""Schedules CRUD over real HTTP, on SQLite and PostgreSQL: admins change them (audited),
operators read them, device keys get 403, and bad input is a typed error, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from muster.domain.people import DeviceKind, Group, GroupKind, Role
from muster.storage import Repositories

from .attendance_world import schedule_body
from .live_server import LiveServer


@pytest.fixture
def group(live_server: LiveServer) -> Group:
    repos = Repositories.create(live_server.services.database)
    return repos.groups.create(name="Year 7 Maths", kind=GroupKind.CLASS)


@pytest.fixture
def operator(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client(live_server.token(Role.OPERATOR)) as client:
        yield client


def test_admin_creates_reads_changes_and_deletes_a_schedule(
    live_server: LiveServer, group: Group
) -> None:
    admin = live_server.admin
    created = admin.post("/schedules", json=schedule_body(group.id, weekdays=[2, 0]))
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["weekdays"] == [0, 2]
    assert (schedule["start"], schedule["end"]) == ("08:30:00", "10:00:00")
    assert admin.get(f"/schedules/{schedule['id']}").json() == schedule

    changed = admin.patch(f"/schedules/{schedule['id']}", json={"grace_period_s": 600})
    assert changed.status_code == 200
    assert changed.json() == schedule | {"grace_period_s": 600}

    assert admin.delete(f"/schedules/{schedule['id']}").status_code == 204
    gone = admin.get(f"/schedules/{schedule['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


def test_every_schedule_change_is_audited_with_its_settings(
    live_server: LiveServer, group: Group
) -> None:
    admin = live_server.admin
    schedule_id = admin.post("/schedules", json=schedule_body(group.id)).json()["id"]
    admin.patch(f"/schedules/{schedule_id}", json={"end": "11:00", "name": "Maths"})
    admin.delete(f"/schedules/{schedule_id}")
    entries = admin.get(
        "/audit", params={"target_type": "schedule", "target_id": schedule_id}
    ).json()
    assert [e["action"] for e in entries] == [
        "schedule.deleted",
        "schedule.updated",
        "schedule.created",
    ]
    assert entries[1]["detail"] == {"changed": {"end": "11:00:00"}}
    assert entries[2]["detail"]["timezone"] == "Pacific/Auckland"
    assert {e["actor"] for e in entries} == {entries[0]["actor"]}
    assert entries[0]["actor"].endswith(":test-admin")


def test_schedules_are_listed_per_group(live_server: LiveServer, group: Group) -> None:
    repos = Repositories.create(live_server.services.database)
    other = repos.groups.create(name="Night shift", kind=GroupKind.TEAM)
    mine = live_server.admin.post("/schedules", json=schedule_body(group.id)).json()
    live_server.admin.post("/schedules", json=schedule_body(other.id, name="Night"))
    listed = live_server.admin.get("/schedules", params={"group_id": group.id}).json()
    assert listed == [mine]
    assert len(live_server.admin.get("/schedules").json()) == 2


def test_operators_read_schedules_but_cannot_change_them(
    live_server: LiveServer, group: Group, operator: httpx.Client
) -> None:
    schedule_id = live_server.admin.post("/schedules", json=schedule_body(group.id)).json()["id"]
    assert operator.get(f"/schedules/{schedule_id}").status_code == 200
    assert operator.post("/schedules", json=schedule_body(group.id)).status_code == 403
    assert operator.patch(f"/schedules/{schedule_id}", json={"name": "x"}).status_code == 403
    assert operator.delete(f"/schedules/{schedule_id}").status_code == 403
    assert live_server.admin.get(f"/schedules/{schedule_id}").json()["name"] == "Maths"


def test_a_device_key_gets_403_on_schedules(live_server: LiveServer, group: Group) -> None:
    repos = Repositories.create(live_server.services.database)
    location = repos.locations.create(name="Main building", timezone="Europe/London")
    kiosk = repos.devices.create(name="door", location_id=location.id, kind=DeviceKind.KIOSK)
    with live_server.client(live_server.token(Role.DEVICE, device_id=kiosk.id)) as device:
        assert device.get("/schedules").status_code == 403
        assert device.post("/schedules", json=schedule_body(group.id)).status_code == 403


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"timezone": "Mars/Olympus_Mons"}, id="unknown zone"),
        pytest.param({"start": "09:00", "end": "09:00"}, id="no length"),
        pytest.param({"weekdays": []}, id="no weekdays"),
        pytest.param({"weekdays": [7]}, id="weekday 7"),
        pytest.param({"weekdays": [1, 1]}, id="repeated weekday"),
        pytest.param({"start": "25:00"}, id="no such time"),
        pytest.param({"start": "09:00+02:00"}, id="time with an offset"),
        pytest.param({"grace_period_s": -1}, id="negative grace"),
        pytest.param({"name": ""}, id="empty name"),
        pytest.param({"colour": "red"}, id="unknown field"),
        pytest.param({"group_id": 2**40}, id="absurd group id"),
    ],
)
def test_invalid_schedules_are_refused_with_details(
    live_server: LiveServer, group: Group, overrides: dict[str, object]
) -> None:
    response = live_server.admin.post("/schedules", json=schedule_body(group.id) | overrides)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"]
    assert live_server.admin.get("/schedules").json() == []


def test_a_change_that_leaves_no_session_length_is_refused(
    live_server: LiveServer, group: Group
) -> None:
    schedule_id = live_server.admin.post("/schedules", json=schedule_body(group.id)).json()["id"]
    response = live_server.admin.patch(f"/schedules/{schedule_id}", json={"end": "08:30"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_schedule"
    assert live_server.admin.get(f"/schedules/{schedule_id}").json()["end"] == "10:00:00"


def test_a_schedule_for_a_missing_group_is_not_found(live_server: LiveServer) -> None:
    response = live_server.admin.post("/schedules", json=schedule_body(987_654))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        pytest.param(b"{not json", {"Content-Type": "application/json"}, id="bad json"),
        pytest.param(b"group_id=1", {"Content-Type": "text/plain"}, id="wrong content type"),
        pytest.param(b"[]", {"Content-Type": "application/json"}, id="json array"),
    ],
)
def test_malformed_bodies_are_422_not_500(
    live_server: LiveServer, content: bytes, headers: dict[str, str]
) -> None:
    response = live_server.admin.post("/schedules", content=content, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_absurd_ids_in_the_path_are_422(live_server: LiveServer) -> None:
    assert live_server.admin.get(f"/schedules/{2**70}").status_code == 422
    assert live_server.admin.get("/schedules/-3").status_code == 422


def test_the_audit_log_filters_by_time_and_keeps_the_newest_within_the_limit(
    live_server: LiveServer, group: Group
) -> None:
    admin = live_server.admin
    for name in ("First", "Second", "Third"):
        assert admin.post("/schedules", json=schedule_body(group.id, name=name)).status_code == 201
    everything = admin.get("/audit", params={"action": "schedule.created"}).json()
    assert [e["detail"]["name"] for e in everything] == ["Third", "Second", "First"]
    newest_two = admin.get("/audit", params={"action": "schedule.created", "limit": 2}).json()
    assert newest_two == everything[:2]
    oldest_at = everything[-1]["at"]
    after_oldest = admin.get("/audit", params={"action": "schedule.created", "since": oldest_at})
    assert after_oldest.json() == everything
    before_oldest = admin.get("/audit", params={"action": "schedule.created", "until": oldest_at})
    assert before_oldest.json() == []
    naive = admin.get("/audit", params={"since": "2024-03-11T08:00:00"})
    assert naive.status_code == 422

"""Registers, corrections, histories and statistics over real HTTP, on SQLite and PostgreSQL.

Real: the app under uvicorn, the database, the schedules (created through the API) and the
events (stored through the events repository at chosen instants). See attendance_world for
the people and their events.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from muster.domain.people import DeviceKind, Role

from .attendance_world import (
    MONDAY,
    TUESDAY,
    WEDNESDAY,
    World,
    build_world,
    days,
    register_by_name,
    utc,
)
from .live_server import LiveServer


@pytest.fixture
def world(live_server: LiveServer) -> World:
    return build_world(live_server)


@pytest.fixture
def operator(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client(live_server.token(Role.OPERATOR, name="office")) as client:
        yield client


@pytest.fixture
def device(live_server: LiveServer, world: World) -> Iterator[httpx.Client]:
    location = world.repos.locations.create(name="Main building", timezone="Pacific/Auckland")
    kiosk = world.repos.devices.create(
        name="front door", location_id=location.id, kind=DeviceKind.KIOSK
    )
    with live_server.client(live_server.token(Role.DEVICE, device_id=kiosk.id)) as client:
        yield client


def test_register_marks_present_late_and_absent_on_the_local_day_across_utc(
    live_server: LiveServer, world: World
) -> None:
    monday = register_by_name(live_server, world.year7, MONDAY)
    assert list(monday) == ["Ada", "Ben", "Cy", "Dee"]  # Eve is inactive and never came
    assert {name: entry["status"] for name, entry in monday.items()} == {
        "Ada": "present",
        "Ben": "late",
        "Cy": "absent",
        "Dee": "absent",  # her 23:00 check-in was on the local Sunday
    }
    assert monday["Ada"]["first_in"] == "2024-03-11T08:20:00+13:00"
    assert monday["Ada"]["arrival_delay_s"] == 0
    assert monday["Ben"]["arrival_delay_s"] == 600
    assert monday["Cy"]["first_in"] is None
    assert monday["Ada"]["timezone"] == "Pacific/Auckland"


def test_register_of_the_next_day_counts_only_that_days_events(
    live_server: LiveServer, world: World
) -> None:
    tuesday = register_by_name(live_server, world.year7, TUESDAY)
    assert {name: entry["status"] for name, entry in tuesday.items()} == {
        "Ada": "absent",
        "Ben": "absent",
        "Cy": "present",
        "Dee": "absent",
    }


def test_the_utc_day_of_the_events_has_no_session_in_the_local_calendar(
    live_server: LiveServer, world: World
) -> None:
    assert register_by_name(live_server, world.year7, MONDAY.replace(day=10)) == {}


def test_night_shift_belongs_to_the_day_it_starts_and_closes_after_midnight(
    live_server: LiveServer, world: World
) -> None:
    noor = register_by_name(live_server, world.night, MONDAY)["Noor"]
    assert noor["status"] == "late"
    assert noor["arrival_delay_s"] == 600
    assert noor["first_in"] == "2024-03-11T22:10:00-04:00"
    assert noor["last_out"] == "2024-03-12T05:50:00-04:00"
    assert noor["time_on_site_s"] == 7 * 3600 + 40 * 60
    assert register_by_name(live_server, world.night, TUESDAY)["Noor"]["status"] == "absent"


def test_status_correction_overrides_the_register_and_keeps_who_and_why(
    live_server: LiveServer, world: World, operator: httpx.Client
) -> None:
    response = operator.post(
        "/attendance/corrections",
        json={
            "person_id": world.id("Cy"),
            "day": MONDAY.isoformat(),
            "schedule_id": world.year7_schedule_id,
            "status": "excused",
            "reason": "dentist appointment, letter from parent",
        },
    )
    assert response.status_code == 201, response.text
    correction = response.json()
    cy = register_by_name(live_server, world.year7, MONDAY)["Cy"]
    assert (cy["status"], cy["derived_status"]) == ("excused", "absent")
    assert cy["correction"]["reason"] == "dentist appointment, letter from parent"
    assert cy["correction"]["actor"] == correction["actor"]
    assert correction["actor"].endswith(":office")


def test_corrections_appear_in_the_audit_log_without_their_reason(
    live_server: LiveServer, world: World, operator: httpx.Client
) -> None:
    correction = operator.post(
        "/attendance/corrections",
        json={
            "person_id": world.id("Dee"),
            "day": MONDAY.isoformat(),
            "status": "excused",
            "reason": "sick",
        },
    ).json()
    audit = live_server.admin.get("/audit", params={"action": "correction.created"})
    assert audit.status_code == 200
    [entry] = audit.json()
    assert entry["actor"] == correction["actor"]
    assert (entry["target_type"], entry["target_id"]) == ("correction", correction["id"])
    assert entry["detail"]["person_id"] == world.id("Dee")
    assert entry["detail"]["status"] == "excused"
    assert "sick" not in str(entry)
    by_actor = live_server.admin.get("/audit", params={"actor": correction["actor"]}).json()
    assert [e["id"] for e in by_actor] == [entry["id"]]


def test_a_manual_event_added_by_correction_makes_the_person_present(
    live_server: LiveServer, world: World
) -> None:
    response = live_server.admin.post(
        "/attendance/corrections",
        json={
            "person_id": world.id("Dee"),
            "day": MONDAY.isoformat(),
            "schedule_id": world.year7_schedule_id,
            "reason": "kiosk was down; teacher saw her at 08:25",
            "add_event": {"direction": "in", "at": "2024-03-11T08:25:00+13:00"},
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["event_change"] == "added"
    dee = register_by_name(live_server, world.year7, MONDAY)["Dee"]
    assert (dee["status"], dee["first_in"]) == ("present", "2024-03-11T08:25:00+13:00")
    history = live_server.admin.get(
        f"/attendance/people/{world.id('Dee')}", params=days(MONDAY, MONDAY)
    ).json()
    manual = [e for e in history["events"] if e["source"] == "manual"]
    assert [e["id"] for e in manual] == [response.json()["event_id"]]


def test_voiding_an_event_makes_the_register_ignore_it(
    live_server: LiveServer, world: World
) -> None:
    ben_in = world.events["ben_in"]
    response = live_server.admin.post(
        "/attendance/corrections",
        json={
            "person_id": world.id("Ben"),
            "day": MONDAY.isoformat(),
            "reason": "false match: that was his brother",
            "void_event_id": ben_in.id,
        },
    )
    assert response.status_code == 201, response.text
    assert register_by_name(live_server, world.year7, MONDAY)["Ben"]["status"] == "absent"
    history = live_server.admin.get(
        f"/attendance/people/{world.id('Ben')}", params=days(MONDAY, MONDAY)
    ).json()
    assert [(e["id"], e["voided"]) for e in history["events"]] == [(ben_in.id, True)]


def test_voiding_someone_elses_event_is_a_conflict(live_server: LiveServer, world: World) -> None:
    response = live_server.admin.post(
        "/attendance/corrections",
        json={
            "person_id": world.id("Cy"),
            "day": MONDAY.isoformat(),
            "reason": "wrong person",
            "void_event_id": world.events["ben_in"].id,
        },
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"status": "excused", "reason": "   "}, id="blank reason"),
        pytest.param({"status": "excused"}, id="no reason"),
        pytest.param({"reason": "nothing to change"}, id="no change"),
        pytest.param(
            {
                "reason": "both",
                "void_event_id": 1,
                "add_event": {"direction": "in", "at": "2024-03-11T08:25:00+13:00"},
            },
            id="add and void",
        ),
        pytest.param(
            {"reason": "naive", "add_event": {"direction": "in", "at": "2024-03-11T08:25:00"}},
            id="time without offset",
        ),
        pytest.param({"status": "sleeping", "reason": "?"}, id="unknown status"),
    ],
)
def test_malformed_corrections_are_refused_with_details(
    live_server: LiveServer, world: World, change: dict[str, object]
) -> None:
    body = {"person_id": world.id("Cy"), "day": MONDAY.isoformat()} | change
    response = live_server.admin.post("/attendance/corrections", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert register_by_name(live_server, world.year7, MONDAY)["Cy"]["correction"] is None


def test_correcting_a_missing_person_is_not_found(live_server: LiveServer, world: World) -> None:
    response = live_server.admin.post(
        "/attendance/corrections",
        json={"person_id": 999_999, "day": MONDAY.isoformat(), "status": "excused", "reason": "x"},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_history_lists_a_persons_entries_events_and_summary(
    live_server: LiveServer, world: World
) -> None:
    response = live_server.admin.get(
        f"/attendance/people/{world.id('Cy')}", params=days(MONDAY, WEDNESDAY)
    )
    assert response.status_code == 200
    history = response.json()
    assert [(e["day"], e["status"]) for e in history["entries"]] == [
        ("2024-03-11", "absent"),
        ("2024-03-12", "present"),
        ("2024-03-13", "absent"),
    ]
    assert [e["id"] for e in history["events"]] == [world.events["cy_in_tuesday"].id]
    assert history["summary"]["sessions"] == 3
    assert history["summary"]["attendance_rate"] == pytest.approx(1 / 3)


def test_group_summary_counts_statuses_overall_per_day_and_per_person(
    live_server: LiveServer, world: World
) -> None:
    response = live_server.admin.get(
        "/attendance/summary", params={"group_id": world.year7.id, **days(MONDAY, TUESDAY)}
    )
    assert response.status_code == 200
    summary = response.json()
    overall = summary["overall"]
    assert (overall["sessions"], overall["present"], overall["late"], overall["absent"]) == (
        8,
        2,
        1,
        5,
    )
    assert overall["attendance_rate"] == pytest.approx(3 / 8)
    assert overall["mean_late_delay_s"] == 600
    assert [(d["day"], d["summary"]["sessions"]) for d in summary["by_day"]] == [
        ("2024-03-11", 4),
        ("2024-03-12", 4),
    ]
    ben = next(p for p in summary["by_person"] if p["name"] == "Ben")["summary"]
    assert (ben["late"], ben["absent"], ben["attendance_rate"]) == (1, 1, 0.5)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param(
            {"from": "2024-03-12", "to": "2024-03-11"}, "invalid_date_range", id="reversed"
        ),
        pytest.param(
            {"from": "2023-01-01", "to": "2024-12-31"}, "invalid_date_range", id="too long"
        ),
        pytest.param({"from": "0001-01-01", "to": "0001-01-02"}, "invalid_date_range", id="year 1"),
        pytest.param(
            {"from": "2024-02-30", "to": "2024-03-01"}, "invalid_request", id="no such day"
        ),
    ],
)
def test_bad_date_ranges_are_typed_errors(
    live_server: LiveServer, world: World, params: dict[str, str], code: str
) -> None:
    response = live_server.admin.get(
        "/attendance/summary", params={"group_id": world.year7.id, **params}
    )
    assert response.status_code in {400, 422}
    assert response.json()["error"]["code"] == code


def test_register_of_a_missing_group_is_not_found(live_server: LiveServer) -> None:
    response = live_server.admin.get(
        "/attendance/register", params={"group_id": 424242, "day": "2024-03-11"}
    )
    assert response.status_code == 404


def test_operators_read_registers_but_not_the_audit_log(
    world: World, operator: httpx.Client
) -> None:
    params: dict[str, str | int] = {"group_id": world.year7.id, "day": MONDAY.isoformat()}
    assert operator.get("/attendance/register", params=params).status_code == 200
    assert operator.get("/audit").status_code == 403


def test_a_device_key_gets_403_on_every_attendance_route(
    world: World, device: httpx.Client
) -> None:
    span: dict[str, str | int] = {"group_id": world.year7.id, **days(MONDAY, TUESDAY)}
    reads: list[tuple[str, dict[str, str | int]]] = [
        ("/attendance/register", {"group_id": world.year7.id, "day": MONDAY.isoformat()}),
        ("/attendance/export", span),
        ("/attendance/summary", span),
        (f"/attendance/people/{world.id('Ada')}", dict(days(MONDAY, TUESDAY))),
        ("/audit", {}),
    ]
    for path, params in reads:
        response = device.get(path, params=params)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    correction = {
        "person_id": world.id("Ada"),
        "day": MONDAY.isoformat(),
        "status": "absent",
        "reason": "a kiosk should not be able to do this",
    }
    assert device.post("/attendance/corrections", json=correction).status_code == 403
    assert world.repos.corrections.between(MONDAY, MONDAY) == []


def test_history_shows_the_events_its_register_read_in_utc(
    live_server: LiveServer, world: World
) -> None:
    history = live_server.admin.get(
        f"/attendance/people/{world.id('Noor')}", params=days(MONDAY, MONDAY)
    ).json()
    instants = [datetime.fromisoformat(e["at"]) for e in history["events"]]
    # The check-out is on Tuesday in every zone, but Monday's night shift reads it.
    assert instants == [utc("2024-03-12T02:10"), utc("2024-03-12T09:50")]

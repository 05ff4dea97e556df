"""A small school-and-warehouse world for the attendance API tests (no faces needed).

"Year 7 Maths" meets Mon-Fri 08:30-10:00 in Pacific/Auckland (UTC+13 in March), so its
Monday 11 March 2024 session starts at 19:30 UTC on Sunday the 10th. "Night shift" works
Mon-Fri 22:00-06:00 in America/New_York (UTC-4 after the 10 March DST change), so Monday's
shift starts at 02:00 UTC on Tuesday the 12th. Schedules are created over HTTP by the admin;
people and kiosk events go through the repositories, at chosen instants.

Monday 11 March, Year 7 (grace 5 min): Ada in at 08:20 (present), Ben in at 08:40 (late by
10 min), Cy's only IN is on Tuesday (absent Monday, present Tuesday), Dee checked in at 23:00
local on Sunday (the day before: absent), Eve is inactive and never came (not listed).
Monday's night shift: Noor in at 22:10 local (late by 10 min), out at 05:50 on Tuesday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from muster.domain.attendance import AttendanceEvent, Direction, EventSource
from muster.domain.people import Group, GroupKind, Person
from muster.storage import Repositories

from .live_server import LiveServer

MONDAY = date(2024, 3, 11)
TUESDAY = date(2024, 3, 12)
WEDNESDAY = date(2024, 3, 13)


def utc(text: str) -> datetime:
    """An aware UTC instant from ISO text without an offset, e.g. '2024-03-10T19:20'."""
    return datetime.fromisoformat(text + "+00:00")


@dataclass(frozen=True)
class World:
    repos: Repositories
    year7: Group
    night: Group
    year7_schedule_id: int
    night_schedule_id: int
    people: dict[str, Person]
    events: dict[str, AttendanceEvent]

    def id(self, name: str) -> int:
        return self.people[name].id


def schedule_body(group_id: int, **overrides: object) -> dict[str, object]:
    """A Year 7 style schedule as the API takes it, with `overrides`."""
    body: dict[str, object] = {
        "group_id": group_id,
        "name": "Maths",
        "weekdays": [0, 1, 2, 3, 4],
        "start": "08:30",
        "end": "10:00",
        "timezone": "Pacific/Auckland",
        "grace_period_s": 300,
        "opens_before_s": 3600,
    }
    return body | overrides


def build_world(server: LiveServer) -> World:
    repos = Repositories.create(server.services.database)
    year7 = repos.groups.create(name="Year 7 Maths", kind=GroupKind.CLASS)
    night = repos.groups.create(name="Night shift", kind=GroupKind.TEAM)
    year7_schedule = server.admin.post("/schedules", json=schedule_body(year7.id))
    night_schedule = server.admin.post(
        "/schedules",
        json=schedule_body(
            night.id, name="Night", start="22:00", end="06:00", timezone="America/New_York"
        ),
    )
    assert year7_schedule.status_code == night_schedule.status_code == 201
    people = {
        name: repos.people.create(name=name, external_id=f"S-{name}", group_ids=(year7.id,))
        for name in ("Ada", "Ben", "Cy", "Dee")
    }
    people["Eve"] = repos.people.create(name="Eve", active=False, group_ids=(year7.id,))
    people["Noor"] = repos.people.create(name="Noor", group_ids=(night.id,))
    kiosk_looks = {
        "ada_in": ("Ada", Direction.IN, "2024-03-10T19:20"),
        "ben_in": ("Ben", Direction.IN, "2024-03-10T19:40"),
        "cy_in_tuesday": ("Cy", Direction.IN, "2024-03-11T19:25"),
        "dee_in_sunday": ("Dee", Direction.IN, "2024-03-10T10:00"),
        "noor_in": ("Noor", Direction.IN, "2024-03-12T02:10"),
        "noor_out": ("Noor", Direction.OUT, "2024-03-12T09:50"),
    }
    events = {
        key: record(repos, people[name], direction, utc(at))
        for key, (name, direction, at) in kiosk_looks.items()
    }
    return World(
        repos=repos,
        year7=year7,
        night=night,
        year7_schedule_id=year7_schedule.json()["id"],
        night_schedule_id=night_schedule.json()["id"],
        people=people,
        events=events,
    )


def record(
    repos: Repositories, person: Person, direction: Direction, at: datetime
) -> AttendanceEvent:
    """A kiosk event at `at`, stored as the check-in service stores one."""
    event, created = repos.events.append(
        AttendanceEvent(
            id=None,
            person_id=person.id,
            direction=direction,
            at=at,
            source=EventSource.KIOSK,
            similarity=0.91,
        ),
        dedupe_window_s=0,
    )
    assert created
    return event


def days(first: date, last: date) -> dict[str, str]:
    """The query parameters of a date range."""
    return {"from": first.isoformat(), "to": last.isoformat()}


def register_by_name(server: LiveServer, group: Group, day: date) -> dict[str, dict[str, Any]]:
    """The register entries of `group` on `day`, by person name (one session a day)."""
    params: dict[str, str | int] = {"group_id": group.id, "day": day.isoformat()}
    response = server.admin.get("/attendance/register", params=params)
    assert response.status_code == 200, response.text
    return {entry["name"]: entry for entry in response.json()["entries"]}

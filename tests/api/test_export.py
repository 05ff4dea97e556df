"""Register exports over real HTTP, on SQLite and PostgreSQL: the CSV holds exactly the rows
the register endpoint gives day by day, the XLSX holds the same cells as the CSV, and both
come with a file name. Real: app, database, schedules, events, a correction, openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from .attendance_world import MONDAY, TUESDAY, WEDNESDAY, World, build_world, days
from .live_server import LiveServer

DATETIME_COLUMNS = {"first_in", "last_out", "corrected_at"}
INT_COLUMNS = {"person_id", "time_on_site_s", "arrival_delay_s"}


@pytest.fixture
def world(live_server: LiveServer) -> World:
    built = build_world(live_server)
    response = live_server.admin.post(
        "/attendance/corrections",
        json={
            "person_id": built.id("Cy"),
            "day": MONDAY.isoformat(),
            "schedule_id": built.year7_schedule_id,
            "status": "excused",
            "reason": "=orthodontist, 10:00",  # a formula trigger, too
        },
    )
    assert response.status_code == 201
    return built


def export(server: LiveServer, world: World, file_format: str) -> Any:
    params: dict[str, str | int] = {
        "group_id": world.year7.id,
        "format": file_format,
        **days(MONDAY, WEDNESDAY),
    }
    response = server.admin.get("/attendance/export", params=params)
    assert response.status_code == 200, response.text
    return response


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def as_csv_row(entry: dict[str, Any]) -> dict[str, str]:
    """A register entry from the API as the CSV should write it."""
    correction = entry["correction"] or {}
    corrected_at = ""
    if correction:
        at = datetime.fromisoformat(correction["at"]).astimezone(ZoneInfo(entry["timezone"]))
        corrected_at = at.isoformat(timespec="seconds")
    reason = correction.get("reason", "")
    return {
        "day": entry["day"],
        "schedule": entry["schedule_name"],
        "person_id": str(entry["person_id"]),
        "external_id": entry["external_id"] or "",
        "name": entry["name"],
        "status": entry["status"],
        "derived_status": entry["derived_status"],
        "first_in": entry["first_in"] or "",
        "last_out": entry["last_out"] or "",
        "time_on_site_s": str(entry["time_on_site_s"]),
        "arrival_delay_s": ""
        if entry["arrival_delay_s"] is None
        else str(entry["arrival_delay_s"]),
        "timezone": entry["timezone"],
        "correction_reason": "'" + reason if reason.startswith("=") else reason,
        "corrected_by": correction.get("actor", ""),
        "corrected_at": corrected_at,
    }


def test_csv_export_holds_exactly_the_register_rows_of_every_day(
    live_server: LiveServer, world: World
) -> None:
    response = export(live_server, world, "csv")
    expected = [
        as_csv_row(entry)
        for day in (MONDAY, TUESDAY, WEDNESDAY)
        for entry in live_server.admin.get(
            "/attendance/register", params={"group_id": world.year7.id, "day": day.isoformat()}
        ).json()["entries"]
    ]
    rows = csv_rows(response.content)
    assert rows == expected
    assert len(rows) == 12  # 4 people x 3 days; Eve is inactive and never came
    assert [r["status"] for r in rows[:4]] == ["present", "late", "excused", "absent"]


def test_csv_export_is_an_attachment_named_after_the_group_and_range(
    live_server: LiveServer, world: World
) -> None:
    response = export(live_server, world, "csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="register-year-7-maths-2024-03-11-to-2024-03-13.csv"'
    )


def test_xlsx_export_holds_the_same_cells_as_the_csv(live_server: LiveServer, world: World) -> None:
    xlsx = export(live_server, world, "xlsx")
    assert xlsx.headers["content-disposition"].endswith('-2024-03-13.xlsx"')
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    header, *cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    rows = csv_rows(export(live_server, world, "csv").content)
    assert header == list(rows[0])
    assert [as_typed(row) for row in rows] == [dict(zip(header, row, strict=True)) for row in cells]


def as_typed(row: dict[str, str]) -> dict[str, object]:
    """A CSV row as the XLSX cells should hold it: local wall-clock datetimes, whole-day
    datetimes for days (openpyxl reads date cells back as datetimes), integers, None for
    empty cells."""
    typed: dict[str, object] = {}
    for header, text in row.items():
        if not text:
            typed[header] = None
        elif header == "day":
            typed[header] = datetime.combine(date.fromisoformat(text), datetime.min.time())
        elif header in DATETIME_COLUMNS:
            typed[header] = datetime.fromisoformat(text).replace(tzinfo=None)
        elif header in INT_COLUMNS:
            typed[header] = int(text)
        else:
            typed[header] = text
    return typed


def test_an_export_of_days_without_sessions_has_only_the_header(
    live_server: LiveServer, world: World
) -> None:
    weekend: dict[str, str | int] = {
        "group_id": world.year7.id,
        "from": "2024-03-16",
        "to": "2024-03-17",
    }
    response = live_server.admin.get("/attendance/export", params=weekend)
    assert response.status_code == 200
    assert response.content.decode().splitlines()[0].startswith("day,schedule,person_id")
    assert csv_rows(response.content) == []


def test_an_unknown_export_format_is_refused(live_server: LiveServer, world: World) -> None:
    params: dict[str, str | int] = {
        "group_id": world.year7.id,
        "format": "pdf",
        **days(MONDAY, MONDAY),
    }
    response = live_server.admin.get("/attendance/export", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"

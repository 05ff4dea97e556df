"""Reports in a real Chromium: the CSV the page downloads holds exactly the rows of the
register API, and the charts are drawn (inline SVG) from the same data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from .admin import HR_MANAGER, admin_screenshot, open_classroom, sign_in
from .server import AppServer
from .world import KNOWN_NAME, KNOWN_PROBE, add_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.models]


def test_the_csv_export_matches_the_register_api(
    admin_page: Page,
    server: AppServer,
    admin: httpx.Client,
    people: dict[str, int],
    faces_dir: Path,
) -> None:
    classroom = open_classroom(admin, sorted(people.values()), late_after_s=60)
    kiosk = add_kiosk(admin)
    with httpx.Client(base_url=server.base_url, timeout=60) as device:
        answer = device.post(
            "/checkins",
            headers={"Authorization": f"Bearer {kiosk.token}"},
            files={"image": ("probe.jpg", (faces_dir / KNOWN_PROBE).read_bytes(), "image/jpeg")},
        )
    assert answer.json()["decision"] == "checked_in", answer.text

    sign_in(admin_page, server, HR_MANAGER, to="/admin/reports")
    admin_page.get_by_label("From", exact=True).fill(classroom.day)
    admin_page.get_by_label("To", exact=True).fill(classroom.day)
    admin_page.get_by_role("button", name="Show").click()
    expect(admin_page.locator("#kpi-sessions")).to_have_text(str(len(people)))
    expect(admin_page.locator("#kpi-late")).to_have_text("1")
    expect(admin_page.get_by_role("img", name="Attendance rate by day, 1 days")).to_be_visible()
    expect(admin_page.get_by_role("img", name="Arrival times", exact=False)).to_be_visible()
    expect(admin_page.get_by_role("img", name="Late arrivals per person, 1 people")).to_be_visible()
    with admin_page.expect_download() as downloading:
        admin_page.get_by_role("button", name="Download CSV").click()
    download = downloading.value

    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(text)))
    register = admin.get(
        "/attendance/register", params={"group_id": classroom.group_id, "day": classroom.day}
    )
    assert register.status_code == 200, register.text
    entries = register.json()["entries"]
    assert [(row["name"], row["status"], row["person_id"]) for row in exported] == [
        (entry["name"], entry["status"], str(entry["person_id"])) for entry in entries
    ]
    late = next(row for row in exported if row["name"] == KNOWN_NAME)
    assert late["status"] == "late"
    assert late["first_in"] != ""
    assert sorted(row["status"] for row in exported) == ["absent"] * (len(people) - 1) + ["late"]
    admin_screenshot(admin_page, "reports-today")

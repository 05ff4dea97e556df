"""The live register in a real Chromium: a check-in made at a kiosk (over HTTP, with a device
key and a real photo, recognised by the real models) shows up on the open page without a
reload, with the counts and the person's timeline."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from .admin import HR_MANAGER, admin_screenshot, open_classroom, sign_in
from .server import AppServer
from .world import KNOWN_NAME, KNOWN_PROBE, add_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.models]

REFRESH_TIMEOUT_MS = 20_000  # the page polls every 5 s


def test_a_kiosk_check_in_appears_in_the_open_live_register(
    admin_page: Page,
    server: AppServer,
    admin: httpx.Client,
    people: dict[str, int],
    faces_dir: Path,
) -> None:
    open_classroom(admin, sorted(people.values()), late_after_s=3600)
    kiosk = add_kiosk(admin)
    sign_in(admin_page, server, HR_MANAGER)
    row = admin_page.locator("#register-rows tr", has_text=KNOWN_NAME)
    expect(row).to_contain_text("Absent")
    expect(admin_page.locator("#count-absent")).to_have_text(str(len(people)))
    expect(admin_page.locator("#count-present")).to_have_text("0")

    with httpx.Client(base_url=server.base_url, timeout=60) as device:
        answer = device.post(
            "/checkins",
            headers={"Authorization": f"Bearer {kiosk.token}"},
            files={"image": ("probe.jpg", (faces_dir / KNOWN_PROBE).read_bytes(), "image/jpeg")},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"] == "checked_in"

    expect(row).to_contain_text("Present", timeout=REFRESH_TIMEOUT_MS)
    expect(admin_page.locator("#count-present")).to_have_text("1")
    expect(admin_page.locator("#count-absent")).to_have_text(str(len(people) - 1))
    expect(admin_page.locator("#register-status")).to_contain_text("Live")

    row.get_by_role("button", name=KNOWN_NAME).click()
    timeline = admin_page.locator("#timeline-body")
    expect(timeline.get_by_role("img", name=f"Timeline of {KNOWN_NAME}")).to_be_visible()
    expect(timeline.locator(".events li")).to_have_count(1)
    expect(timeline.locator(".events li")).to_contain_text("kiosk")
    expect(timeline.locator(".marker.in")).to_have_count(1)
    admin_screenshot(admin_page, "register-live")


def test_a_correction_with_a_reason_changes_the_register(
    admin_page: Page, server: AppServer, admin: httpx.Client, people: dict[str, int]
) -> None:
    classroom = open_classroom(admin, sorted(people.values()), late_after_s=300)
    sign_in(admin_page, server, HR_MANAGER)
    name = "Rose Leslie"
    admin_page.locator("#register-rows tr", has_text=name).get_by_role("button", name=name).click()

    form = admin_page.locator("form.correction")
    form.get_by_label("Status").select_option("excused")
    form.get_by_label("Reason (kept in the audit trail)").fill("Dentist, letter from home")
    form.get_by_role("button", name="Save correction").click()

    expect(admin_page.locator("#register-rows tr", has_text=name)).to_contain_text("Excused")
    expect(admin_page.locator("#count-excused")).to_have_text("1")
    register = admin.get(
        "/attendance/register", params={"group_id": classroom.group_id, "day": classroom.day}
    ).json()
    corrected = next(e for e in register["entries"] if e["name"] == name)
    assert corrected["status"] == "excused"
    assert corrected["correction"]["reason"] == "Dentist, letter from home"
    assert corrected["correction"]["actor"].endswith(f"user:{HR_MANAGER.username}")

"""Every main admin page on a lived-in world, in a real Chromium, saved as screenshots
(out/screenshots/admin-*.png, the README's pictures): four weeks of a class's attendance,
today's arrivals, a stranger waiting in the review queue, kiosks, keys and a webhook.

Past events are stored through the repositories at chosen instants (as kiosks would have
recorded them); the stranger goes through a real kiosk check-in with a real photo, and the
enrolled faces shown come from a real upload. Each page is checked for what it shows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from muster.domain.attendance import AttendanceEvent, Direction, EventSource
from muster.storage import Repositories

from .admin import HR_MANAGER, Classroom, admin_screenshot, open_classroom, sign_in
from .server import AppServer
from .world import ENROLLED, KNN, KNOWN_NAME, STRANGER, add_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.models]

HISTORY_DAYS = 27
STARTS = time(8, 30)  # UTC, like the browser
ARRIVAL_OFFSETS_MIN = {  # each person's habit: minutes after the start they arrive
    "Alex Lacamoire": -12,
    "Joe Biden": -4,
    "Kit Harington": 3,
    "Barack Obama": -8,
    "Rose Leslie": 9,
}


def store_history(server: AppServer, people: dict[str, int], classroom: Classroom) -> None:
    """Check-ins (and check-outs 7 h later) over the past HISTORY_DAYS days and today, at
    each person's habit plus a day-to-day wobble; about one absence in nine. Today's run only
    up to now."""
    repos = Repositories.create(server.services.database)
    schedule = repos.schedules.get(classroom.schedule_id)
    start_today = datetime.combine(datetime.now(UTC).date(), schedule.start, tzinfo=UTC)
    now = datetime.now(UTC)
    for back in range(HISTORY_DAYS, -1, -1):
        start = start_today - timedelta(days=back)
        for index, (name, person_id) in enumerate(sorted(people.items())):
            wobble = (back * 7 + index * 5) % 11 - 4
            if (back + 2 * index) % 9 == 6:
                continue  # absent that day
            arrived = start + timedelta(minutes=ARRIVAL_OFFSETS_MIN[name] + wobble)
            for direction, at in (
                (Direction.IN, arrived),
                (Direction.OUT, arrived + timedelta(hours=5)),
            ):
                if at < now:
                    repos.events.append(
                        AttendanceEvent(
                            id=None,
                            person_id=person_id,
                            direction=direction,
                            at=at,
                            source=EventSource.KIOSK,
                            similarity=0.95,
                        ),
                        dedupe_window_s=0,
                    )


def record_consent(admin: httpx.Client, person_ids: list[int]) -> None:
    for person_id in person_ids:
        consent = admin.put(f"/people/{person_id}/consent", json={"method": "Signed paper form"})
        assert consent.status_code == 200, consent.text


def enrol_with_thumbnails(admin: httpx.Client, person_id: int, photos: list[Path]) -> None:
    files = [("photos", (path.name, path.read_bytes(), "image/jpeg")) for path in photos]
    enrolled = admin.post(f"/people/{person_id}/templates", files=files)
    assert enrolled.status_code == 201, enrolled.text


def test_the_main_admin_pages_show_a_lived_in_world(
    admin_page: Page,
    server: AppServer,
    admin: httpx.Client,
    people: dict[str, int],
    faces_dir: Path,
) -> None:
    classroom = open_classroom(admin, sorted(people.values()), late_after_s=300, starts=STARTS)
    store_history(server, people, classroom)
    record_consent(admin, sorted(people.values()))
    obama = people[KNOWN_NAME]
    train = faces_dir / KNN / "train" / ENROLLED[KNOWN_NAME][0]
    enrol_with_thumbnails(admin, obama, sorted(train.iterdir()))
    kiosk = add_kiosk(admin, "Front door")
    add_kiosk(admin, "Sports hall")
    assert admin.post("/keys", json={"name": "Payroll export", "role": "operator"}).status_code
    webhook = admin.post(
        "/webhooks", json={"url": "https://hr.example.org/muster", "events": ["attendance.created"]}
    )
    assert webhook.status_code == 201, webhook.text
    with httpx.Client(base_url=server.base_url, timeout=60) as device:
        stranger = device.post(
            "/checkins",
            headers={"Authorization": f"Bearer {kiosk.token}"},
            files={"image": ("frame.png", (faces_dir / STRANGER).read_bytes(), "image/png")},
        )
    assert stranger.json()["decision"] == "not_recognised", stranger.text

    sign_in(admin_page, server, HR_MANAGER)
    rows = admin_page.locator("#register-rows tr")
    expect(rows).to_have_count(len(people))
    admin_page.get_by_role("button", name=KNOWN_NAME).click()
    expect(admin_page.get_by_role("img", name=f"Timeline of {KNOWN_NAME}")).to_be_visible()
    admin_screenshot(admin_page, "register")

    admin_page.get_by_role("link", name="People", exact=True).click()
    expect(admin_page.locator("#people-rows tr")).to_have_count(len(people))
    admin_screenshot(admin_page, "people")

    admin_page.get_by_role("link", name=KNOWN_NAME).click()
    expect(admin_page.locator("#templates img")).to_have_count(2)
    expect(admin_page.locator("#history-rows tr")).to_have_count(14)
    admin_screenshot(admin_page, "person", full_page=True)

    admin_page.get_by_role("link", name="Reports").click()
    for chart in ("Attendance rate by day", "Arrival times", "Late arrivals per person"):
        expect(admin_page.get_by_role("img", name=chart, exact=False)).to_be_visible()
    expect(admin_page.locator("#by-person-rows tr")).to_have_count(len(people))
    admin_screenshot(admin_page, "reports", full_page=True)

    admin_page.get_by_role("link", name="Review").click()
    cards = admin_page.locator(".face-card")
    expect(cards).to_have_count(1)
    expect(cards.first.locator("img")).to_have_js_property("complete", value=True)
    expect(admin_page.locator("#audit-rows")).to_contain_text("templates.enrolled")
    admin_screenshot(admin_page, "review")

    admin_page.get_by_role("link", name="Settings").click()
    expect(admin_page.locator("#devices-rows tr")).to_have_count(2)
    expect(admin_page.locator("#keys-rows")).to_contain_text("Payroll export")
    expect(admin_page.locator("#webhooks-list")).to_contain_text("https://hr.example.org/muster")
    admin_screenshot(admin_page, "settings")

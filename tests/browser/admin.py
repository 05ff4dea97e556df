"""The admin pages' part of the browser tier (fixtures are imported by conftest.py).

Real: staff users made through the account service with real scrypt-hashed passwords who sign
in at /admin/login like anyone would; a fresh headless Chromium per test (UTC, British
English, downloads allowed) on the same server as the kiosk tests; kiosk check-ins posted over
HTTP with a device key and a real photo. Screenshots land in out/screenshots/admin-*.png.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from muster.domain.people import GroupKind, Role

# conftest.py imports this module's fixtures, so its names are read when a fixture runs
# (by then it is fully imported), never at import time.
from . import conftest as harness
from .server import AppServer


@dataclass(frozen=True)
class StaffUser:
    username: str
    password: str
    role: Role


HR_MANAGER = StaffUser("hr.manager", "correct horse battery staple", Role.ADMIN)
TEACHER = StaffUser("teacher", "purple elephant at sunrise", Role.OPERATOR)


@pytest.fixture
def staff(server: AppServer) -> list[StaffUser]:
    """An admin (the HR manager) and an operator (a teacher), as `muster users create` makes
    them."""
    for user in (HR_MANAGER, TEACHER):
        server.services.accounts.create_user(
            user.username, role=user.role, password=user.password, actor="test"
        )
    return [HR_MANAGER, TEACHER]


AdminOpener = Callable[[Path | None], Page]


@pytest.fixture
def open_admin(playwright: Playwright, staff: list[StaffUser]) -> Iterator[AdminOpener]:
    """Opens a blank page in a fresh Chromium, not signed in, whose webcam plays `video`
    (None: no camera). A script error on any page fails the test."""
    browsers: list[Browser] = []
    errors: list[str] = []

    def open_with(video: Path | None) -> Page:
        args = [*harness.BASE_ARGS]
        if video is not None:
            args += [*harness.FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]
        browser = playwright.chromium.launch(
            executable_path=harness.CHROMIUM, headless=True, args=args
        )
        browsers.append(browser)
        context = browser.new_context(
            viewport=harness.VIEWPORT, timezone_id="UTC", locale="en-GB", accept_downloads=True
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_with
    for browser in browsers:
        browser.close()
    assert errors == [], f"script errors on the admin pages: {errors}"


@pytest.fixture
def admin_page(open_admin: AdminOpener) -> Page:
    """A page in a fresh Chromium without a camera, not signed in."""
    return open_admin(None)


def sign_in(page: Page, server: AppServer, user: StaffUser, *, to: str = "/admin/register") -> None:
    """Signs `user` in at /admin/login (coming from `to`) and waits for the page behind it."""
    page.goto(f"{server.base_url}{to}")
    expect(page).to_have_url(f"{server.base_url}/admin/login?next={to.replace('/', '%2F')}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body")).to_have_attribute("data-session", "ready")


def session_token(page: Page) -> str:
    """The session key the signed-in page holds (sessionStorage), as the API sees it."""
    token: str = page.evaluate(
        "() => JSON.parse(sessionStorage.getItem('muster.admin.session')).token"
    )
    return token


def admin_screenshot(
    page: Page, name: str, *, full_page: bool = False, of: str | None = None
) -> Path:
    """Saves out/screenshots/admin-<name>.png: the viewport, the whole page, or just the
    element `of` (a CSS selector)."""
    harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = harness.SCREENSHOTS / f"admin-{name}.png"
    if of is not None:  # the sticky header would cover the element's top
        page.locator(of).screenshot(path=path, style=".admin-bar { position: static; }")
        return path
    if full_page:  # else the sticky header is drawn where the page was scrolled to
        page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=full_page)
    return path


@dataclass(frozen=True)
class Classroom:
    group_id: int
    schedule_id: int
    day: str
    """Today (UTC), the day of the session the register shows."""


def open_classroom(
    admin: httpx.Client, person_ids: list[int], *, late_after_s: int, starts: time | None = None
) -> Classroom:
    """A class that meets every day for seven hours, from `starts` (UTC) or else from ten
    minutes ago, with `person_ids` in it; an arrival more than `late_after_s` after the start
    is late. Made over HTTP by the admin."""
    now = datetime.now(UTC)
    if starts is None:
        start = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0, second=0))
    else:
        start = datetime.combine(now.date(), starts, tzinfo=UTC)
    group = admin.post("/groups", json={"name": "Year 7 Maths", "kind": GroupKind.CLASS})
    assert group.status_code == 201, group.text
    group_id = int(group.json()["id"])
    for person_id in person_ids:
        joined = admin.patch(f"/people/{person_id}", json={"group_ids": [group_id]})
        assert joined.status_code == 200, joined.text
    schedule = admin.post(
        "/schedules",
        json={
            "group_id": group_id,
            "name": "Maths",
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
            "start": start.strftime("%H:%M"),
            "end": (start + timedelta(hours=7)).strftime("%H:%M"),
            "timezone": "UTC",
            "grace_period_s": late_after_s,
            "opens_before_s": 3600,
        },
    )
    assert schedule.status_code == 201, schedule.text
    return Classroom(
        group_id=group_id, schedule_id=int(schedule.json()["id"]), day=start.date().isoformat()
    )

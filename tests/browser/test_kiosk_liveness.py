"""The kiosk's liveness challenge in a real headless Chromium (see conftest.py for what is
real), with `liveness.required` on. Chromium's fake camera plays a still photo of an enrolled
person: the challenge is shown with its arrow, the photo cannot make the movement, so the
kiosk says "Please try again", and after `max_failures` such answers the kiosk is paused.
Screenshots go to out/screenshots/kiosk-*.png."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from muster.config import Settings
from muster.domain.liveness import LivenessFailure
from muster.storage import sqlite_url

from .admin import HR_MANAGER, admin_screenshot, sign_in
from .conftest import KioskOpener, screenshot
from .server import AppServer
from .test_kiosk import RECOGNITION_TIMEOUT_MS, pair, state_is
from .world import add_kiosk, stored_events

pytestmark = [pytest.mark.browser, pytest.mark.models]

MAX_FAILURES = 2


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "database_url": sqlite_url(tmp_path / "muster.sqlite3"),
            "data_dir": tmp_path / "data",
            "kiosk": {"pin_fallback": True, "result_display_s": 2.0, "frame_interval_ms": 400},
            "liveness": {"required": True, "max_failures": MAX_FAILURES},
        }
    )


def test_a_still_photo_fails_the_challenge_and_repeated_failures_pause_the_kiosk(
    open_kiosk: KioskOpener,
    videos: dict[str, Path],
    admin: httpx.Client,
    people: dict[str, int],
    server: AppServer,
) -> None:
    kiosk = add_kiosk(admin)
    page = open_kiosk(videos["known"])
    pair(page, kiosk.token)

    state_is(page, "challenge")
    expect(page.locator("#challenge-arrow")).to_be_visible()
    screenshot(page, "liveness-challenge")
    state_is(page, "try-again")
    expect(page.locator("#status-title")).to_have_text("Please try again")
    screenshot(page, "liveness-try-again")

    state_is(page, "paused", RECOGNITION_TIMEOUT_MS * 2)
    expect(page.locator("#status-title")).to_have_text("Check-in paused")
    expect(page.locator("#status-detail")).to_contain_text("resumes at")
    screenshot(page, "liveness-paused")
    pauses = admin.get("/liveness/pauses").json()
    assert [p["device_id"] for p in pauses] == [kiosk.device_id]
    assert stored_events(server.settings) == []


def test_the_dashboard_shows_a_paused_kiosk_and_an_admin_resumes_it(
    admin_page: Page, server: AppServer, admin: httpx.Client
) -> None:
    kiosk = add_kiosk(admin)
    for _ in range(MAX_FAILURES):
        server.services.liveness.record_stream_failure(
            kiosk.device_id, LivenessFailure.PASSIVE_ATTACK
        )
    sign_in(admin_page, server, HR_MANAGER)

    notice = admin_page.locator("#liveness-notice")
    expect(notice).to_be_visible(timeout=20_000)
    expect(notice).to_contain_text("front door")
    expect(notice).to_contain_text(f"paused after {MAX_FAILURES} failed liveness checks")
    admin_screenshot(admin_page, "liveness-paused-notice")
    notice.get_by_role("button", name="Resume now").click()
    admin_page.locator("dialog").get_by_role("button", name="Resume now").click()

    expect(notice).to_be_hidden(timeout=20_000)
    assert admin.get("/liveness/pauses").json() == []

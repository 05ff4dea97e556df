"""The kiosk page in a real headless Chromium whose camera shows real face photos, against the
real server and models (see conftest.py for what is real). Each test saves screenshots of the
states it reaches to out/screenshots/kiosk-*.png."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from muster.domain.attendance import Direction, EventSource

from .conftest import KioskOpener, screenshot
from .server import AppServer
from .world import ENROLLED, KNOWN_NAME, add_kiosk, stored_events

pytestmark = [pytest.mark.browser, pytest.mark.models]

RECOGNITION_TIMEOUT_MS = 60_000
CLOCK = re.compile(r"\d\d:\d\d")


def state_is(page: Page, state: str, timeout_ms: int = RECOGNITION_TIMEOUT_MS) -> None:
    expect(page.locator("body")).to_have_attribute("data-state", state, timeout=timeout_ms)


def pair(page: Page, code_or_key: str) -> None:
    state_is(page, "pairing", 15_000)
    page.get_by_label("Pairing code or device key").fill(code_or_key)
    page.get_by_role("button", name="Pair").click()


def test_a_kiosk_paired_by_code_checks_in_an_enrolled_person(
    open_kiosk: KioskOpener,
    videos: dict[str, Path],
    admin: httpx.Client,
    people: dict[str, int],
    server: AppServer,
) -> None:
    kiosk = add_kiosk(admin)
    made = admin.post("/pairing-codes", json={"device_id": kiosk.device_id, "valid_minutes": 5})
    assert made.status_code == 201, made.text
    page = open_kiosk(videos["known"])

    state_is(page, "pairing", 15_000)
    page.get_by_label("Pairing code or device key").fill(made.json()["code"].lower())
    screenshot(page, "pairing")
    page.get_by_role("button", name="Pair").click()

    state_is(page, "checked-in")
    expect(page.locator("#status-title")).to_have_text(f"Welcome, {KNOWN_NAME}")
    expect(page.locator("#status-detail")).to_have_text(CLOCK)
    expect(page.locator("#status-detail")).to_contain_text("Checked in")
    expect(page.locator("#device-name")).to_contain_text("front door")
    screenshot(page, "checked-in")

    today = datetime.now(UTC).date().isoformat()
    history = admin.get(
        f"/attendance/people/{people[KNOWN_NAME]}", params={"from": today, "to": today}
    )
    assert history.status_code == 200, history.text
    events = history.json()["events"]
    assert [(e["direction"], e["source"], e["device_id"]) for e in events] == [
        (Direction.IN, EventSource.KIOSK, kiosk.device_id)
    ]

    # Still in front of the camera after the result: told so, and nothing more is recorded.
    state_is(page, "duplicate")
    expect(page.locator("#status-title")).to_have_text("Already recorded")
    screenshot(page, "already-recorded")
    assert len(stored_events(server.settings)) == 1


def test_a_stranger_is_not_recognised_and_nothing_is_recorded(
    open_kiosk: KioskOpener,
    videos: dict[str, Path],
    admin: httpx.Client,
    people: dict[str, int],
    server: AppServer,
) -> None:
    kiosk = add_kiosk(admin)
    page = open_kiosk(videos["stranger"])
    pair(page, kiosk.token)

    state_is(page, "not-recognised")
    expect(page.locator("#status-title")).to_have_text("Not recognised")
    expect(page.locator("#status-detail")).to_contain_text("see an administrator")
    screenshot(page, "not-recognised")
    page.set_viewport_size({"width": 800, "height": 1280})  # a portrait tablet
    screenshot(page, "not-recognised-portrait")
    assert stored_events(server.settings) == []


def test_a_check_in_captured_offline_is_delivered_once_when_the_server_is_back(
    open_kiosk: KioskOpener,
    videos: dict[str, Path],
    admin: httpx.Client,
    people: dict[str, int],
    server: AppServer,
) -> None:
    kiosk = add_kiosk(admin)
    page = open_kiosk(videos["arrival"])  # nobody for 12 s, then the enrolled person
    with page.expect_response(lambda response: response.url.endswith("/checkins")) as first:
        pair(page, kiosk.token)
    assert first.value.json()["decision"] == "no_face"
    state_is(page, "looking", 5_000)
    screenshot(page, "looking")

    server.stop()  # the outage starts before the person arrives
    badge = page.locator("#queue-badge")
    expect(badge).to_have_text("Offline — 1 queued", timeout=40_000)
    state_is(page, "saved-offline", 5_000)
    screenshot(page, "offline-queued")
    queued_keys = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("muster-kiosk");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const store = open.result.transaction("checkins").objectStore("checkins");
                const all = store.getAllKeys();
                all.onsuccess = () => resolve(all.result);
            };
        })"""
    )
    assert len(queued_keys) == 1
    assert stored_events(server.settings) == []

    back_at = datetime.now(UTC)
    server.start()  # same port, same database
    expect(badge).to_be_hidden(timeout=30_000)
    events = stored_events(server.settings)
    assert [(e.person_id, e.idempotency_key) for e in events] == [
        (people[KNOWN_NAME], queued_keys[0])
    ]
    assert events[0].at < back_at  # recorded at its capture time, during the outage
    # The person is still there: later looks are answered live and record nothing new.
    state_is(page, "duplicate", 30_000)
    assert len(stored_events(server.settings)) == 1


def test_without_a_camera_the_kiosk_says_so_and_offers_the_pin_fallback(
    open_kiosk: KioskOpener,
    admin: httpx.Client,
    people: dict[str, int],
    server: AppServer,
) -> None:
    name = "Rose Leslie"
    code = ENROLLED[name][1]
    assert admin.put(f"/people/{people[name]}/pin", json={"pin": "4821"}).status_code == 204
    kiosk = add_kiosk(admin)
    page = open_kiosk(None)
    pair(page, kiosk.token)

    state_is(page, "camera-unavailable", 15_000)
    expect(page.locator("#status-title")).to_have_text("Camera unavailable")
    screenshot(page, "camera-unavailable")

    page.get_by_role("button", name="Use my code and PIN").click()
    page.get_by_label("Your code", exact=True).fill(code)
    page.get_by_label("PIN", exact=True).fill("1111")
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("#pin-error")).to_contain_text("wrong")
    screenshot(page, "pin-wrong")
    page.get_by_label("PIN", exact=True).fill("4821")
    page.get_by_role("button", name="Check in", exact=True).click()

    state_is(page, "checked-in", 15_000)
    expect(page.locator("#status-title")).to_have_text(f"Welcome, {name}")
    screenshot(page, "pin-checked-in")
    events = stored_events(server.settings)
    assert [(e.person_id, e.device_id, e.similarity) for e in events] == [
        (people[name], kiosk.device_id, None)
    ]
    state_is(page, "camera-unavailable", 15_000)  # after the result, back to what is true

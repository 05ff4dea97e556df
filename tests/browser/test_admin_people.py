"""People in the admin pages, in a real Chromium on the real server and models: add a person,
see enrolment refused until consent is recorded, enrol real photos by upload (each photo
judged on its own), and find the person in the list."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from .admin import HR_MANAGER, AdminOpener, admin_screenshot, sign_in
from .server import AppServer

pytestmark = [pytest.mark.browser, pytest.mark.models]

EXAMPLES = Path("face_recognition_examples/examples")
KIT_PHOTOS = [
    EXAMPLES / "knn_examples/train/kit_harington/john1.jpeg",
    EXAMPLES / "knn_examples/train/kit_harington/john2.jpeg",
]
TWO_PEOPLE = EXAMPLES / "two_people.jpg"
ENROLMENT_TIMEOUT_MS = 60_000
CAMERA_TIMEOUT_MS = 30_000
ADVICE_NO_FACE = "No face found. Look straight at the camera."
ENROLMENT_PANEL = "section:has(#camera)"


def test_a_person_added_without_consent_is_enrolled_by_upload_once_consent_is_recorded(
    admin_page: Page, server: AppServer, faces_dir: Path
) -> None:
    sign_in(admin_page, server, HR_MANAGER, to="/admin/people")
    admin_page.get_by_role("button", name="Add a person").click()
    dialog = admin_page.get_by_role("dialog", name="Add a person")
    dialog.get_by_label("Full name").fill("Kit Harington")
    dialog.get_by_label("ID (student or staff number)").fill("KH-2001")
    dialog.get_by_role("button", name="Add and enrol photos").click()

    expect(admin_page.get_by_role("heading", name="Kit Harington")).to_be_visible()
    notice = admin_page.get_by_text("Enrolment needs consent.")
    expect(notice).to_be_visible()
    expect(admin_page.get_by_label(re.compile("^Clear, frontal photos"))).to_be_disabled()
    expect(admin_page.get_by_role("button", name="Enrol photos")).to_be_disabled()
    admin_screenshot(admin_page, "person-needs-consent")

    admin_page.get_by_label("How consent was given").select_option("Signed paper form")
    admin_page.get_by_label("Note (e.g. where the form is filed)").fill("HR cabinet, drawer 2")
    admin_page.get_by_role("button", name="Record consent").click()
    expect(notice).to_be_hidden()
    expect(admin_page.get_by_text("Consent recorded", exact=False).first).to_be_visible()

    admin_page.get_by_label(re.compile("^Clear, frontal photos")).set_input_files(
        [faces_dir / path for path in [*KIT_PHOTOS, TWO_PEOPLE]]
    )
    admin_page.get_by_role("button", name="Enrol photos").click()

    outcomes = admin_page.locator("#upload-outcomes li")
    expect(outcomes).to_have_count(3, timeout=ENROLMENT_TIMEOUT_MS)
    expect(outcomes.nth(0)).to_contain_text("john1.jpeg: enrolled.")
    expect(outcomes.nth(1)).to_contain_text("john2.jpeg: enrolled.")
    expect(outcomes.nth(2)).to_contain_text("two_people.jpg: not enrolled.")
    expect(outcomes.nth(2)).to_contain_text("2 faces found, need exactly 1")
    expect(admin_page.locator("#template-count")).to_have_text("2 enrolled")
    expect(admin_page.locator("#templates img")).to_have_count(2)
    admin_screenshot(admin_page, "person", full_page=True)

    person_id = int(admin_page.locator("body").get_attribute("data-person-id") or 0)
    templates = server.services.enrolment.templates_of(person_id)
    assert [t.source for t in templates] == ["upload", "upload"]
    assert server.services.gallery.person_count() == 1

    admin_page.get_by_role("link", name="People", exact=True).click()
    admin_page.get_by_label("Search by name or ID").fill("harington")
    rows = admin_page.locator("#people-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kit Harington")
    expect(rows.first).to_contain_text("KH-2001")
    expect(rows.first).to_contain_text("Recorded")
    admin_page.get_by_label("Search by name or ID").fill("nobody like this")
    expect(rows.first).to_contain_text("Nobody matches")


def test_the_webcam_says_what_to_fix_and_enrols_a_frame_that_passes(
    open_admin: AdminOpener, server: AppServer, admin: httpx.Client, videos: dict[str, Path]
) -> None:
    made = admin.post(
        "/people",
        json={"name": "Barack Obama", "consent": {"method": "Signed paper form"}},
    )
    assert made.status_code == 201, made.text
    person_id = made.json()["id"]
    # The camera first sees a scene with no face for 12 s, then the person for 10 s.
    page = open_admin(videos["arrival"])
    sign_in(page, server, HR_MANAGER, to=f"/admin/people/{person_id}")

    page.get_by_role("button", name="Start the webcam").click()
    feedback = page.locator("#webcam-feedback")
    expect(feedback).to_have_text(ADVICE_NO_FACE, timeout=CAMERA_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Take photo")).to_be_disabled()
    admin_screenshot(page, "webcam-no-face", of=ENROLMENT_PANEL)
    expect(feedback).to_have_text("Ready: take the photo now.", timeout=CAMERA_TIMEOUT_MS)
    admin_screenshot(page, "webcam-ready", of=ENROLMENT_PANEL)
    page.get_by_role("button", name="Take photo").click()

    expect(page.locator("#webcam-outcomes li")).to_contain_text(
        "webcam.jpg: enrolled.", timeout=ENROLMENT_TIMEOUT_MS
    )
    expect(page.locator("#template-count")).to_have_text("1 enrolled")
    assert [t.source for t in server.services.enrolment.templates_of(person_id)] == ["webcam"]
    page.get_by_role("button", name="Stop").click()
    expect(feedback).to_have_text("The camera is off.")

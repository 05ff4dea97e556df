"""Signing in to the admin pages in a real Chromium, with real users and passwords (see
admin.py for what is real): sign in and out, a wrong password, and what an operator may not
open."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from .admin import HR_MANAGER, TEACHER, admin_screenshot, session_token, sign_in
from .server import AppServer

pytestmark = [pytest.mark.browser]


def test_an_hr_manager_signs_in_with_a_password_and_lands_on_todays_register(
    admin_page: Page, server: AppServer
) -> None:
    admin_page.goto(f"{server.base_url}/admin/login")
    admin_screenshot(admin_page, "login")

    sign_in(admin_page, server, HR_MANAGER)

    expect(admin_page).to_have_url(f"{server.base_url}/admin/register")
    expect(admin_page.get_by_role("heading", name="Today's register")).to_be_visible()
    expect(admin_page.locator("#signed-in-user")).to_have_text(HR_MANAGER.username)
    expect(admin_page.locator("#signed-in-role")).to_have_text("admin")
    with httpx.Client(base_url=server.base_url) as client:
        me = client.get(
            "/auth/me", headers={"Authorization": f"Bearer {session_token(admin_page)}"}
        )
    assert me.status_code == 200, me.text
    assert (me.json()["username"], me.json()["role"]) == (HR_MANAGER.username, "admin")
    assert me.json()["expires_at"] is not None


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(
    admin_page: Page, server: AppServer
) -> None:
    admin_page.goto(f"{server.base_url}/admin/login")
    admin_page.get_by_label("Username").fill(HR_MANAGER.username)
    admin_page.get_by_label("Password").fill("not the password")
    admin_page.get_by_role("button", name="Sign in").click()

    expect(admin_page.get_by_role("alert")).to_have_text(
        "That username and password do not match. Check them and try again."
    )
    admin_screenshot(admin_page, "login-wrong-password")
    expect(admin_page).to_have_url(f"{server.base_url}/admin/login")
    expect(admin_page.get_by_label("Password")).to_be_focused()
    assert admin_page.evaluate("() => sessionStorage.length") == 0


def test_a_page_opened_without_signing_in_sends_the_browser_to_sign_in_and_back(
    admin_page: Page, server: AppServer
) -> None:
    sign_in(admin_page, server, HR_MANAGER, to="/admin/reports")

    expect(admin_page).to_have_url(f"{server.base_url}/admin/reports")
    expect(admin_page.get_by_role("heading", name="Reports")).to_be_visible()


def test_signing_out_ends_the_session_key(admin_page: Page, server: AppServer) -> None:
    sign_in(admin_page, server, HR_MANAGER)
    token = session_token(admin_page)

    admin_page.get_by_role("button", name="Sign out").click()

    expect(admin_page.get_by_role("alert")).to_have_text("You have signed out.")
    with httpx.Client(base_url=server.base_url) as client:
        refused = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    admin_page.goto(f"{server.base_url}/admin/people")
    expect(admin_page).to_have_url(f"{server.base_url}/admin/login?next=%2Fadmin%2Fpeople")


def test_an_operator_cannot_open_key_management_on_the_settings_page(
    admin_page: Page, server: AppServer
) -> None:
    sign_in(admin_page, server, TEACHER, to="/admin/settings")

    keys = admin_page.locator("#keys-panel")
    expect(keys.get_by_text("Only administrators manage API keys.")).to_be_visible()
    expect(keys.get_by_role("button", name="Create a key")).to_be_hidden()
    expect(keys.get_by_role("table")).to_be_hidden()
    expect(admin_page.get_by_role("button", name="Add a schedule")).to_be_hidden()
    expect(
        admin_page.get_by_role("heading", name="Recognition, attendance and privacy")
    ).to_be_visible()
    admin_screenshot(admin_page, "settings-operator")
    with httpx.Client(base_url=server.base_url) as client:
        listed = client.get(
            "/keys", headers={"Authorization": f"Bearer {session_token(admin_page)}"}
        )
    assert listed.status_code == 403

"""The admin pages over real HTTP: each is served by Muster with a strict content security
policy and loads only Muster's own files (every one of which exists, down to the modules its
scripts import), so the dashboard works offline and runs no injected script."""

from __future__ import annotations

import re

from muster.web.admin_pages import LOGIN_PAGE, NAVIGATION
from muster.web.pages import STATIC_DIR

from .live_server import LiveServer

ASSET = re.compile(r'(?:src|href)="(/static/[^"?]+)')
MODULE_IMPORT = re.compile(r'from "(\.{1,2}/[\w/-]+\.js)"')
ADMIN_JS = STATIC_DIR / "js" / "admin"


def test_every_admin_page_is_served_with_a_strict_policy_and_its_assets_exist(
    live_server: LiveServer,
) -> None:
    with live_server.client() as browser:
        home = browser.get("/admin", follow_redirects=False)
        assert home.status_code == 307
        assert home.headers["location"] == NAVIGATION[0].path
        for path in [LOGIN_PAGE.path, *(page.path for page in NAVIGATION), "/admin/people/7"]:
            page = browser.get(path)
            assert page.status_code == 200, path
            policy = page.headers["content-security-policy"]
            assert "script-src 'self'" in policy
            assert "style-src 'self'" in policy
            assert "<script>" not in page.text  # no inline script: only modules from /static
            assets = ASSET.findall(page.text)
            assert any(url.endswith(".js") for url in assets), path
            for url in assets:
                assert browser.get(url).status_code == 200, url


def test_every_module_an_admin_script_imports_exists() -> None:
    scripts = sorted(ADMIN_JS.glob("*.js"))
    assert len(scripts) > 5
    for script in scripts:
        for target in MODULE_IMPORT.findall(script.read_text(encoding="utf-8")):
            assert (script.parent / target).resolve().is_file(), f"{script.name} imports {target}"


def test_a_person_page_with_an_impossible_id_is_refused(live_server: LiveServer) -> None:
    with live_server.client() as browser:
        answer = browser.get("/admin/people/0")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"

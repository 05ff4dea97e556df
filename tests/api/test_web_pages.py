"""The kiosk page over real HTTP: served by Muster with everything it loads (no CDN, so it
works offline), with a content security policy, and a service worker whose offline copy
lists only files that exist."""

from __future__ import annotations

import re

from muster.web.pages import STATIC_DIR

from .live_server import LiveServer

ASSET = re.compile(r'(?:src|href)="([^"]+)"')
MODULE_IMPORT = re.compile(r'from "\./([\w-]+\.js)"')
SHELL_ENTRY = re.compile(r'^\s+"(/[^"]*)",$', re.MULTILINE)
# The admin pages' own files, which the kiosk never loads or caches.
ADMIN_ONLY_ASSETS = {
    path.relative_to(STATIC_DIR).as_posix()
    for path in [*(STATIC_DIR / "js" / "admin").glob("*.js"), STATIC_DIR / "css" / "admin.css"]
}


def test_the_kiosk_page_and_everything_it_loads_come_from_muster(
    live_server: LiveServer,
) -> None:
    with live_server.client() as browser:
        page = browser.get("/kiosk")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assets = ASSET.findall(page.text)
        assert assets
        assert all(url.startswith("/static/") for url in assets)
        for url in assets:
            assert browser.get(url).status_code == 200, url
        scripts = {
            name
            for path in (STATIC_DIR / "js").glob("*.js")
            for name in MODULE_IMPORT.findall(path.read_text())
        }
        for name in scripts:
            assert browser.get(f"/static/js/{name}").status_code == 200, name
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            assert "https://" not in path.read_text(), path


def test_the_offline_copy_lists_files_that_exist(live_server: LiveServer) -> None:
    with live_server.client() as browser:
        worker = browser.get("/kiosk-sw.js")
        assert worker.status_code == 200
        assert "javascript" in worker.headers["content-type"]
        shell = SHELL_ENTRY.findall(worker.text)
        assert "/kiosk" in shell
        assert "/static/js/kiosk.js" in shell
        for url in shell:
            assert browser.get(url).status_code == 200, url
    listed = {url.removeprefix("/static/") for url in shell if url.startswith("/static/")}
    on_disk = {
        path.relative_to(STATIC_DIR).as_posix()
        for path in STATIC_DIR.rglob("*")
        if path.is_file() and path.name != "kiosk-sw.js"
    } - ADMIN_ONLY_ASSETS
    assert listed == on_disk


def test_the_printed_root_address_leads_to_the_dashboard(live_server: LiveServer) -> None:
    response = live_server.admin.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].startswith("/admin")

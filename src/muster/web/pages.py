"""Mounts the web pages and their static files into an app.

Pages are plain `def` routes rendering Jinja2 templates; they need no key (a kiosk keeps its
device key in the browser, and the API checks it on every call). Asset URLs carry the
version, so a browser never keeps a stale script across an upgrade.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from muster import __version__
from muster.web.admin_pages import admin_pages

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

# The kiosk's service worker must be served from the site root so that its scope may
# cover /kiosk (a worker under /static/ could only control pages under /static/).
KIOSK_WORKER_PATH = "/kiosk-sw.js"

# The page loads only its own scripts and styles; the camera and frames are local blobs.
_KIOSK_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def mount_web(app: FastAPI) -> None:
    """Adds /static and the pages (/kiosk) to `app`."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(_pages(_templates()))
    app.include_router(admin_pages(_templates()))


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.globals["version"] = __version__
    return templates


def _pages(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/kiosk", response_class=HTMLResponse)
    def kiosk(request: Request) -> Response:
        response = templates.TemplateResponse(request, "kiosk.html")
        response.headers["Content-Security-Policy"] = _KIOSK_CSP
        response.headers["Cache-Control"] = "no-cache"
        return response

    @router.get(KIOSK_WORKER_PATH)
    def kiosk_worker() -> Response:
        return FileResponse(
            STATIC_DIR / "js" / "kiosk-sw.js",
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache"},
        )

    return router

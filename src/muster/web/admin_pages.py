"""The admin pages: /admin/login, and the dashboard pages behind it.

Each page is a server-rendered shell (layout, headings, forms, empty tables) plus one small
ES module that fills it from the REST API. The server cannot tell who is looking at a page:
sign-in gives the browser a short-lived session key that it keeps in sessionStorage and sends
as a bearer token (no cookies, so no CSRF), and the API checks the role on every call. A
page without a session sends the browser to /admin/login. Operators see the same pages; the
parts only admins may use say so instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from muster.api.schemas.ids import MAX_ROW_ID

# Only Muster's own scripts, styles and images; thumbnails and webcam frames are blob: URLs.
# No inline script or style anywhere, so an injected string can never run.
ADMIN_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class AdminPage:
    """A page in the navigation: its path under /admin, the label people see, and the
    template and script (static/js/admin/<script>.js) that make it."""

    path: str
    label: str
    template: str
    script: str


NAVIGATION = (
    AdminPage("/admin/register", "Today", "admin/register.html", "register"),
    AdminPage("/admin/people", "People", "admin/people.html", "people"),
    AdminPage("/admin/reports", "Reports", "admin/reports.html", "reports"),
    AdminPage("/admin/review", "Review", "admin/review.html", "review"),
    AdminPage("/admin/group-photo", "Group photo", "admin/group_photo.html", "group-photo"),
    AdminPage("/admin/settings", "Settings", "admin/settings.html", "settings"),
)
PERSON_PAGE = AdminPage("/admin/people/{person_id}", "People", "admin/person.html", "person")
LOGIN_PAGE = AdminPage("/admin/login", "Sign in", "admin/login.html", "login")


def admin_pages(templates: Jinja2Templates) -> APIRouter:
    """The routes of every admin page."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, page: AdminPage, **context: object) -> Response:
        response = templates.TemplateResponse(
            request,
            page.template,
            {"page": page, "navigation": NAVIGATION, **context},
        )
        response.headers["Content-Security-Policy"] = ADMIN_CSP
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    # The address `muster serve` prints is the root: it leads to the dashboard (which sends
    # a visitor who is not signed in to the login page).
    @router.get("/", include_in_schema=False)
    @router.get("/admin")
    def admin_home() -> RedirectResponse:
        return RedirectResponse(NAVIGATION[0].path, status_code=307)

    @router.get(LOGIN_PAGE.path, response_class=HTMLResponse)
    def login(request: Request) -> Response:
        return render(request, LOGIN_PAGE)

    for nav_page in NAVIGATION:
        router.add_api_route(
            nav_page.path,
            _page_route(render, nav_page),
            methods=["GET"],
            response_class=HTMLResponse,
            name=f"admin_{nav_page.script}",
        )

    @router.get(PERSON_PAGE.path, response_class=HTMLResponse)
    def person(request: Request, person_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)]) -> Response:
        return render(request, PERSON_PAGE, person_id=person_id)

    return router


class _Render(Protocol):
    def __call__(self, request: Request, page: AdminPage, **context: object) -> Response: ...


def _page_route(render: _Render, page: AdminPage) -> Callable[[Request], Response]:
    def route(request: Request) -> Response:
        return render(request, page)

    route.__name__ = f"admin_{page.script}"
    return route

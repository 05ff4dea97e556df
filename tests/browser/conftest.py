"""The browser tier. Real: the app served by uvicorn on a free localhost port over a temporary
SQLite file, the dlib models, Debian's Chromium (headless, driven by Playwright for Python)
whose camera is a video that ffmpeg made from real face photos in ../shared/faces. Nothing is
mocked; screenshots of every kiosk state land in out/screenshots/.

Chromium is never downloaded (`playwright install` is not used): /usr/bin/chromium comes from
scripts/install-test-deps.sh. Without it or ffmpeg these tests skip with the reason locally and
fail under CI=true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from muster.config import Settings
from muster.domain.people import Role
from muster.storage import sqlite_url
from muster.vision.models import ModelStore

from .admin import admin_page, open_admin, staff  # noqa: F401  (admin tests' fixtures)
from .camera import FFMPEG, make_video
from .server import AppServer, free_port
from .world import (
    KNOWN_PROBE,
    NO_FACE,
    STRANGER,
    EnrolmentFaces,
    embed_enrolment_photos,
    enrol,
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}  # a landscape tablet
BASE_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="session")
def browser_tools(require_service: Callable[[str], NoReturn]) -> None:
    """Chromium and ffmpeg from Debian (scripts/install-test-deps.sh installs both)."""
    if not CHROMIUM.exists():
        require_service(f"{CHROMIUM} is missing; run scripts/install-test-deps.sh")
    if FFMPEG is None:
        require_service("ffmpeg is missing; run scripts/install-test-deps.sh")


@pytest.fixture(scope="session")
def playwright(browser_tools: None) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def models() -> ModelStore:
    return ModelStore()


@pytest.fixture(scope="session")
def enrolment_faces(faces_dir: Path, models: ModelStore) -> EnrolmentFaces:
    return embed_enrolment_photos(faces_dir, models)


@pytest.fixture(scope="session")
def videos(
    faces_dir: Path, browser_tools: None, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Camera videos: `known` (an enrolled person's probe photo), `stranger`, and `arrival`
    (12 s of a scene with no face, then the enrolled person for 10 s)."""
    folder = tmp_path_factory.mktemp("camera")
    return {
        "known": make_video([(faces_dir / KNOWN_PROBE, 3)], folder / "known.y4m"),
        "stranger": make_video([(faces_dir / STRANGER, 3)], folder / "stranger.y4m"),
        "arrival": make_video(
            [(faces_dir / NO_FACE, 12), (faces_dir / KNOWN_PROBE, 10)], folder / "arrival.y4m"
        ),
    }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh SQLite database; the PIN fallback on; results shown briefly (faster tests)."""
    return Settings.model_validate(
        {
            "database_url": sqlite_url(tmp_path / "muster.sqlite3"),
            "data_dir": tmp_path / "data",
            "kiosk": {"pin_fallback": True, "result_display_s": 2.0, "frame_interval_ms": 400},
        }
    )


@pytest.fixture
def server(settings: Settings, models: ModelStore) -> Iterator[AppServer]:
    app_server = AppServer(settings, models, free_port())
    app_server.start()
    try:
        yield app_server
    finally:
        app_server.stop()


@pytest.fixture
def people(server: AppServer, enrolment_faces: EnrolmentFaces) -> dict[str, int]:
    """The five enrolled people's ids by name."""
    return enrol(server.services, enrolment_faces)


@pytest.fixture
def admin(server: AppServer) -> Iterator[httpx.Client]:
    token = server.services.keys.issue(name="test admin", role=Role.ADMIN).token
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        yield client


KioskOpener = Callable[[Path | None], Page]


@pytest.fixture
def open_kiosk(playwright: Playwright, server: AppServer, tmp_path: Path) -> Iterator[KioskOpener]:
    """Opens /kiosk in a fresh Chromium profile whose camera plays `video`; with None, the
    browser has no camera at all."""
    contexts: list[BrowserContext] = []

    def open_with(video: Path | None) -> Page:
        args = [*BASE_ARGS]
        if video is not None:
            args += [*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]
        context = playwright.chromium.launch_persistent_context(
            tmp_path / f"profile-{len(contexts)}",
            executable_path=CHROMIUM,
            headless=True,
            args=args,
            viewport=VIEWPORT,
        )
        contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{server.base_url}/kiosk")
        return page

    yield open_with
    for context in contexts:
        context.close()


def screenshot(page: Page, state: str) -> Path:
    """Saves out/screenshots/kiosk-<state>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"kiosk-{state}.png"
    page.screenshot(path=path)
    return path

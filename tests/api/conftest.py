"""The API tier: the real app served by uvicorn on a free localhost port, spoken to over real
HTTP (httpx), on a real SQLite file and a real PostgreSQL database (`database_url`), with the
real models. Models are loaded once per session and shared by every app."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from muster.api.app import create_app
from muster.config import Settings
from muster.domain.people import Role
from muster.services.container import build_services
from muster.vision.models import ModelStore

from .knn_gallery import TrainFaces, embed_train
from .live_server import LiveServer, free_port, make_settings


@pytest.fixture(scope="session")
def shared_models() -> ModelStore:
    return ModelStore()


@pytest.fixture(scope="session")
def train_faces(faces_dir: Path, shared_models: ModelStore) -> TrainFaces:
    """The knn_examples enrolment photos, embedded once per session (see knn_gallery)."""
    return embed_train(faces_dir, shared_models)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Override in a test module to change settings for its server."""
    return make_settings(database_url, tmp_path / "data")


@pytest.fixture
def live_server(settings: Settings, shared_models: ModelStore) -> Iterator[LiveServer]:
    services = build_services(settings, models=shared_models)
    app = create_app(services=services)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    base_url = f"http://127.0.0.1:{port}"
    token = services.keys.issue(name="test-admin", role=Role.ADMIN).token
    admin = httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0
    )
    try:
        yield LiveServer(base_url=base_url, services=services, admin=admin)
    finally:
        admin.close()
        server.should_exit = True
        thread.join(timeout=30)
        services.close()

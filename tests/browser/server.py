"""A Muster server the browser tier can stop and start again on the same port and database,
as a real outage would (`stop()` ends uvicorn and its services; `start()` builds new ones)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from muster.api.app import create_app
from muster.config import Settings
from muster.services.container import Services, build_services
from muster.vision.models import ModelStore

_START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class AppServer:
    """The real app under uvicorn on 127.0.0.1:`port`, in a thread of the test process."""

    def __init__(self, settings: Settings, models: ModelStore, port: int) -> None:
        self.settings = settings
        self.port = port
        self._models = models
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._services: Services | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the server is stopped")
        return self._services

    def start(self) -> None:
        services = build_services(self.settings, models=self._models)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(services=services),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="on",
            )
        )
        thread = threading.Thread(target=server.run, name=f"uvicorn-{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                services.close()
                raise RuntimeError(f"the test server did not start on port {self.port}")
            time.sleep(0.02)
        self._server, self._thread, self._services = server, thread, services

    def stop(self) -> None:
        """Stops serving: from now on connections to the port are refused."""
        if self._server is None or self._thread is None or self._services is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=30)
        if self._thread.is_alive():
            raise RuntimeError("the test server did not stop within 30 s")
        self._services.close()
        self._server = self._thread = self._services = None

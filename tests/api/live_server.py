"""Support for the API tier: a handle on a running server, and settings for it."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import httpx

from muster.config import Settings
from muster.domain.people import Role
from muster.services.container import Services


@dataclass
class LiveServer:
    """A running Muster: its base URL, its services (for looking into the database) and an
    admin client whose key was created through the key service, as `muster keys create` does."""

    base_url: str
    services: Services
    admin: httpx.Client

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60.0)

    def token(self, role: Role, *, device_id: int | None = None, name: str = "test") -> str:
        return self.services.keys.issue(name=name, role=role, device_id=device_id).token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings.model_validate(
        {"database_url": database_url, "data_dir": data_dir, **overrides}
    )

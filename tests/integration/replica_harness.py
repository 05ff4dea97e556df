"""Real `muster serve` processes on free localhost ports, for the replica and load tests and
bench/load_test.py. Nothing here fakes anything: each replica is its own interpreter that
loads the models, migrates (a no-op once `server_env` has) and serves over HTTP; the
database and the admin key are made in this process, by the code the CLI runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from muster.domain.people import Role
from muster.services.keys import KeyService
from muster.storage import Database, upgrade
from muster.storage.repositories.keys import ApiKeyRepository

START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 30.0


@dataclass
class Replica:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(
    database_url: str, data_dir: Path, settings: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment replicas share: this process's, without its MUSTER_* variables, plus
    one database (migrated here, once, as docs/deployment.md says) and `settings`
    (MUSTER_* name to value)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env = clean | {"MUSTER_DATABASE_URL": database_url, "MUSTER_DATA_DIR": str(data_dir)}
    env |= settings or {}
    # In this process rather than through `muster db upgrade`: the same migrations, without
    # a second interpreter importing the models (seconds on a busy machine).
    upgrade(database_url)
    return env


def admin_token(env: Mapping[str, str]) -> str:
    """A new admin key's token, issued as `muster keys create --role admin` issues it."""
    with Database(env["MUSTER_DATABASE_URL"]) as database:
        keys = KeyService(ApiKeyRepository(database))
        return keys.issue(name="harness admin", role=Role.ADMIN).token


def start_replica(env: Mapping[str, str], log: Path) -> Replica:
    port = free_port()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "muster", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=dict(env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return Replica(f"http://127.0.0.1:{port}", process, log)


def wait_until_healthy(replica: Replica) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=replica.base_url, timeout=10.0) as client:
        while time.monotonic() < deadline:
            assert replica.process.poll() is None, replica.log.read_text()
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise AssertionError(f"{replica.base_url} did not become healthy:\n{replica.log.read_text()}")


def stop(replicas: list[Replica]) -> None:
    """Terminates `replicas` (all at once, then waits; kills one that does not stop)."""
    for replica in replicas:
        replica.process.terminate()
    for replica in replicas:
        try:
            replica.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            replica.process.kill()
            replica.process.wait()


@contextmanager
def serving(env: Mapping[str, str], log_dir: Path, names: str = "ab") -> Iterator[list[Replica]]:
    """One healthy replica per letter of `names` (logs in `log_dir/replica-X.log`), started
    together; all are stopped when the block ends."""
    started = [start_replica(env, log_dir / f"replica-{name}.log") for name in names]
    try:
        for replica in started:
            wait_until_healthy(replica)
        yield started
    finally:
        stop(started)


def enrol(client: httpx.Client, name: str, photo: bytes) -> int:
    """Creates `name`, records consent and enrols `photo` through the API; the person id."""
    person_id = try_enrol(client, name, photo)
    assert person_id is not None, f"the photo of {name} was refused"
    return person_id


def try_enrol(client: httpx.Client, name: str, photo: bytes) -> int | None:
    """As `enrol`, but None when the photo is refused (say, several faces in it); the
    person then stays, with no template."""
    person = client.post("/people", json={"name": name})
    assert person.status_code == 201, person.text
    person_id = int(person.json()["id"])
    consent = client.put(f"/people/{person_id}/consent", json={"method": "paper form"})
    assert consent.status_code == 200, consent.text
    enrolled = client.post(
        f"/people/{person_id}/templates", files={"photos": ("photo.jpg", photo, "image/jpeg")}
    )
    if enrolled.status_code == 422 and enrolled.json()["error"]["code"] == "photos_refused":
        return None
    assert enrolled.status_code == 201, enrolled.text
    return person_id

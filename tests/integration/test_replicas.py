"""Two replicas on one database: what one enrols or erases, the other sees within a second.
Real: two `muster serve` subprocesses on free ports, `muster db upgrade` and `muster keys
create` subprocesses, the dlib models and real photos over HTTP, and the database: PostgreSQL
(the deployment for several hosts; through scripts/with-services.sh) and one SQLite file
(several processes on one host). Nothing is faked.

A replica checks the database's gallery version at most every `search.refresh_interval_s`
(0.5 s by default) before a search, so another replica's change shows within that interval
plus one reload. `/healthz` reports the version a replica uses (checking first), which times
the propagation without a recognition's own cost; a recognition on replica B then confirms
what that version means."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.models

KNN = Path("face_recognition_examples/examples/knn_examples")
ALREADY_ENROLLED = {
    "Barack Obama": KNN / "train/obama/obama.jpg",
    "Joe Biden": KNN / "train/biden/biden.jpg",
}
NEWCOMER = "Kit Harington"
NEWCOMER_PHOTO = KNN / "train/kit_harington/john1.jpeg"
NEWCOMER_PROBE = KNN / "test/johnsnow_test1.jpg"
WITHIN_S = 1.0
START_TIMEOUT_S = 180.0


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


def muster(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "muster", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def start_replica(env: dict[str, str], log: Path) -> Replica:
    port = free_port()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "muster", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
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


@pytest.fixture
def postgres_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment both replicas share: one database, migrated once."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env = clean | {"MUSTER_DATABASE_URL": database_url, "MUSTER_DATA_DIR": str(tmp_path)}
    muster(env, "db", "upgrade")
    return env


@pytest.fixture
def replicas(postgres_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Replica, Replica]]:
    started = [start_replica(postgres_env, tmp_path / f"replica-{n}.log") for n in "ab"]
    try:
        for replica in started:
            wait_until_healthy(replica)
        yield started[0], started[1]
    finally:
        for replica in started:
            replica.process.terminate()
        for replica in started:
            replica.process.wait(timeout=30)


def recognised_names(client: httpx.Client, photo: bytes) -> list[str]:
    response = client.post("/recognitions", files={"image": ("probe.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    faces: list[dict[str, Any]] = response.json()["faces"]
    return [face["identity"]["name"] for face in faces if face["identity"]]


def enrol(client: httpx.Client, name: str, photo: bytes) -> int:
    person = client.post("/people", json={"name": name})
    assert person.status_code == 201, person.text
    person_id = int(person.json()["id"])
    consent = client.put(f"/people/{person_id}/consent", json={"method": "paper form"})
    assert consent.status_code == 200, consent.text
    enrolled = client.post(
        f"/people/{person_id}/templates", files={"photos": ("photo.jpg", photo, "image/jpeg")}
    )
    assert enrolled.status_code == 201, enrolled.text
    return person_id


def seconds_until_version_changes(client: httpx.Client, since: int | None) -> float:
    """Polls /healthz every 20 ms; the seconds until it reports a version other than
    `since` (at most a little over WITHIN_S, then it fails)."""
    start = time.monotonic()
    while time.monotonic() - start < 3 * WITHIN_S:
        if client.get("/healthz").json()["gallery_version"] != since:
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"the gallery version stayed {since} for {3 * WITHIN_S} s")


def test_a_person_enrolled_on_one_replica_is_recognised_on_the_other_within_a_second(
    replicas: tuple[Replica, Replica], postgres_env: dict[str, str], faces_dir: Path
) -> None:
    token = muster(postgres_env, "keys", "create", "--name", "replicas", "--role", "admin")
    replica_a, replica_b = replicas
    with replica_a.client(token.strip()) as a, replica_b.client(token.strip()) as b:
        for name, photo in ALREADY_ENROLLED.items():
            enrol(a, name, (faces_dir / photo).read_bytes())
        probe = (faces_dir / NEWCOMER_PROBE).read_bytes()
        assert NEWCOMER not in recognised_names(b, probe)
        before = b.get("/healthz").json()["gallery_version"]

        person_id = enrol(a, NEWCOMER, (faces_dir / NEWCOMER_PHOTO).read_bytes())
        enrol_seen_s = seconds_until_version_changes(b, before)
        assert recognised_names(b, probe) == [NEWCOMER]

        before = b.get("/healthz").json()["gallery_version"]
        erased = a.delete(f"/people/{person_id}")
        assert erased.status_code == 200, erased.text
        erase_seen_s = seconds_until_version_changes(b, before)
        assert NEWCOMER not in recognised_names(b, probe)

    print(
        f"replica B saw the enrolment after {enrol_seen_s:.2f} s, the erasure {erase_seen_s:.2f} s"
    )
    assert enrol_seen_s <= WITHIN_S
    assert erase_seen_s <= WITHIN_S

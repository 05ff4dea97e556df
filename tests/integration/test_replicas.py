"""Two replicas on one database: what one enrols or erases, the other sees within a second.
Real: two `muster serve` subprocesses on free ports (tests/integration/replica_harness.py),
the migrations and an admin key made in the test process, the dlib models and real photos
over HTTP, and the database: PostgreSQL (the deployment for several hosts; through
scripts/with-services.sh) and one SQLite file (several processes on one host). Nothing is
faked.

A replica checks the database's gallery version at most every `search.refresh_interval_s`
(0.5 s by default) before a search, so another replica's change shows within that interval
plus one reload. `/healthz` reports the version a replica uses (checking first), which times
the propagation without a recognition's own cost; a recognition on replica B then confirms
what that version means."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .replica_harness import Replica, admin_token, enrol, server_env, serving

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


@pytest.fixture
def postgres_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment both replicas share: one database, migrated once."""
    return server_env(database_url, tmp_path)


@pytest.fixture
def replicas(postgres_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Replica, Replica]]:
    with serving(postgres_env, tmp_path) as (replica_a, replica_b):
        yield replica_a, replica_b


def recognised_names(client: httpx.Client, photo: bytes) -> list[str]:
    response = client.post("/recognitions", files={"image": ("probe.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    faces: list[dict[str, Any]] = response.json()["faces"]
    return [face["identity"]["name"] for face in faces if face["identity"]]


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
    token = admin_token(postgres_env)
    replica_a, replica_b = replicas
    with replica_a.client(token) as a, replica_b.client(token) as b:
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

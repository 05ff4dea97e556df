"""The `muster` command line as real subprocesses over a temporary SQLite data directory
(MUSTER_DATA_DIR): `db upgrade`, `keys create|list|revoke`, `export`, `people import` (with
real photos from the shared face data), and `serve` answering /healthz over HTTP. Nothing is
faked; the data the export reads is stored through the repositories into the same SQLite file
the subprocess opens."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from datetime import time as wall_time
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from muster.domain.attendance import AttendanceEvent, Direction, EventSource, Schedule
from muster.services.keys import KeyService
from muster.storage import Database, Repositories, current_revision, head_revision, sqlite_url

SQLITE_FILE = "muster.sqlite3"
SERVE_START_TIMEOUT_S = 120.0


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def env(data_dir: Path) -> dict[str, str]:
    """The environment of a user whose data lives in `data_dir` (no database URL)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    return clean | {"MUSTER_DATA_DIR": str(data_dir)}


def muster(
    env: dict[str, str], *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "muster", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def cli_database(data_dir: Path, env: dict[str, str]) -> Iterator[Database]:
    """The data directory's database, migrated by `muster db upgrade`."""
    muster(env, "db", "upgrade")
    with Database(sqlite_url(data_dir / SQLITE_FILE)) as db:
        yield db


def test_db_upgrade_creates_the_database_at_the_newest_revision(
    data_dir: Path, env: dict[str, str]
) -> None:
    result = muster(env, "db", "upgrade")
    url = sqlite_url(data_dir / SQLITE_FILE)
    assert current_revision(url) == head_revision()
    assert f"is at revision {head_revision()}" in result.stdout
    assert muster(env, "db", "upgrade").returncode == 0  # repeating is harmless


def test_keys_create_prints_a_working_token_once_and_revoke_ends_it(
    cli_database: Database, env: dict[str, str]
) -> None:
    created = muster(env, "keys", "create", "--name", "front desk", "--role", "admin")
    token = created.stdout.strip()
    assert token.startswith("msk_")
    assert "shown this once" in created.stderr
    keys = KeyService(Repositories.create(cli_database).keys)
    principal = keys.authenticate(token)
    assert (principal.name, principal.role) == ("front desk", "admin")

    listed = muster(env, "keys", "list").stdout
    assert "front desk" in listed
    assert token not in listed
    assert token.split("_")[2] not in listed  # never the secret

    muster(env, "keys", "revoke", str(principal.key_id))
    assert muster(env, "keys", "list").stdout.count("front desk") == 0
    assert "front desk" in muster(env, "keys", "list", "--all").stdout
    audit = Repositories.create(cli_database).audit.recent(target_type="api_key")
    assert [e.action for e in audit] == ["api_key.revoked", "api_key.created"]
    assert audit[0].actor.startswith("cli:")


def test_keys_create_refuses_a_device_key_without_a_device(
    cli_database: Database, env: dict[str, str]
) -> None:
    result = muster(env, "keys", "create", "--name", "kiosk", "--role", "device", check=False)
    assert result.returncode == 2
    assert "--device-id" in result.stderr
    assert Repositories.create(cli_database).keys.all() == []


def add_register_data(database: Database) -> None:
    """Year 7 (Europe/London, Mon-Fri 09:00-10:00): Ada on time and Ben late on Monday
    4 March 2024; nobody on Tuesday."""
    repos = Repositories.create(database)
    group = repos.groups.create(name="Year 7")
    repos.schedules.create(
        Schedule(
            id=None,
            group_id=group.id,
            name="Registration",
            weekdays=frozenset(range(5)),
            start=wall_time(9, 0),
            end=wall_time(10, 0),
            timezone="Europe/London",
        )
    )
    for name, arrived in (
        ("Ada", datetime(2024, 3, 4, 8, 55)),
        ("Ben", datetime(2024, 3, 4, 9, 20)),
    ):
        person = repos.people.create(name=name, external_id=f"S-{name}", group_ids=(group.id,))
        repos.events.append(
            AttendanceEvent(
                id=None,
                person_id=person.id,
                direction=Direction.IN,
                at=arrived.replace(tzinfo=UTC),
                source=EventSource.KIOSK,
            ),
            dedupe_window_s=0,
        )


def test_export_writes_the_register_as_csv(
    cli_database: Database, env: dict[str, str], tmp_path: Path
) -> None:
    add_register_data(cli_database)
    output = tmp_path / "year7.csv"
    result = muster(
        env,
        "export",
        "--group",
        "Year 7",
        "--from",
        "2024-03-04",
        "--to",
        "2024-03-05",
        "-o",
        str(output),
    )
    assert "Wrote 4 register rows" in result.stdout
    rows = list(csv.DictReader(io.StringIO(output.read_text("utf-8"), newline="")))
    assert [(r["day"], r["name"], r["status"]) for r in rows] == [
        ("2024-03-04", "Ada", "present"),
        ("2024-03-04", "Ben", "late"),
        ("2024-03-05", "Ada", "absent"),
        ("2024-03-05", "Ben", "absent"),
    ]
    assert rows[1]["arrival_delay_s"] == "1200"
    assert rows[0]["first_in"] == "2024-03-04T08:55:00+00:00"


def test_export_takes_the_format_from_the_file_name_and_the_group_by_id(
    cli_database: Database, env: dict[str, str], tmp_path: Path
) -> None:
    add_register_data(cli_database)
    group_id = Repositories.create(cli_database).groups.all()[0].id
    output = tmp_path / "year7.xlsx"
    muster(
        env,
        "export",
        "--group",
        str(group_id),
        "--from",
        "2024-03-04",
        "--to",
        "2024-03-04",
        "-o",
        str(output),
    )
    sheet = load_workbook(output).worksheets[0]
    names = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Ada", "Ben"]


def test_export_of_an_unknown_group_fails_with_a_message(
    cli_database: Database, env: dict[str, str], tmp_path: Path
) -> None:
    result = muster(
        env,
        "export",
        "--group",
        "Year 9",
        "--from",
        "2024-03-04",
        "--to",
        "2024-03-05",
        "-o",
        str(tmp_path / "x.csv"),
        check=False,
    )
    assert result.returncode == 1
    assert "no group named 'Year 9'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_people_import_creates_people_and_enrols_their_photos_once(
    cli_database: Database, env: dict[str, str], tmp_path: Path, faces_dir: Path
) -> None:
    train = faces_dir / "face_recognition_examples" / "examples" / "knn_examples" / "train"
    photos = tmp_path / "photos"
    shutil.copytree(train / "obama", photos / "P-44")  # found by external id
    shutil.copytree(train / "biden", photos / "Joe Biden")  # by name, when there is no id
    group_photo = faces_dir / "dlib_examples" / "faces" / "2008_002506.jpg"
    shutil.copyfile(group_photo, photos / "Joe Biden" / "crowd.jpg")  # several faces: refused
    people_csv = tmp_path / "people.csv"
    people_csv.write_text(
        "name,external_id,email,groups,consent\n"
        "Barack Obama,P-44,barack@example.org,Presidents;Lawyers,paper form\n"
        "Joe Biden,,,Presidents,\n"
        "Kamala Harris,VP-49,,,\n",
        encoding="utf-8",
    )
    args = ["people", "import", str(people_csv), "--photos", str(photos)]
    first = muster(env, *args, "--consent-method", "kiosk checkbox")
    assert "3 people created, 0 already present; 4 photos enrolled, 1 refused" in first.stdout
    assert "refused crowd.jpg:" in first.stdout

    repos = Repositories.create(cli_database)
    people = {person.name: person for person in repos.people.all()}
    groups = {group.id: group.name for group in repos.groups.all()}
    assert [groups[g] for g in people["Barack Obama"].group_ids] == ["Presidents", "Lawyers"]
    assert people["Barack Obama"].external_id == "P-44"
    consents = {name: p.consent.method if p.consent else None for name, p in people.items()}
    assert consents == {
        "Barack Obama": "paper form",
        "Joe Biden": "kiosk checkbox",
        "Kamala Harris": "kiosk checkbox",
    }
    templates = {name: len(repos.templates.for_person(p.id)) for name, p in people.items()}
    assert templates == {"Barack Obama": 2, "Joe Biden": 2, "Kamala Harris": 0}
    created = repos.audit.recent(action="person.created")
    assert {e.target_id for e in created} == {p.id for p in people.values()}
    assert all(e.actor.startswith("cli:") for e in created)

    again = muster(env, *args)
    assert "0 people created, 3 already present; 0 photos enrolled" in again.stdout
    assert len(repos.people.all()) == 3
    assert len(repos.templates.for_person(people["Joe Biden"].id)) == 2


def test_people_import_reports_bad_lines_and_imports_nothing(
    cli_database: Database, env: dict[str, str], tmp_path: Path
) -> None:
    people_csv = tmp_path / "people.csv"
    people_csv.write_text("name,email\nAda,ada@example.org\nBen,not-an-address\n")
    result = muster(env, "people", "import", str(people_csv), check=False)
    assert result.returncode == 1
    assert "line 3: 'not-an-address' is not an email address" in result.stderr
    assert Repositories.create(cli_database).people.all() == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_prints_its_address_and_answers_healthz(
    env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "muster", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            health = wait_for_health(f"http://127.0.0.1:{port}", server)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert health["status"] == "ok"
    assert health["database"] == "sqlite"
    assert f"http://127.0.0.1:{port}/" in log.read_text()
    assert (data_dir / SQLITE_FILE).is_file()
    # uvicorn shuts down cleanly on SIGTERM, then re-raises it (so the exit says why).
    assert server.returncode in {0, -signal.SIGTERM}, log.read_text()
    assert "Traceback" not in log.read_text()


def wait_for_health(base_url: str, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + SERVE_START_TIMEOUT_S
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        while time.monotonic() < deadline:
            assert server.poll() is None, "muster serve exited early"
            try:
                response = client.get("/healthz")
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            assert response.status_code == 200
            body: dict[str, object] = response.json()
            return body
    raise AssertionError(f"muster serve did not answer within {SERVE_START_TIMEOUT_S} s")

"""The integration tier: storage against a real SQLite file and a real PostgreSQL server.

Nothing is faked. Every test that takes `database_url` or `database` runs twice, on SQLite
and on PostgreSQL (the server named by MUSTER_TEST_POSTGRES_URL; scripts/with-services.sh
starts a throwaway one). Without that variable the PostgreSQL runs skip locally and fail under
CI=true (the shared `require_service` rule in tests/conftest.py).

- `database_url`: an empty, never-migrated database of the test's own (a new SQLite file; a
  new PostgreSQL schema, first on the search path of every connection made with the URL).
- `database`: a migrated database with no rows. The migrations run once per session and
  backend; each test then gets a copy of the migrated SQLite file, or the migrated
  PostgreSQL schema emptied with TRUNCATE (a fresh migration per test would cost about half
  a second each on PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

from muster.storage import Database, Repositories, sqlite_url, upgrade
from muster.storage.tables import Base, GalleryVersionRow

POSTGRES_URL_VARIABLE = "MUSTER_TEST_POSTGRES_URL"
SQLITE_FILE = "muster.sqlite3"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_server(require_service: Callable[[str], NoReturn]) -> URL:
    """The PostgreSQL server to create test schemas on (skips or fails when there is none)."""
    server = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server:
        require_service(
            f"{POSTGRES_URL_VARIABLE} is not set; run the tests through "
            "scripts/with-services.sh (it starts a throwaway PostgreSQL, "
            "which make test-deps installs)"
        )
    url = make_url(server)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        require_service(f"PostgreSQL at {url.render_as_string()} is unusable: {exc}")
    return url


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty, unmigrated database that belongs to this test alone."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / SQLITE_FILE)
    else:
        yield from _schema(request.getfixturevalue("postgres_server"))


@pytest.fixture
def database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated, empty database for this test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_file")
        shutil.copyfile(template, tmp_path / SQLITE_FILE)
        url = sqlite_url(tmp_path / SQLITE_FILE)
    else:
        url = request.getfixturevalue("migrated_postgres_url")
        _empty_every_table(url)
    with Database(url) as db:
        yield db


@pytest.fixture
def repos(database: Database) -> Repositories:
    return Repositories.create(database)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / SQLITE_FILE
    upgrade(sqlite_url(path))  # closing its last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_server: URL) -> Iterator[str]:
    for url in _schema(postgres_server):
        upgrade(url)
        yield url


def _schema(server: URL) -> Iterator[str]:
    """Create a schema, yield a URL whose connections use it, then drop it with its tables."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = server.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _empty_every_table(url: str) -> None:
    gallery = GalleryVersionRow.__tablename__
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != gallery)
    with Database(url) as database, database.engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        connection.exec_driver_sql(f"UPDATE {gallery} SET version = 0")


def _libpq(url: URL) -> str:
    """`url` as a libpq connection string (psycopg does not know SQLAlchemy's driver names)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)

"""Fixtures shared by every test tier.

What is missing outside Python (the face data, PostgreSQL, Chromium) makes a test skip with
its reason locally, and fail under CI=true, where nothing may skip for lack of a dependency.
The marks `models`, `postgres` and `browser` are declared in pyproject.toml.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

from muster.storage import sqlite_url

REPO_ROOT = Path(__file__).resolve().parent.parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def _unavailable(reason: str) -> NoReturn:
    """Skip the running test with `reason`, or fail it under CI."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true, so this may not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require_service() -> Callable[[str], NoReturn]:
    """A function to call with the reason a service is unusable, for example from a
    PostgreSQL fixture: require_service("PostgreSQL is not reachable at ...; run make
    test-deps"). It skips the test locally and fails it under CI=true; it never returns."""
    return _unavailable


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The shared face data (../shared/faces from the repository root, or MUSTER_FACES_DIR)."""
    override = os.environ.get("MUSTER_FACES_DIR")
    path = Path(override) if override else REPO_ROOT.parent / "shared" / "faces"
    if not path.is_dir():
        _unavailable(
            f"face data not found at {path}; set MUSTER_FACES_DIR to the shared/faces folder"
        )
    return path


POSTGRES_URL_VARIABLE = "MUSTER_TEST_POSTGRES_URL"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    require_service: Callable[[str], NoReturn],
) -> Iterator[str]:
    """The URL of an empty database that belongs to this test alone."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "muster.sqlite3")
        return
    server = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server:
        require_service(
            f"{POSTGRES_URL_VARIABLE} is not set; run the tests through "
            "scripts/with-services.sh (it starts a throwaway PostgreSQL)"
        )
    yield from _fresh_postgres_database(make_url(server), require_service)


def _fresh_postgres_database(
    server: URL, require_service: Callable[[str], NoReturn]
) -> Iterator[str]:
    """A new schema, first on the search path of every connection made with the yielded
    URL: a whole empty database as far as the test can tell, made in milliseconds where
    CREATE DATABASE takes half a second."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        require_service(f"PostgreSQL at {server.render_as_string()} is unusable: {exc}")
    try:
        url = server.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')

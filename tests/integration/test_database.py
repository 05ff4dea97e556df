"""Which database the settings pick, and values the storage layer refuses to store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError

from muster.config import Settings
from muster.domain.errors import NotFoundError
from muster.storage import Database, Dialect, Repositories, sqlite_url, upgrade
from muster.storage.database import normalise_url
from muster.storage.tables import PersonRow

from .factories import add_person


def test_without_a_database_url_the_settings_pick_sqlite_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MUSTER_DATABASE_URL", raising=False)
    data_dir = tmp_path / "nested" / "data"

    with Database.from_settings(Settings(data_dir=data_dir)) as database:
        upgrade(database.url_string)

    assert database.dialect is Dialect.SQLITE
    assert (data_dir / "muster.sqlite3").is_file()


def test_a_database_url_in_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sqlite_url(tmp_path / "elsewhere.sqlite3")
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)

    with Database.from_settings(Settings(data_dir=tmp_path / "data")) as database:
        assert database.url.database == str(tmp_path / "elsewhere.sqlite3")
    assert not (tmp_path / "data").exists()


def test_postgresql_urls_get_the_psycopg_3_driver_and_others_are_refused() -> None:
    assert normalise_url("postgresql://u@db/muster").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.sqlite3").drivername == "sqlite+pysqlite"
    with pytest.raises(ValueError, match="mysql"):
        normalise_url("mysql://u@db/muster")


def test_a_naive_datetime_is_refused_instead_of_stored_shifted(database: Database) -> None:
    with pytest.raises(StatementError, match="naive"), database.write() as session:
        session.add(PersonRow(name="x", active=True, created_at=datetime(2025, 1, 1, 8, 0)))


def test_a_failed_write_transaction_leaves_nothing_behind(
    database: Database, repos: Repositories
) -> None:
    ada = add_person(repos)

    with pytest.raises(NotFoundError):
        repos.people.save(replace(ada, name="changed", group_ids=(404,)))

    assert repos.people.get(ada.id) == ada

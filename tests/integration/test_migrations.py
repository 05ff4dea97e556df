"""The Alembic migrations build the whole schema from nothing on both databases, and the
schema they build is exactly the one the ORM tables describe."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier as BarrierType
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from muster.storage import (
    Database,
    Repositories,
    current_revision,
    head_revision,
    sqlite_url,
    upgrade,
)
from muster.storage.tables import Base


def test_migrations_build_every_table_from_an_empty_database(database_url: str) -> None:
    assert current_revision(database_url) is None

    upgrade(database_url)

    assert current_revision(database_url) == head_revision()
    with Database(database_url) as database:
        tables = set(inspect(database.engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_migrated_schema_matches_the_orm_tables(database_url: str) -> None:
    upgrade(database_url)

    with Database(database_url) as database, database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_upgrading_an_up_to_date_database_changes_nothing(database: Database) -> None:
    url = database.url_string

    upgrade(url)

    assert current_revision(url) == head_revision()


def test_gallery_version_starts_at_zero(database: Database) -> None:
    assert Repositories.create(database).templates.gallery_version() == 0


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "muster.sqlite3")
    upgrade(url)

    with Database(url) as database, database.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar_one() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar_one() == 1
        assert pragma("PRAGMA busy_timeout").scalar_one() == 10_000


def _replica(database_url: str, start: BarrierType) -> None:
    start.wait()
    upgrade(database_url)


def test_replicas_migrating_at_the_same_time_both_succeed(database_url: str) -> None:
    # Separate processes, as replicas are (Alembic's `op` proxy is process-global). Forked,
    # so they start with everything imported and a shared barrier releases them together.
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    replicas = [context.Process(target=_replica, args=(database_url, start)) for _ in range(2)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(timeout=120)

    assert [replica.exitcode for replica in replicas] == [0, 0]
    assert current_revision(database_url) == head_revision()

"""Schema migrations, run from code: `upgrade(database_url)` brings any database (empty or
older) to the newest schema. The app, the CLI (`muster db upgrade`) and the tests all go
through here, so SQLite and PostgreSQL get the very same migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from muster.storage.database import Database, Dialect

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Any fixed 64-bit number, the same in every replica: "muster" in ASCII.
_MIGRATION_LOCK_KEY = 0x6D7573746572


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for our migrations, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may hold %-escaped passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


_MIGRATION_WAIT_S = 600.0


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` up to `revision`, in one transaction.

    Safe when several replicas start at once: they migrate one after another (PostgreSQL:
    an advisory lock; SQLite: the write lock), and the later ones find nothing to do.
    """
    config = alembic_config(database_url)
    # A replica waiting for another's migration waits as long as that takes (SQLite's busy
    # timeout), not the 10 s an ordinary write may wait: migrating a big database is slow.
    with (
        Database(database_url, busy_timeout_s=_MIGRATION_WAIT_S) as database,
        database.write_connection() as connection,
    ):
        if database.dialect is Dialect.POSTGRESQL:
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with Database(database_url) as database, database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

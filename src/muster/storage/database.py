"""The database: one SQLAlchemy engine, SQLite by default, PostgreSQL by URL.

SQLite is tuned for a kiosk and an admin working at once: WAL (readers never block the
writer), foreign keys on, a busy timeout instead of "database is locked" errors, and every
write transaction taken with BEGIN IMMEDIATE, so two writers queue at BEGIN instead of both
reading and then one failing at COMMIT. PostgreSQL needs none of that; there, writers that
must serialise lock a row (SELECT ... FOR UPDATE), which SQLite ignores and does not need.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from muster.config import Settings

SQLITE_FILE_NAME = "muster.sqlite3"

# Execution option marking connections of write transactions (read by the BEGIN hook).
_WRITE_OPTION = "muster_write"


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


def sqlite_url(path: Path) -> str:
    """The URL of the SQLite database file at `path`."""
    return f"sqlite+pysqlite:///{path}"


def normalise_url(database_url: str) -> URL:
    """`database_url` with our drivers: psycopg 3 for PostgreSQL, pysqlite for SQLite.
    Raises ValueError for any other database."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url.set(drivername="sqlite+pysqlite")
    raise ValueError(
        f"unsupported database {backend!r} in {url.render_as_string(hide_password=True)}: "
        "use sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user@host/dbname"
    )


class Database:
    """Owns the engine for one database URL; create one per app (or test) and `dispose()` it.

    Repositories go through `read()` and `write()`: each is one short transaction that
    commits when the block ends and rolls back when it raises. The engine connects lazily,
    on the first transaction.
    """

    def __init__(self, database_url: str, *, busy_timeout_s: float = 10.0) -> None:
        self.url = normalise_url(database_url)
        self.dialect = Dialect(self.url.get_backend_name())
        if self.dialect is Dialect.SQLITE:
            self.engine = _sqlite_engine(self.url, busy_timeout_s)
        else:
            # pre_ping: a replica outlives server restarts and idle-connection reaping.
            self.engine = create_engine(self.url, pool_pre_ping=True)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})

    @property
    def url_string(self) -> str:
        """The URL as a string, password included (for `migrate.upgrade`; never log it)."""
        return self.url.render_as_string(hide_password=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """`settings.database_url` if set, else the SQLite file in `settings.data_dir`
        (the directory is created when missing)."""
        if settings.database_url:
            return cls(settings.database_url)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(sqlite_url(settings.data_dir / SQLITE_FILE_NAME))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction (one consistent snapshot on both databases)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction; on SQLite it holds the database's write lock from its
        first statement, so keep it short."""
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction (as `write()`), for DDL and migrations."""
        with self._write_engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        """Close every pooled connection (call before deleting the database)."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.dispose()


def _sqlite_engine(url: URL, busy_timeout_s: float) -> Engine:
    # isolation_level=None stops the sqlite3 module from issuing its own BEGINs, so the
    # "begin" hook below decides how each transaction starts (the documented SQLAlchemy recipe).
    engine = create_engine(
        url,
        connect_args={
            "isolation_level": None,
            "timeout": busy_timeout_s,
            "check_same_thread": False,
        },
    )
    busy_timeout_ms = round(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # NORMAL is durable in WAL mode except for the last commits before a power cut.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine

"""Alembic environment. Runs on a connection that `muster.storage.migrate` hands over
(so SQLite gets the same pragmas and transaction handling as the app), or, for the
`alembic` command line, on a Database built from the `sqlalchemy.url` option."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from muster.storage.database import Database
from muster.storage.tables import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url (or use muster.storage.migrate.upgrade)")
    with Database(url) as database, database.engine.connect() as connection:
        _run(connection)
        connection.commit()


_main()

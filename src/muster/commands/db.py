"""`muster db upgrade`: bring the database schema to the newest revision."""

from __future__ import annotations

import click

from muster.commands.context import load_settings
from muster.storage import Database, current_revision, upgrade


@click.group()
def db() -> None:
    """The database schema."""


@db.command(name="upgrade")
def upgrade_database() -> None:
    """Migrate the configured database (MUSTER_DATABASE_URL, or SQLite in MUSTER_DATA_DIR)
    to the newest schema. Safe to repeat; run it once before starting several replicas."""
    with Database.from_settings(load_settings()) as database:
        url = database.url.render_as_string(hide_password=False)
        shown = database.url.render_as_string(hide_password=True)
    upgrade(url)
    click.echo(f"{shown} is at revision {current_revision(url)}")

"""`muster serve`: the web UI and the API in one process (uvicorn, app factory)."""

from __future__ import annotations

import click
import uvicorn

from muster import __version__
from muster.commands.context import load_settings
from muster.storage import Database, upgrade

_ANY_ADDRESS = {"0.0.0.0", "::", ""}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes; each loads the models (about 150 MB) and reads the gallery.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web UI and the API. Settings come from MUSTER_* variables (default: SQLite
    in ./data)."""
    settings = load_settings()
    # Migrate here, once: several workers starting together would race on the schema.
    with Database.from_settings(settings) as database:
        upgrade(database.url.render_as_string(hide_password=False))
    shown = "127.0.0.1" if host in _ANY_ADDRESS else host
    address = f"http://{shown}:{port}" if ":" not in shown else f"http://[{shown}]:{port}"
    click.echo(f"Muster {__version__}: web UI at {address}/ , API reference at {address}/docs")
    uvicorn.run(
        "muster.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )

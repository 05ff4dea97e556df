"""What every subcommand needs: settings from the environment, the services over them, and
errors printed as one line a person can act on instead of a traceback."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError

from muster.config import Settings
from muster.domain.errors import MusterError
from muster.services.container import Services, build_services


def load_settings() -> Settings:
    """Settings from MUSTER_* environment variables; a bad value is a usage error."""
    try:
        return Settings()
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings (see docs/configuration.md):\n{exc}") from exc


@contextmanager
def open_services(settings: Settings | None = None) -> Iterator[Services]:
    """The services over the configured database (migrated to the newest schema first, as
    `muster serve` does), closed on exit. A MusterError inside becomes a one-line error."""
    services = build_services(settings or load_settings())
    try:
        yield services
    except MusterError as exc:
        raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
    finally:
        services.close()


def cli_actor() -> str:
    """How the audit log names a person at this terminal."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name, e.g. a container with an unnamed uid
        user = "unknown"
    return f"cli:{user}"

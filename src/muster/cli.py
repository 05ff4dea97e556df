"""The `muster` command line. Subcommands are thin: parse, call a service, print."""

from __future__ import annotations

import click

from muster import __version__


@click.group()
@click.version_option(__version__, prog_name="muster")
def cli() -> None:
    """Muster: face-recognition attendance."""


def main() -> None:
    cli()

"""The `muster` command line. Subcommands are thin: parse, call a service, print."""

from __future__ import annotations

import click

from muster import __version__
from muster.commands.db import db
from muster.commands.evaluate import eval_group
from muster.commands.export import export
from muster.commands.faces import enroll, identify, verify
from muster.commands.keys import keys
from muster.commands.people import people
from muster.commands.serve import serve
from muster.commands.users import users
from muster.commands.watch import watch


@click.group()
@click.version_option(__version__, prog_name="muster")
def cli() -> None:
    """Muster: face-recognition attendance."""


cli.add_command(serve)
cli.add_command(db)
cli.add_command(keys)
cli.add_command(export)
cli.add_command(people)
cli.add_command(enroll)
cli.add_command(identify)
cli.add_command(verify)
cli.add_command(eval_group)
cli.add_command(users)
cli.add_command(watch)


def main() -> None:
    cli()

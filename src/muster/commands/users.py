"""`muster users create|list|password|disable|enable`: the staff who sign in to the admin
pages (/admin/login) with a username and password. Passwords are typed at a prompt, never
given as an argument (arguments end up in shell history and process lists)."""

from __future__ import annotations

import click

from muster.commands.context import cli_actor, open_services
from muster.domain.people import Role
from muster.domain.users import USER_ROLES, normalise_username


def _username(_: click.Context, __: click.Parameter, value: str) -> str:
    """NAME as it is stored (lower case); a usage error for one that cannot be a username."""
    try:
        return normalise_username(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _prompt_password() -> str:
    password: str = click.prompt(
        "Password", hide_input=True, confirmation_prompt="Repeat the password"
    )
    return password


@click.group()
def users() -> None:
    """People who sign in to the admin pages."""


@users.command()
@click.argument("name", callback=_username)
@click.option(
    "--role",
    type=click.Choice([role.value for role in USER_ROLES]),
    default=Role.OPERATOR.value,
    show_default=True,
    help="admin: everything, settings and keys included; operator: people, registers, "
    "reports and the review queue.",
)
def create(name: str, role: str) -> None:
    """Create user NAME; prompts for the password (twice)."""
    password = _prompt_password()
    with open_services() as services:
        user = services.accounts.create_user(
            name, role=Role(role), password=password, actor=cli_actor()
        )
    click.echo(f"Created {user.role} user {user.username!r}; they sign in at /admin/login.")


@users.command(name="list")
def list_users() -> None:
    """List users (never their passwords)."""
    with open_services() as services:
        found = services.accounts.users()
    click.echo("id\trole\tcreated\tlast sign-in\tdisabled\tusername")
    for user in found:
        created = user.created_at.isoformat(timespec="seconds")
        last = user.last_sign_in_at.isoformat(timespec="seconds") if user.last_sign_in_at else "-"
        disabled = user.disabled_at.isoformat(timespec="seconds") if user.disabled_at else "-"
        click.echo(f"{user.id}\t{user.role}\t{created}\t{last}\t{disabled}\t{user.username}")


@users.command()
@click.argument("name", callback=_username)
def password(name: str) -> None:
    """Set a new password for user NAME (prompts twice)."""
    new_password = _prompt_password()
    with open_services() as services:
        user = services.accounts.set_password(name, new_password, actor=cli_actor())
    click.echo(f"Changed the password of {user.username!r}.")


@users.command()
@click.argument("name", callback=_username)
def disable(name: str) -> None:
    """Stop user NAME from signing in (sessions already open run out on their own)."""
    with open_services() as services:
        user = services.accounts.set_disabled(name, True, actor=cli_actor())
    click.echo(f"Disabled {user.username!r}.")


@users.command()
@click.argument("name", callback=_username)
def enable(name: str) -> None:
    """Let a disabled user NAME sign in again."""
    with open_services() as services:
        user = services.accounts.set_disabled(name, False, actor=cli_actor())
    click.echo(f"Enabled {user.username!r}.")

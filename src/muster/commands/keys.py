"""`muster keys create|list|revoke`: API keys for staff and devices (each change audited)."""

from __future__ import annotations

import click

from muster.commands.context import cli_actor, open_services
from muster.domain.people import Role


@click.group()
def keys() -> None:
    """API keys."""


@keys.command()
@click.option("--name", required=True, help="What the key is for, e.g. 'front desk'.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.OPERATOR.value,
    show_default=True,
    help="admin: everything; operator: registers and corrections; device: check-ins.",
)
@click.option("--device-id", type=click.IntRange(min=1), help="The device of a device key.")
def create(name: str, role: str, device_id: int | None) -> None:
    """Create a key and print its token, once: it is not stored and cannot be shown again."""
    if (role == Role.DEVICE.value) != (device_id is not None):
        raise click.UsageError("a device key needs --device-id, and only a device key takes it")
    with open_services() as services:
        issued = services.key_admin.issue(
            name=name, role=Role(role), device_id=device_id, actor=cli_actor()
        )
    click.echo(f"Created {issued.key.role} key {issued.key.id} ({issued.key.name}).", err=True)
    click.echo("Its token is shown this once; store it now:", err=True)
    click.echo(issued.token)


@keys.command(name="list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
def list_keys(include_revoked: bool) -> None:
    """List keys (never their tokens)."""
    with open_services() as services:
        found = services.key_admin.all(include_revoked=include_revoked)
    click.echo("id\trole\tdevice\tprefix\tcreated\trevoked\tname")
    for key in found:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-"
        device = "-" if key.device_id is None else str(key.device_id)
        created = key.created_at.isoformat(timespec="seconds")
        click.echo(
            f"{key.id}\t{key.role}\t{device}\t{key.prefix}\t{created}\t{revoked}\t{key.name}"
        )


@keys.command()
@click.argument("key_id", type=click.IntRange(min=1))
def revoke(key_id: int) -> None:
    """Revoke key KEY_ID at once (requests with it get 401)."""
    with open_services() as services:
        key = services.key_admin.revoke(key_id, actor=cli_actor())
    click.echo(f"Revoked {key.role} key {key.id} ({key.name}).")

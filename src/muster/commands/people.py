"""`muster people import`: people from a CSV file, with their groups and consent."""

from __future__ import annotations

from pathlib import Path

import click

from muster.commands.context import cli_actor, open_services
from muster.domain.errors import MusterError
from muster.services.people_import import ImportedPerson, read_people_csv


@click.group()
def people() -> None:
    """People."""


@people.command(name="import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--photos",
    "photos_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of photos: DIR/<external_id or name>/*.jpg.",
)
@click.option(
    "--consent-method",
    help="How everyone in the file gave consent (e.g. 'paper form'), for rows whose "
    "consent column is empty or missing.",
)
def import_people(csv_file: Path, photos_dir: Path | None, consent_method: str | None) -> None:
    """Import people from CSV_FILE (columns: name, external_id, email, groups separated by
    ";", consent; only name is required) and enrol their photos like uploads. Existing people
    (same external_id, or same name without one) are left alone, and people who already have
    templates get no more, so importing twice adds nothing."""
    try:
        with csv_file.open(encoding="utf-8-sig", newline="") as stream:
            rows = read_people_csv(stream, default_consent_method=consent_method)
    except MusterError as exc:
        raise click.ClickException(f"{csv_file}:\n{exc.message}") from exc
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file} is not UTF-8 text ({exc.reason})") from exc
    with open_services() as services:
        report = services.people_import.import_rows(rows, actor=cli_actor(), photos_dir=photos_dir)
    for group in report.groups_created:
        click.echo(f"created group {group.name!r} (id {group.id})")
    for imported in report.people:
        state = "created" if imported.created else "already present"
        click.echo(f"line {imported.row.line}: {imported.person.name} ({state})")
        if photos_dir is not None:
            _echo_photos(imported)
    created = sum(1 for imported in report.people if imported.created)
    enrolled = sum(len(imported.enrolled) for imported in report.people)
    refused = sum(len(imported.refused) for imported in report.people)
    click.echo(
        f"{created} people created, {len(report.people) - created} already present; "
        f"{enrolled} photos enrolled, {refused} refused"
    )


def _echo_photos(imported: ImportedPerson) -> None:
    if imported.note is not None:
        click.echo(f"  photos: {imported.note}")
    for path in imported.enrolled:
        click.echo(f"  enrolled {path.name}")
    for refusal in imported.refused:
        click.echo(f"  refused {refusal.photo.name}: {refusal.reason}")

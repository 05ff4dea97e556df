"""`muster export`: a group's register over a date range as CSV or XLSX, the same file the
API's /attendance/export gives."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from muster.commands.context import open_services
from muster.services.attendance import DateRange, ExportFormat

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@click.option("--group", "group_ref", required=True, help="The group's name or id.")
@click.option("--from", "first_day", type=_DAY, required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last_day", type=_DAY, required=True, help="Last day (included).")
@click.option(
    "--format",
    "file_format",
    type=click.Choice([f.value for f in ExportFormat]),
    help="Default: from the output file's extension, else csv.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write. Default: the export's own name, in this directory.",
)
def export(
    group_ref: str,
    first_day: datetime,
    last_day: datetime,
    file_format: str | None,
    output: Path | None,
) -> None:
    """Export a group's register (local days, both included)."""
    chosen = ExportFormat(file_format or _format_of(output))
    with open_services() as services:
        group = services.attendance.find_group(group_ref)
        days = DateRange(first_day.date(), last_day.date())
        exported = services.attendance.export(group.id, days, chosen)
    path = output or Path(exported.filename)
    path.write_bytes(exported.content)
    click.echo(f"Wrote {exported.row_count} register rows of {group.name!r} to {path}")


def _format_of(output: Path | None) -> str:
    suffix = "" if output is None else output.suffix.lower().lstrip(".")
    return suffix if suffix in {f.value for f in ExportFormat} else ExportFormat.CSV.value

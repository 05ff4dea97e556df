"""Register exports: one column list, two writers (CSV and XLSX) that render it.

Both files hold the same rows and columns with the same content. Times are in each row's
schedule zone: the CSV writes ISO 8601 with the UTC offset (2024-03-11T08:55:00+13:00); the
XLSX writes real Excel date/time cells holding the same local wall-clock time (Excel has no
time zones, so the `timezone` column says which zone they are in).

Text is made safe for spreadsheets once, for both writers: a cell that starts with = + - @,
a tab or a carriage return is prefixed with an apostrophe, so Excel or LibreOffice never runs
it as a formula (CSV/formula injection, OWASP), and control characters that XLSX cannot hold
are removed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO, TextIO, TypeVar

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from muster.domain.attendance import Correction, RegisterEntry, load_zone

CellValue = str | int | date | datetime | None
"""A typed cell: datetimes are aware (local to the row's schedule), dates are local days."""

T = TypeVar("T")

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XLSX (XML 1.0) cannot store; tab, newline and carriage return are allowed.
_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_XLSX_DATE_FORMAT = "yyyy-mm-dd"
_MAX_COLUMN_WIDTH_CHARS = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterRow:
    """A register entry with the names a reader needs. `timezone` is the schedule's IANA zone."""

    entry: RegisterEntry
    person_name: str
    external_id: str | None
    schedule_name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Column:
    """One export column: a stable header and how to read its typed value from a row."""

    header: str
    value: Callable[[RegisterRow], CellValue]


def _local(at: datetime | None, row: RegisterRow) -> datetime | None:
    return None if at is None else at.astimezone(load_zone(row.timezone))


def _status(row: RegisterRow) -> str:
    return row.entry.status.value


def _derived_status(row: RegisterRow) -> str | None:
    derived = row.entry.derived_status
    return None if derived is None else derived.value


def _from_correction(row: RegisterRow, read: Callable[[Correction], T]) -> T | None:
    correction = row.entry.correction
    return None if correction is None else read(correction)


REGISTER_COLUMNS: tuple[Column, ...] = (
    Column("day", lambda row: row.entry.day),
    Column("schedule", lambda row: row.schedule_name),
    Column("person_id", lambda row: row.entry.person_id),
    Column("external_id", lambda row: row.external_id),
    Column("name", lambda row: row.person_name),
    Column("status", _status),
    Column("derived_status", _derived_status),
    Column("first_in", lambda row: _local(row.entry.first_in, row)),
    Column("last_out", lambda row: _local(row.entry.last_out, row)),
    Column("time_on_site_s", lambda row: row.entry.time_on_site_s),
    Column("arrival_delay_s", lambda row: row.entry.arrival_delay_s),
    Column("timezone", lambda row: row.timezone),
    Column("correction_reason", lambda row: _from_correction(row, lambda c: c.reason)),
    Column("corrected_by", lambda row: _from_correction(row, lambda c: c.actor)),
    Column("corrected_at", lambda row: _local(_from_correction(row, lambda c: c.at), row)),
)
"""The register's columns, in order; headers are a stable interface for spreadsheets."""


def safe_text(text: str) -> str:
    """`text` without XLSX-illegal control characters, apostrophe-prefixed when a
    spreadsheet would read it as a formula."""
    cleaned = _ILLEGAL_XML_CHARS.sub("", text)
    return "'" + cleaned if cleaned.startswith(_FORMULA_TRIGGERS) else cleaned


def csv_text(value: CellValue) -> str:
    """How a typed cell is written in the CSV."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return str(value)


def write_register_csv(rows: Iterable[RegisterRow], stream: TextIO) -> None:
    """Write a header line and one line per row. Open `stream` with newline="" and
    encoding="utf-8" (RFC 4180 line ends are CRLF)."""
    writer = csv.writer(stream)
    writer.writerow(column.header for column in REGISTER_COLUMNS)
    for row in rows:
        writer.writerow(csv_text(column.value(row)) for column in REGISTER_COLUMNS)


def register_csv_bytes(rows: Iterable[RegisterRow]) -> bytes:
    """The CSV as UTF-8 bytes (for an HTTP response)."""
    text = io.StringIO(newline="")
    write_register_csv(rows, text)
    return text.getvalue().encode("utf-8")


def _xlsx_value(value: CellValue) -> str | int | date | datetime | None:
    if isinstance(value, datetime):
        # Excel cells have no zone: keep the local wall-clock time the CSV shows, to the
        # whole second as the CSV writes it.
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, str):
        return safe_text(value)
    return value


def write_register_xlsx(
    rows: Iterable[RegisterRow], stream: BinaryIO, *, sheet_title: str = "Register"
) -> None:
    """Write one sheet: a bold header row, then one row per register row, with date/time
    cells, a frozen header and columns sized to their content."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook has exactly one sheet
    sheet.title = sheet_title
    sheet.append([column.header for column in REGISTER_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(column.header) for column in REGISTER_COLUMNS]
    for row_number, row in enumerate(rows, start=2):
        for index, column in enumerate(REGISTER_COLUMNS):
            value = column.value(row)
            cell = sheet.cell(row=row_number, column=index + 1, value=_xlsx_value(value))
            if isinstance(value, datetime):
                cell.number_format = _XLSX_DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = _XLSX_DATE_FORMAT
            widths[index] = max(widths[index], len(csv_text(value)))
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(width, _MAX_COLUMN_WIDTH_CHARS) + 2
    sheet.freeze_panes = "A2"
    workbook.save(stream)


def register_xlsx_bytes(rows: Iterable[RegisterRow]) -> bytes:
    """The XLSX file as bytes (for an HTTP response)."""
    buffer = io.BytesIO()
    write_register_xlsx(rows, buffer)
    return buffer.getvalue()

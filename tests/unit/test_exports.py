"""Register exports: the CSV text, formula-injection guard, and an XLSX that openpyxl reads
back to the same content. Real files in memory; real openpyxl on both sides."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from muster.domain.attendance import RegisterEntry, RegisterStatus
from muster.services.exports import (
    REGISTER_COLUMNS,
    RegisterRow,
    register_csv_bytes,
    register_xlsx_bytes,
    safe_text,
)

from .attendance_factories import status_correction, utc

AUCKLAND = "Pacific/Auckland"
TIME_COLUMNS = {"first_in", "last_out", "corrected_at"}
INT_COLUMNS = {"person_id", "time_on_site_s", "arrival_delay_s"}


def _row(
    *,
    name: str = "Aroha Ngata",
    status: RegisterStatus = RegisterStatus.LATE,
    external_id: str | None = "S-001",
    corrected: bool = False,
) -> RegisterRow:
    correction = (
        status_correction(RegisterStatus.PRESENT, day=date(2024, 3, 11)) if corrected else None
    )
    entry = RegisterEntry(
        person_id=12,
        day=date(2024, 3, 11),
        schedule_id=7,
        status=status,
        first_in=utc("2024-03-10T19:40"),  # 08:40 NZDT on 11 March
        last_out=utc("2024-03-11T02:15:30"),
        time_on_site_s=23_730,
        arrival_delay_s=600,
        derived_status=RegisterStatus.LATE,
        correction=correction,
    )
    return RegisterRow(
        entry=entry,
        person_name=name,
        external_id=external_id,
        schedule_name="Maths 9B",
        timezone=AUCKLAND,
    )


def _csv_rows(rows: list[RegisterRow]) -> list[list[str]]:
    text = register_csv_bytes(rows).decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_header_is_the_stable_column_list() -> None:
    assert _csv_rows([])[0] == [
        "day",
        "schedule",
        "person_id",
        "external_id",
        "name",
        "status",
        "derived_status",
        "first_in",
        "last_out",
        "time_on_site_s",
        "arrival_delay_s",
        "timezone",
        "correction_reason",
        "corrected_by",
        "corrected_at",
    ]


def test_csv_writes_times_in_the_schedule_zone_with_offset() -> None:
    header, line = _csv_rows([_row()])
    cells = dict(zip(header, line, strict=True))
    assert cells["day"] == "2024-03-11"
    assert cells["first_in"] == "2024-03-11T08:40:00+13:00"
    assert cells["last_out"] == "2024-03-11T15:15:30+13:00"
    assert (cells["status"], cells["time_on_site_s"], cells["arrival_delay_s"]) == (
        "late",
        "23730",
        "600",
    )


def test_csv_leaves_missing_values_empty() -> None:
    header, line = _csv_rows([_row(external_id=None)])
    cells = dict(zip(header, line, strict=True))
    assert (cells["external_id"], cells["correction_reason"], cells["corrected_at"]) == ("", "", "")


def test_csv_carries_the_correction_for_the_audit_trail() -> None:
    header, line = _csv_rows([_row(corrected=True)])
    cells = dict(zip(header, line, strict=True))
    assert (cells["correction_reason"], cells["corrected_by"]) == (
        "doctor's note",
        "admin@example.org",
    )
    assert cells["corrected_at"] == "2024-01-17T01:00:00+13:00"


def test_csv_is_utf8_and_keeps_names_in_any_script() -> None:
    names = ["José Müller", "王秀英", "Ngā Tāne"]
    lines = _csv_rows([_row(name=name) for name in names])
    assert [line[4] for line in lines[1:]] == names


def test_csv_quotes_commas_quotes_and_newlines_in_names() -> None:
    awkward = 'Smith, "Jo"\nsecond line'
    assert _csv_rows([_row(name=awkward)])[1][4] == awkward


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://x","y")', "+44 1234", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd"],
)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(name: str) -> None:
    assert _csv_rows([_row(name=name)])[1][4] == "'" + name


def test_ordinary_text_is_left_alone() -> None:
    assert safe_text("O'Brien = ok") == "O'Brien = ok"


def test_control_characters_that_xlsx_cannot_hold_are_removed() -> None:
    assert safe_text("Ann\x00a\x07 Lee") == "Anna Lee"


def _xlsx_sheet(rows: list[RegisterRow]) -> Worksheet:
    workbook = load_workbook(io.BytesIO(register_xlsx_bytes(rows)))
    assert workbook.sheetnames == ["Register"]
    sheet = workbook["Register"]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_xlsx_has_a_bold_header_row_and_sized_columns() -> None:
    sheet = _xlsx_sheet([_row()])
    assert [cell.value for cell in sheet[1]] == [column.header for column in REGISTER_COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["A"].width >= len("2024-03-11")
    assert sheet.column_dimensions["H"].width >= len("2024-03-11T08:40:00+13:00")
    assert sheet.freeze_panes == "A2"


def test_xlsx_holds_real_dates_and_local_times() -> None:
    sheet = _xlsx_sheet([_row()])
    day, first_in = sheet["A2"], sheet["H2"]
    assert (first_in.value, first_in.number_format) == (
        datetime(2024, 3, 11, 8, 40),
        "yyyy-mm-dd hh:mm:ss",
    )
    assert (day.value, day.number_format) == (datetime(2024, 3, 11), "yyyy-mm-dd")
    assert first_in.is_date
    assert day.is_date


def test_xlsx_stores_formula_looking_names_as_guarded_text() -> None:
    cell = _xlsx_sheet([_row(name="=1+1")])["E2"]
    assert (cell.data_type, cell.value) == ("s", "'=1+1")


def _typed(header: str, text: str) -> object:
    """A CSV cell as the typed value the XLSX holds (local wall-clock time, no offset)."""
    if text == "":
        return None
    if header in TIME_COLUMNS:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    if header == "day":
        return datetime.combine(date.fromisoformat(text), datetime.min.time())
    if header in INT_COLUMNS:
        return int(text)
    return text


def test_xlsx_content_equals_the_csv_content() -> None:
    rows = [
        _row(),
        _row(name="=cmd|' /C calc'!A0", corrected=True, status=RegisterStatus.PRESENT),
        _row(name="王秀英", external_id=None, status=RegisterStatus.ABSENT),
    ]
    header, *csv_lines = _csv_rows(rows)
    sheet = _xlsx_sheet(rows)
    xlsx_lines = [list(values) for values in sheet.iter_rows(min_row=2, values_only=True)]
    expected = [
        [_typed(h, text) for h, text in zip(header, line, strict=True)] for line in csv_lines
    ]
    assert xlsx_lines == expected
    assert len(xlsx_lines) == 3


def test_empty_register_exports_only_the_header() -> None:
    assert _xlsx_sheet([]).max_row == 1
    assert len(_csv_rows([])) == 1


def test_rows_keep_the_callers_order() -> None:
    rows = [_row(name="B"), _row(name="A")]
    assert [line[4] for line in _csv_rows(rows)[1:]] == ["B", "A"]

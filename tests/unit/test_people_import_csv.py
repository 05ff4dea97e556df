"""Reading the people CSV of `muster people import`: real CSV text in memory, no I/O."""

from __future__ import annotations

import io

import pytest

from muster.services.people_import import ImportFileError, ImportRow, read_people_csv


def rows_of(text: str, default_consent_method: str | None = None) -> list[ImportRow]:
    return read_people_csv(io.StringIO(text), default_consent_method=default_consent_method)


def test_every_column_is_read_and_trimmed() -> None:
    [row] = rows_of(
        "name,external_id,email,groups,consent\n"
        " Ada Lovelace , S1 , ada@example.org , Year 7 ; Maths club ;, paper form\n"
    )
    assert row == ImportRow(
        line=2,
        name="Ada Lovelace",
        external_id="S1",
        email="ada@example.org",
        groups=("Year 7", "Maths club"),
        consent_method="paper form",
    )


def test_only_the_name_is_required_and_columns_may_come_in_any_order() -> None:
    [row] = rows_of("groups,name\nYear 7,Ben\n")
    assert (row.name, row.external_id, row.email, row.groups) == ("Ben", None, None, ("Year 7",))
    assert row.consent_method is None


def test_the_consent_flag_fills_only_empty_consent_cells() -> None:
    rows = rows_of("name,consent\nAda,paper form\nBen,\n", default_consent_method="kiosk")
    assert [r.consent_method for r in rows] == ["paper form", "kiosk"]


def test_a_quoted_name_may_hold_a_comma_and_repeated_groups_count_once() -> None:
    [row] = rows_of('name,groups\n"Cy, Jr",A;A;B\n')
    assert (row.name, row.groups) == ("Cy, Jr", ("A", "B"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("email\nada@example.org\n", "'name' column", id="no name column"),
        pytest.param("name,nick\nAda,A\n", "unknown columns nick", id="unknown column"),
    ],
)
def test_headers_are_checked(text: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        rows_of(text)


def test_blank_lines_are_skipped() -> None:
    assert [r.name for r in rows_of("name\n\nAda\n\n")] == ["Ada"]


def test_every_bad_line_is_reported_and_nothing_is_returned() -> None:
    text = "name,email\nAda,ada@example.org\n,x@y\nBen,not-an-address\nCy,c@x,extra\n"
    with pytest.raises(ImportFileError) as raised:
        rows_of(text)
    assert raised.value.message.splitlines() == [
        "line 3: the name is empty",
        "line 4: 'not-an-address' is not an email address",
        "line 5: more fields than columns (quote values that contain commas)",
    ]


def test_too_long_values_are_refused() -> None:
    with pytest.raises(ImportFileError, match="external_id is longer than 100"):
        rows_of(f"name,external_id\nAda,{'9' * 101}\n")

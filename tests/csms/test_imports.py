"""The import machinery every import command shares (csms/imports)."""

import datetime

import pytest
import tablib

from csms.imports.columns import Boolean, Integer, Moment
from csms.imports.files import ImportFileError, table_read


def test_csv_places_are_the_files_lines_even_with_blank_lines_and_quoted_newlines(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,note\n1,"two\nlines"\n\n2,x\n', encoding="utf-8")

    table = table_read(path)

    assert table.places == ["line 2", "line 5"]
    assert list(table.dataset["id"]) == ["1", "2"]


def test_semicolon_separated_csv_with_a_bom_is_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("\ufeffid;name\n1;Gate\n".encode())

    table = table_read(path)

    assert table.dataset.headers == ["id", "name"]
    assert table.dataset[0] == ("1", "Gate")


def test_a_csv_line_with_too_many_values_is_a_file_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,name\n1,Gate,extra\n", encoding="utf-8")

    with pytest.raises(ImportFileError, match="line 2: 3 values, but the header names 2 columns"):
        table_read(path)


def test_json_objects_keep_their_own_keys(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[{"a": 1, "b": 2}, {"b": 3, "c": 4}]', encoding="utf-8")

    table = table_read(path)

    assert table.dataset.headers == ["a", "b", "c"]
    assert table.dataset.dict == [{"a": 1, "b": 2, "c": None}, {"a": None, "b": 3, "c": 4}]
    assert table.places == ["item 0", "item 1"]


def test_not_utf8_and_broken_excel_files_are_file_errors(tmp_path):
    latin = tmp_path / "a.csv"
    latin.write_bytes("id\nstra\xdfe\n".encode("latin-1"))
    broken = tmp_path / "a.xlsx"
    broken.write_bytes(b"not a zip")

    with pytest.raises(ImportFileError, match="not UTF-8"):
        table_read(latin)
    with pytest.raises(ImportFileError, match="not a readable Excel file"):
        table_read(broken)


def test_excel_rows_are_numbered_as_the_sheet_numbers_them(tmp_path):
    data = tablib.Dataset(headers=["id"])
    data.append(["A"])
    data.append(["B"])
    path = tmp_path / "a.xlsx"
    path.write_bytes(data.export("xlsx"))

    assert table_read(path).places == ["row 2", "row 3"]


@pytest.mark.parametrize(
    ("value", "expected"), [("2", 2), (3, 3), (4.0, 4), ("", None), (None, None)]
)
def test_integers_come_as_text_or_numbers(value, expected):
    assert Integer(lowest=0, highest=10).clean(value) == expected


@pytest.mark.parametrize("value", ["two", "2.5", 2.5, True, "11", float("inf"), float("nan")])
def test_anything_else_is_not_an_integer(value):
    with pytest.raises(ValueError):
        Integer(lowest=0, highest=10).clean(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("YES", True), ("no", False), ("1", True), (False, False)]
)
def test_booleans_in_the_usual_spellings(value, expected):
    assert Boolean().clean(value) is expected


def test_a_date_means_through_that_day_in_the_servers_time_zone(settings):
    settings.TIME_ZONE = "Asia/Bangkok"

    moment = Moment().clean("2027-12-31")

    assert moment.isoformat() == "2028-01-01T00:00:00+07:00"
    assert Moment().clean("2027-12-31T10:00:00Z").isoformat() == "2027-12-31T10:00:00+00:00"
    with pytest.raises(ValueError, match="Enter a date"):
        Moment().clean("2027-02-30")


@pytest.mark.parametrize(
    "value", ["9999-12-31", datetime.date(9999, 12, 31), "9999-12-31T23:00:00-05:00"]
)
def test_a_moment_past_the_last_python_has_is_a_column_error(settings, value):
    settings.TIME_ZONE = "UTC"

    with pytest.raises(ValueError, match="too far in the future"):
        Moment().clean(value)


def test_a_csv_cell_an_export_escaped_is_read_as_it_was(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,vendor\n'=1+1,'quoted\n'-2,''@x\n", encoding="utf-8")

    table = table_read(path)

    assert table.dataset.dict == [
        {"id": "=1+1", "vendor": "'quoted"},
        {"id": "-2", "vendor": "'@x"},
    ]

"""Reading an import file into a tablib Dataset, remembering where each row came from.

Errors name the place an operator finds in their editor: the file's line
(CSV, counting the header as line 1), the sheet's row (Excel) or the
object's index (JSON, from 0). tablib's own CSV and JSON loaders lose that
(blank lines are dropped, JSON objects are read in the first one's key
order), so CSV is read with the csv module and JSON with json.

A file holds at most CSMS_IMPORT_MAX_LINES lines (rows, objects); an Excel
file, which is compressed, is refused unread when it would expand beyond
what that many lines take. A cell that an export escaped (a quote before
"=", csms/imports/cells.py) is read back as it was.
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import tablib
from django.conf import settings

from csms.imports.cells import cell_unescape

EXTENSIONS = (".csv", ".json", ".xlsx")
# What an Excel file may expand to: this much XML a line (a row of a dozen
# columns of text is about 1 KB), plus the parts every workbook has.
XLSX_BYTES_PER_LINE = 2048
XLSX_FIXED_BYTES = 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported: nothing of it is."""


def _too_long(path: Path, limit: int) -> ImportFileError:
    return ImportFileError(
        f"{path}: more than {limit} lines to import, the most a file may hold "
        f"(CSMS_IMPORT_MAX_LINES): split it into smaller files"
    )


@dataclass
class Table:
    dataset: tablib.Dataset
    # Where each row of the dataset is in the file: "line 7", "item 3", "row 7".
    places: list[str] = field(default_factory=list)


def table_read(path: str | Path) -> Table:
    path = Path(path)
    _kind_check(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read the file: {error.strerror or error}") from None
    return table_parse(name=str(path), data=data)


def table_parse(*, name: str, data: bytes) -> Table:
    """The rows of a file's contents, the kind chosen by its name's extension.

    The command reads a path, the admin an upload: both read the same way,
    so both name the same places.
    """
    path = Path(name)
    suffix = _kind_check(path)
    if suffix == ".xlsx":
        return _xlsx(path, data)
    try:
        # utf-8-sig: spreadsheets saved as CSV on Windows start with a BOM.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not UTF-8 text ({error.reason})") from None
    return _csv(path, text) if suffix == ".csv" else _json(path, text)


def _kind_check(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(
            f"{path}: unknown file type {suffix or '(no extension)'!r}: "
            f"give a {', '.join(EXTENSIONS)} file"
        )
    return suffix


def _csv(path: Path, text: str) -> Table:
    if not text.strip():
        raise ImportFileError(f"{path}: the file is empty")
    try:
        # Sniffed: spreadsheets in many locales write ";" between columns.
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    dataset = tablib.Dataset()
    places = []
    limit = settings.CSMS_IMPORT_MAX_LINES
    try:
        headers = next(reader)
        last_line = reader.line_num
        for values in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            place = f"line {first_line}"
            if len(values) != len(headers):
                raise ImportFileError(
                    f"{path}, {place}: {len(values)} values, but the header names "
                    f"{len(headers)} columns"
                )
            if len(places) >= limit:
                raise _too_long(path, limit)
            dataset.append([cell_unescape(value) for value in values])
            places.append(place)
    except csv.Error as error:
        raise ImportFileError(f"{path}, line {reader.line_num}: {error}") from None
    dataset.headers = headers
    return Table(dataset=dataset, places=places)


class _NotANumber(ValueError):
    pass


def _constant_refuse(name: str):
    raise _NotANumber(name)


def _json(path: Path, text: str) -> Table:
    try:
        # NaN and Infinity are no JSON (RFC 8259 §6), though Python's json reads them.
        document = json.loads(text, parse_constant=_constant_refuse)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"{path}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except _NotANumber as error:
        raise ImportFileError(
            f"{path}: invalid JSON: {error} is not a JSON number (give a number or null)"
        ) from None
    except RecursionError:
        raise ImportFileError(f"{path}: the JSON is nested too deeply to read") from None
    # An OCPI 2.2.1 response (transport_and_format §4.1.7) carries its list in "data".
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]
    if not isinstance(document, list):
        raise ImportFileError(f"{path}: expected a JSON list of objects")
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise ImportFileError(f"{path}, item {index}: expected an object, not {item!r:.40}")
    if not document:
        raise ImportFileError(f"{path}: the list is empty")
    if len(document) > settings.CSMS_IMPORT_MAX_LINES:
        raise _too_long(path, settings.CSMS_IMPORT_MAX_LINES)
    return Table(
        dataset=dataset_from_records(document),
        places=[f"item {index}" for index in range(len(document))],
    )


def dataset_from_records(records: list[dict[str, Any]]) -> tablib.Dataset:
    """A dataset with every key any record has as a column, absent ones as None."""
    headers: dict[str, None] = {}
    for record in records:
        headers.update(dict.fromkeys(record))
    dataset = tablib.Dataset(headers=list(headers))
    for record in records:
        dataset.append([record.get(header) for header in headers])
    return dataset


def _xlsx(path: Path, data: bytes) -> Table:
    limit = settings.CSMS_IMPORT_MAX_LINES
    try:
        # The sizes the archive declares: zipfile reads no member beyond its own.
        expanded = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ImportFileError(f"{path}: not a readable Excel file ({error})") from None
    most = limit * XLSX_BYTES_PER_LINE + XLSX_FIXED_BYTES
    if expanded > most:
        raise ImportFileError(
            f"{path}: the Excel file expands to {expanded // 1_000_000} MB, more than "
            f"{limit} lines take (CSMS_IMPORT_MAX_LINES): split it into smaller files"
        )
    try:
        # Read-only: the sheet is read row by row, not loaded whole.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _sheet_table(path, book.active, limit)
        finally:
            book.close()
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(f"{path}: not a readable Excel file ({error})") from None


def _sheet_table(path: Path, sheet, limit: int) -> Table:
    headers = list(next(sheet.iter_rows(max_row=1, values_only=True), ()))
    while headers and _is_blank(headers[-1]):
        headers.pop()
    if not headers:
        raise ImportFileError(f"{path}: the first sheet is empty")
    width = len(headers)
    dataset = tablib.Dataset()
    places = []
    # Only the header's columns: a sheet may declare thousands, each a cell a row.
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), 2):
        if all(_is_blank(value) for value in values):
            continue
        if len(places) >= limit:
            raise _too_long(path, limit)
        values = [cell_unescape(value) for value in values]
        dataset.append(values + [None] * (width - len(values)))
        places.append(f"row {number}")
    dataset.headers = headers
    return Table(dataset=dataset, places=places)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())

"""Reading an import file into a tablib Dataset, remembering where each row came from.

Errors name the place an operator finds in their editor: the file's line
(CSV, counting the header as line 1), the sheet's row (Excel) or the
object's index (JSON, from 0). tablib's own CSV and JSON loaders lose that
(blank lines are dropped, JSON objects are read in the first one's key
order), so CSV is read with the csv module and JSON with json.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tablib

EXTENSIONS = (".csv", ".json", ".xlsx")


class ImportFileError(Exception):
    """The file as a whole cannot be imported: nothing of it is."""


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
            dataset.append(values)
            places.append(place)
    except csv.Error as error:
        raise ImportFileError(f"{path}, line {reader.line_num}: {error}") from None
    dataset.headers = headers
    return Table(dataset=dataset, places=places)


def _json(path: Path, text: str) -> Table:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"{path}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
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
    try:
        dataset = tablib.Dataset().load(data, format="xlsx")
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(f"{path}: not a readable Excel file ({error})") from None
    if not dataset.headers:
        raise ImportFileError(f"{path}: the first sheet is empty")
    # tablib keeps the header row out of the data: data row i is sheet row i + 2.
    return Table(dataset=dataset, places=[f"row {index + 2}" for index in range(len(dataset))])

"""Cells of exported files that a spreadsheet shows as text, never runs as a formula.

Names, vendors, id tokens and session ids come from chargers, partners and
import files. A spreadsheet opening a CSV (or a cell of an xlsx) that
starts with = + - @, a tab or a carriage return may take it for a formula
(``=HYPERLINK(...)``, ``=1+cmd|' /C calc'!A0``). As OWASP's "CSV injection"
advises, such a text cell is written with a single quote in front, which
spreadsheets show as text. Numbers, booleans, dates and None are written as
they are, and so is text that is a plain number ("-3.5", "+66812345678", a
coordinate, a phone number): a spreadsheet reads it as that number, which
runs nothing, and the file keeps reading as the data.

Imports undo it (``cell_unescape``), so a file exported and imported back
changes nothing; a text that itself starts with quotes before such a
character gets one more, so that undoing is exact.
"""

import re
from typing import Any

import tablib

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _formula_like(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def cell_escape(value: Any) -> Any:
    """``value`` as an exported cell may hold it: text that could run gets a quote in front."""
    if isinstance(value, str) and _formula_like(value) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def cell_unescape(value: Any) -> Any:
    """An imported cell as it was before ``cell_escape``: one quote less before a formula."""
    if isinstance(value, str) and value.startswith("'") and _formula_like(value):
        return value[1:]
    return value


def dataset_escape(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of ``dataset`` with each cell escaped (the headers are our own column names)."""
    escaped = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        escaped.append([cell_escape(value) for value in row])
    return escaped

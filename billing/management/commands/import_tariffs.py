"""``manage.py import_tariffs FILE [FILE ...] [--dry-run]``: OCPI 2.2.1 tariffs from JSON files."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from billing.services.tariffs import tariffs_import

STDIN = "-"


class Command(BaseCommand):
    help = (
        "Import OCPI 2.2.1 Tariff objects. Each FILE holds one Tariff, a list of them, or an "
        'OCPI response ({"data": [...], "status_code": 1000, ...}); "-" reads standard input. '
        "Every object is checked first: if any is invalid, nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help='JSON file, or "-" for stdin')
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but write nothing."
        )

    def handle(self, *args, files: list[str], dry_run: bool, **options):
        objects: list[Any] = []
        file_of: list[int] = []  # the position in ``files`` of each object's file
        starts: list[int] = []  # where each file's objects begin in ``objects``
        for position, name in enumerate(files):
            found = _tariffs_in(_display(name), _read(name))
            starts.append(len(objects))
            objects += found
            file_of += [position] * len(found)

        report = tariffs_import(
            objects=objects, dry_run=dry_run, sources=[str(position) for position in file_of]
        )

        if report.errors:
            for index, path, message in report.errors:
                # The index within the object's own file, which is what its author sees.
                position = file_of[index]
                where = f"{_display(files[position])}[{index - starts[position]}]"
                self.stderr.write(f"{where} {path}: {message}" if path else f"{where}: {message}")
            invalid = len({index for index, _, _ in report.errors})
            raise CommandError(f"{invalid} of {len(objects)} tariffs are invalid; nothing imported")
        created, updated = len(report.created), len(report.updated)
        if dry_run:
            self.stdout.write(
                f"Dry run: would create {created}, would update {updated} "
                f"of {_tariffs(len(objects))}; nothing written"
            )
        else:
            self.stdout.write(
                f"Imported {_tariffs(len(objects))}: {created} created, {updated} updated"
            )


def _tariffs(count: int) -> str:
    return f"{count} tariff" if count == 1 else f"{count} tariffs"


def _display(name: str) -> str:
    return "<stdin>" if name == STDIN else name


def _read(name: str) -> Any:
    try:
        if name == STDIN:
            text = sys.stdin.read()
        else:
            # utf-8-sig: files saved by some Windows editors start with a BOM.
            with open(name, encoding="utf-8-sig") as file:
                text = file.read()
    except OSError as error:
        raise CommandError(f"{name}: cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise CommandError(f"{_display(name)}: not UTF-8 text ({error.reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{_display(name)}: invalid JSON at line {error.lineno} column {error.colno}: "
            f"{error.msg}"
        ) from None


def _tariffs_in(name: str, document: Any) -> list[Any]:
    """The Tariff objects in a file: one, a list, or the ``data`` of an OCPI response."""
    # OCPI 2.2.1 transport_and_format §4.1.7: every response is wrapped in
    # {"data", "status_code", "status_message", "timestamp"}, and partners
    # publish their tariffs as the response of a GET.
    if isinstance(document, dict) and "status_code" in document:
        status = document.get("status_code")
        if not (isinstance(status, int) and 1000 <= status <= 1999):
            message = document.get("status_message") or "no status_message"
            raise CommandError(
                f"{name}: an OCPI error response (status_code {status}: {message}), not tariffs"
            )
        document = document.get("data")
        if document is None:
            raise CommandError(f"{name}: the OCPI response has no data")
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list):
        return document
    raise CommandError(
        f"{name}: expected a Tariff object, a list of them, or an OCPI response, "
        f"not {_json_kind(document)}"
    )


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return "a string" if isinstance(value, str) else "a number"

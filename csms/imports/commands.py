"""``manage.py import_<things> FILE [--dry-run] [--skip-invalid]``: what every import shares.

The whole file is checked, and every error reported at once, each naming
its line (or JSON index) and column. Nothing is written when any line is
bad, unless --skip-invalid asks for the good lines to be written anyway;
either way the command exits with status 1 when a line was refused, so a
script notices. Re-importing a file changes nothing: lines update by their
natural key, and a line that would change nothing is counted unchanged.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.management.base import BaseCommand, CommandError

from csms.imports.files import EXTENSIONS, ImportFileError, table_read


class ImportCommand(BaseCommand):
    resource_class = None  # an ImportResource subclass
    what = "rows"  # plural, as the summary says it

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help=f"a {', '.join(EXTENSIONS)} file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every line and report; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the good lines even when some are refused (the exit status is still 1).",
        )

    def handle(self, *args, file: str, dry_run: bool, skip_invalid: bool, **options):
        resource = self.resource_class(previews=False)
        resource.progress_stream = self.stderr._out
        try:
            table = table_read(file)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        try:
            resource.prepare(table.dataset)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from None
        if not len(table.dataset):
            raise CommandError(f"{file}: no lines to import")
        resource.places = table.places
        # Before import_data opens its transaction: the writers of the
        # gateway do not wait on the database while passwords are hashed.
        resource.precompute(table.dataset, dry_run=dry_run)
        bar = resource.progress_bar(len(table.dataset), " lines")
        resource.progress = bar
        with bar:
            result = resource.import_data(
                table.dataset,
                dry_run=dry_run,
                use_transactions=True,
                rollback_on_validation_errors=not skip_invalid,
                raise_errors=False,
            )
        for error in result.base_errors:
            raise CommandError(f"{file}: {error.error}")
        refused = self._report_errors(resource, result)

        totals = result.totals
        counts = (totals["new"], totals["update"], totals["skip"], refused)
        for note in resource.notes:
            self.stdout.write(f"{file}: {note}")
        written = not dry_run and (not refused or skip_invalid)
        self.stdout.write(_summary(file, self.what, counts, dry_run=dry_run, written=written))
        if refused:
            raise CommandError(
                f"{refused} line(s) refused"
                + ("; the other lines were written" if written else "; nothing written")
            )

    def _report_errors(self, resource, result) -> int:
        refused = set()
        for row in result.invalid_rows:
            refused.add(row.number)
            place = resource.place_of(row.number)
            for column, messages in row.error_dict.items():
                where = place if column == NON_FIELD_ERRORS else f"{place}, column {column}"
                for message in messages:
                    self.stderr.write(f"{where}: {message}")
        for row in result.error_rows:
            refused.add(row.number)
            for error in row.errors:
                message = f"{type(error.error).__name__}: {error.error}"
                self.stderr.write(f"{resource.place_of(row.number)}: {message}")
        return len(refused)


def _summary(file: str, what: str, counts: tuple, *, dry_run: bool, written: bool) -> str:
    created, updated, unchanged, refused = counts
    figures = f"{created} created, {updated} updated, {unchanged} unchanged, {refused} refused"
    if dry_run:
        return f"Dry run of {file} ({what}): would be {figures}; nothing written."
    if not written:
        return f"{file} ({what}): would be {figures}; nothing written."
    return f"Imported {file} ({what}): {figures}."

"""What every import shares, whether from a management command or from the admin.

An app's resource (chargepoints/resources.py, accounts/resources.py) names
its columns and writes through its services; this base checks the file's
columns, finds the existing rows by their natural key in one query, refuses
a key given twice, and reports errors by column name rather than by the
model field behind it.
"""

import copy
from collections.abc import Hashable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from import_export import resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result
from tqdm import tqdm

from csms.imports.columns import is_empty
from csms.imports.files import ImportFileError

# Steps over this many lines show a progress bar (the commands' standard error).
PROGRESS_FROM = 200


class KeyLoader(BaseInstanceLoader):
    """Finds the stored rows of a whole file at once (one query, not one per line)."""

    def __init__(self, resource: "ImportResource", dataset=None):
        super().__init__(resource, dataset)
        keys = set()
        for row in dataset.dict if dataset else ():
            key = resource.row_key(row)
            if key is not None:
                keys.add(key)
        self.instances = resource.instances_by_key(keys) if keys else {}

    def get_instance(self, row):
        key = self.resource.row_key(row)
        return None if key is None else self.instances.get(key)


class PlacedResult(Result):
    """An import's result whose row errors are named by their place in the file."""

    def row_errors(self):
        # import-export counts the rows of the result; ImportResource.import_data
        # has named each error's row by its place ("line 3").
        return [
            (row.errors[0].number or index, row.errors)
            for index, row in enumerate(self.rows, 1)
            if row.errors
        ]


class ImportResource(resources.ModelResource):
    """Columns, checks and reporting common to the CSMS's imports.

    Subclasses set ``key_column`` (the natural key re-imports update by),
    ``required_columns``, ``export_only`` (columns exports carry for
    reading, ignored on import) and implement ``row_key`` and
    ``instances_by_key``.
    """

    key_column = ""
    required_columns: tuple[str, ...] = ()
    export_only: tuple[str, ...] = ()
    # Columns whose cells may not be empty (all the required ones, by default).
    required_values: tuple[str, ...] | None = None
    # Columns imports read and exports never write (a password).
    import_only: tuple[str, ...] = ()
    # Relations the exported columns read, loaded with the rows (not a query a row).
    export_related: tuple[str, ...] = ()

    class Meta:
        instance_loader_class = KeyLoader
        use_transactions = True
        # A line that changes nothing is counted "unchanged" and not written.
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False

    def __init__(self, *, previews: bool = True, **kwargs):
        super().__init__(**kwargs)
        # This import's own options: import-export reads (and writes) them on _meta.
        self._meta = copy.copy(self._meta)
        # The admin's preview shows each line's changes; a command prints
        # none, and skips their making (a diff of every column, every line).
        self._meta.skip_html_diff = not previews
        # Whoever imports (the admin's user); None from the command line.
        self.actor = None
        self.dry_run = False
        self.precomputed = False
        # Where progress bars go (a command's standard error); None shows none.
        self.progress_stream = None
        self.notes: list[str] = []
        # Each key's first line, to name it when a later line repeats it.
        self.first_lines: dict[Hashable, int] = {}
        self.places: list[str] | None = None
        self.progress = None

    # --- To implement -------------------------------------------------------------

    def row_key(self, row: dict[str, Any]) -> Hashable | None:
        """The row's natural key as stored, or None when it has none (an error of its own)."""
        raise NotImplementedError

    def instances_by_key(self, keys: set) -> dict[Hashable, Any]:
        raise NotImplementedError

    def records_prepare(self, dataset) -> None:
        """Reshape a file in another vocabulary (e.g. OCPI objects) into the columns, in place."""

    @classmethod
    def get_result_class(cls):
        return PlacedResult

    def get_import_id_fields(self):
        return [self.key_column]

    # --- The file -----------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        return [field.column_name for field in self.get_import_fields()]

    def get_import_fields(self):
        fields = super().get_import_fields()
        return [field for field in fields if field.column_name not in self.export_only]

    def get_export_fields(self, selected_fields=None):
        fields = super().get_export_fields(selected_fields)
        return [field for field in fields if field.column_name not in self.import_only]

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        if self.export_related and isinstance(queryset, QuerySet):
            queryset = queryset.select_related(*self.export_related)
        return queryset

    def prepare(self, dataset) -> None:
        """Check the file's columns; raises ImportFileError naming what is wrong."""
        if getattr(dataset, "_csms_prepared", False):
            return
        # Headers are matched without surrounding spaces and in any letter case.
        dataset.headers = [("" if h is None else str(h)).strip().lower() for h in dataset.headers]
        self.records_prepare(dataset)
        headers = list(dataset.headers)
        for header in [h for h in headers if h in self.export_only or not h]:
            del dataset[header]
        ignored = sorted({h for h in headers if h in self.export_only})
        if ignored:
            self.notes.append(f"ignored columns (exports only): {', '.join(ignored)}")
        missing = [column for column in self.required_columns if column not in dataset.headers]
        if missing:
            raise ImportFileError(f"missing required column(s): {', '.join(missing)}")
        unknown = [h for h in dataset.headers if h not in self.columns]
        if unknown:
            raise ImportFileError(
                f"unknown column(s): {', '.join(unknown)}; the columns are: "
                f"{', '.join(self.columns)}"
            )
        repeated = sorted({h for h in dataset.headers if dataset.headers.count(h) > 1})
        if repeated:
            raise ImportFileError(f"column(s) given twice: {', '.join(repeated)}")
        dataset._csms_prepared = True

    def precompute(self, dataset, *, dry_run: bool) -> None:
        """The file's costly work that needs no transaction, done once (see file_precompute).

        The command calls it between prepare() and import_data, so that the
        database's write lock is not held meanwhile; import-export's admin
        calls import_data itself, and before_import calls it then.
        """
        if not self.precomputed:
            self.file_precompute(dataset, dry_run=dry_run)
            self.precomputed = True

    def file_precompute(self, dataset, *, dry_run: bool) -> None:
        """Work out of the lines what costs CPU and reads little (hashing), before any write."""

    def before_import(self, dataset, **kwargs):
        self.actor = kwargs.get("user", self.actor)
        # The admin's upload carries where its rows are (csms/imports/admin.py).
        self.places = getattr(dataset, "csms_places", self.places)
        try:
            self.prepare(dataset)
        except ImportFileError as error:
            # The admin shows it above the preview, and imports nothing.
            raise ValidationError(str(error)) from None
        self.precompute(dataset, dry_run=self.dry_run)
        self.file_prepare(dataset)

    def file_prepare(self, dataset) -> None:
        """Load what the lines refer to, in a few queries, before the first line."""

    def progress_bar(self, total: int, unit: str) -> tqdm:
        return tqdm(
            total=total,
            unit=unit,
            file=self.progress_stream,
            disable=self.progress_stream is None or total <= PROGRESS_FROM,
        )

    def import_data(self, dataset, dry_run=False, **kwargs):
        # before_import is not told; a dry run does less (e.g. hashes no password).
        self.dry_run = dry_run
        result = super().import_data(dataset, dry_run=dry_run, **kwargs)
        # Refused rows are named by their place in the file ("line 3"), in the
        # admin's preview as in the command's errors, not by import-export's
        # count of data rows.
        for row in [*result.invalid_rows, *result.error_rows]:
            row.number = self.place_of(row.number)
        for row in result.rows:
            for error in row.errors:
                if error.number is not None:
                    error.number = self.place_of(error.number)
        return result

    def place_of(self, number: int | str) -> str:
        """Where line ``number`` (from 1, as import-export counts) is in the file."""
        if isinstance(number, str):  # Already named (import_data).
            return number
        if self.places is not None:
            return self.places[number - 1]
        return f"line number {number}"

    # --- Each line ----------------------------------------------------------------

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        if result.validation_error is not None:
            result.validation_error = self._by_column(result.validation_error)
        if self.progress is not None:
            self.progress.update(1)
        return result

    def import_instance(self, instance, row, **kwargs):
        # As import-export's, but errors are keyed by column: two columns may
        # fill one model field (latitude and longitude).
        errors: dict[str, list] = {}
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) or field.readonly:
                continue
            try:
                self.import_field(field, instance, row, **kwargs)
            except ValueError as error:
                errors[field.column_name] = [ValidationError(str(error))]
        required = self.required_columns if self.required_values is None else self.required_values
        for column in required:
            if column not in errors and is_empty(row.get(column)):
                errors[column] = [ValidationError("This column needs a value.")]
        key = self.row_key(row)
        number = kwargs.get("row_number")
        if key is None and self.key_column not in errors:
            errors[self.key_column] = [ValidationError("This column needs a value.")]
        if key is not None and number is not None:
            first = self.first_lines.setdefault(key, number)
            if first != number:
                errors.setdefault(self.key_column, []).append(
                    ValidationError(
                        f"{as_shown(row.get(self.key_column))} is already in this file, "
                        f"at {self.place_of(first)}."
                    )
                )
        if key is not None and self.key_column not in errors:
            self.row_check(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def row_check(self, instance, row, errors: dict[str, list]) -> None:
        """Add the errors of rules across columns to ``errors``; nothing written yet.

        A column already in ``errors`` holds no value to check.
        """

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return super().skip_row(instance, original, row, import_validation_errors) and (
            not self.other_changes(instance, row)
        )

    def other_changes(self, instance, row) -> bool:
        """Whether the line changes anything beyond the columns' fields (a password...)."""
        return False

    def _by_column(self, error: ValidationError) -> ValidationError:
        if not hasattr(error, "error_dict"):
            return error
        columns = {field.attribute: field.column_name for field in self.get_import_fields()}
        renamed: dict[str, list] = {}
        for name, errors in error.error_dict.items():
            column = columns.get(name, name)
            known = column in self.columns or column == self.key_column
            renamed.setdefault(column if known else NON_FIELD_ERRORS, []).extend(errors)
        return ValidationError(renamed)


def as_shown(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def may(actor, permission: str) -> bool:
    """Whether the importing user holds a right; the command line holds them all."""
    return actor is None or actor.has_perm(permission)

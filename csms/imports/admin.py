"""Imports and exports in the admin's lists, with the resources the commands use.

django-import-export gives the upload, the preview with each line's errors
and the confirmation; this sets what it may read and write and who may.
"""

from django.contrib.auth import get_permission_codename
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from csms.imports.files import ImportFileError, table_parse


class _FileFormat:
    """An upload read as the import commands read a file (csms/imports/files.py).

    The same reader gives the same answers, and remembers where each row is
    in the file, so the preview names the line an operator finds in their
    editor ("line 3"), not import-export's count of data rows.
    """

    extension = ""

    def create_dataset(self, in_stream, **kwargs):
        data = in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream
        table = table_parse(name=f"upload{self.extension}", data=data)
        table.dataset.csms_places = table.places
        return table.dataset


class CSVFile(_FileFormat, base_formats.CSV):
    extension = ".csv"


class JSONFile(_FileFormat, base_formats.JSON):
    """A JSON list of objects, each with the keys it has, in any order (or an OCPI response)."""

    extension = ".json"


class XLSXFile(_FileFormat, base_formats.XLSX):
    extension = ".xlsx"


IMPORT_FORMATS = [CSVFile, JSONFile, XLSXFile]
# Spreadsheets for reading; JSON is for machines, which have the API.
EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]


class ImportExportAdmin(ImportExportMixin):
    """Import (upload, preview, confirm) and export buttons on a model's list.

    Importing creates and changes rows: it needs both rights. Exporting
    needs the right to view (IMPORT_EXPORT_EXPORT_PERMISSION_CODE).
    """

    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    # Every column, always: a layout that imports back (passwords are never in it).
    export_form_class = ExportForm

    def has_import_permission(self, request):
        opts = self.opts
        return all(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("add", "change")
        )

    def add_data_read_fail_error_to_form(self, form, e):
        # What is wrong with the file, as the command says it, not only its exception's name.
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

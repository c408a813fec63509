"""Imports and exports in the admin's lists, with the resources the commands use.

django-import-export gives the upload, the preview with each line's errors
and the confirmation; this sets what it may read and write and who may.
"""

import json

from django.contrib.auth import get_permission_codename
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from csms.imports.files import dataset_from_records


class JSONRecords(base_formats.JSON):
    """A JSON list of objects, each with the keys it has, in any order.

    tablib reads every object in the first one's key order, so objects
    written with their keys in another order, or leaving optional ones out
    (as OCPI does), would land in the wrong columns.
    """

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        document = json.loads(in_stream)
        if isinstance(document, dict) and isinstance(document.get("data"), list):
            document = document["data"]
        if not isinstance(document, list) or not all(isinstance(i, dict) for i in document):
            raise ValueError("Expected a JSON list of objects.")
        return dataset_from_records(document)


IMPORT_FORMATS = [base_formats.CSV, JSONRecords, base_formats.XLSX]
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

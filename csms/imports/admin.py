"""Imports and exports in the admin's lists, with the resources the commands use.

django-import-export gives the upload, the preview with each line's errors
and the confirmation; this sets what it may read and write and who may.
"""

from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from csms.imports.cells import dataset_escape
from csms.imports.files import ImportFileError, table_parse

# The uploads this session previewed and may confirm (their stored names).
SESSION_UPLOADS = "csms_import_uploads"
# A session remembers its last few (csms/imports/uploads.py deletes stale ones).
SESSION_UPLOADS_KEPT = 20


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


class EscapedExportMixin:
    """Exported files hold text a spreadsheet shows, never a formula it runs (imports/cells.py).

    Every export of an admin list (import-export's export view and its
    "Export selected" action alike) takes its rows from get_data_for_export.
    """

    def get_data_for_export(self, request, queryset, **kwargs):
        return dataset_escape(super().get_data_for_export(request, queryset, **kwargs))


class ImportExportAdmin(EscapedExportMixin, ImportExportMixin):
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

    # --- The upload between preview and confirmation -------------------------------
    #
    # import-export stores the upload (IMPORT_EXPORT_TMP_STORAGE_CLASS) and the
    # confirmation form posts its stored name back. That name is the
    # browser's word: only a name this session's own preview stored is read,
    # imported and deleted, never another operator's pending upload (or any
    # other file the storage can reach).

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        name = initial.get("import_file_name")
        if name:
            uploads = [*request.session.get(SESSION_UPLOADS, []), name]
            request.session[SESSION_UPLOADS] = uploads[-SESSION_UPLOADS_KEPT:]
        return initial

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        uploads = request.session.get(SESSION_UPLOADS, [])
        name = request.POST.get("import_file_name", "")
        if name not in uploads:
            self.message_user(
                request,
                "This upload is not one you previewed here (or it was imported already): "
                "upload the file again.",
                messages.ERROR,
            )
            opts = self.opts
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_import")
        # One confirmation per preview: a second would find the upload deleted.
        request.session[SESSION_UPLOADS] = [upload for upload in uploads if upload != name]
        return super().process_import(request, **kwargs)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        # import-export names the stored upload on the uploaded file itself.
        name = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if name and "confirm_form" not in context:
            # Refused: nothing will confirm it, so it is not kept.
            self.get_tmp_storage_class()(name=name, **self.get_tmp_storage_class_kwargs()).remove()
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        # What is wrong with the file, as the command says it, not only its exception's name.
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

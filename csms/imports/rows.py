"""Files written row by row from objects: exports of lists that are never imported.

Transactions and CDRs come from chargers and the cost engine, so their
lists only export; the columns and how each value is written are defined
once, by the app that knows them, as a RowResource.
"""

from collections.abc import Sequence
from typing import Any, ClassVar

from import_export.admin import ExportMixin
from import_export.fields import Field
from import_export.forms import ExportForm
from import_export.resources import Resource

from csms.imports.admin import EXPORT_FORMATS, EscapedExportMixin


class RowResource(Resource):
    """A file whose columns are ``columns`` and whose rows ``row`` makes, one per object.

    Whatever else writes the same file (``manage.py export_cdrs``) uses the
    same list and function, so the two agree column for column. ``row`` gives
    timestamps as ISO 8601 strings: an xlsx cell cannot hold an aware
    datetime (openpyxl refuses it), and django-import-export's own datetime
    widget would drop the offset.
    """

    columns: ClassVar[Sequence[str]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The metaclass has collected declared fields by now: these replace them.
        cls.fields = {name: Field(attribute=name, column_name=name) for name in cls.columns}

    @classmethod
    def get_display_name(cls) -> str:
        # The export form names the resource (ModelResource has this; Resource not).
        return getattr(cls._meta, "name", cls.__name__)

    def row(self, instance) -> dict[str, Any]:
        raise NotImplementedError

    def get_export_order(self):
        return tuple(self.columns)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        values = self.row(instance)
        return [values[field.column_name] for field in self.get_export_fields(selected_fields)]


class ListExportMixin(EscapedExportMixin, ExportMixin):
    """An admin list's Export button: what the list shows (its filters and search), as a file.

    CSV or Excel, always with all of the resource's columns (a fixed layout
    that spreadsheets and accounting can rely on). Exporting needs the
    model's view permission (IMPORT_EXPORT_EXPORT_PERMISSION_CODE); there is
    no import. Text a charger sent (an id token) is never a live formula
    (csms/imports/cells.py).
    """

    export_formats = EXPORT_FORMATS
    export_form_class = ExportForm

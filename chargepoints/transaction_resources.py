"""Transactions as rows of a file: the admin Transaction list's export to CSV and Excel.

django-import-export writes the files; the columns and how each value is
written are defined here once. Transactions come from chargers (and their
costs from the cost engine), so they are exported, never imported.
"""

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar

from django.utils import timezone
from import_export.admin import ExportMixin
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm
from import_export.resources import Resource

from chargepoints.models import Transaction
from csms.imports.admin import EscapedExportMixin

TRANSACTION_COLUMNS = [
    "transaction_id",
    "charger_transaction_id",
    "chargepoint_id",
    "connector_id",
    "id_tag",
    "phone_number",
    "status",
    "start_time",
    "stop_time",
    "meter_start_wh",
    "meter_stop_wh",
    "energy_kwh",
    "stop_reason",
    "needs_review",
]


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

    export_formats = [CSV, XLSX]
    export_form_class = ExportForm


def iso_time(value: datetime.datetime | None) -> str:
    """ISO 8601 in the server's time zone (TIME_ZONE), with its offset; "" when unset."""
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds")


def transaction_export_row(tx: Transaction) -> dict[str, Any]:
    user = tx.user
    return {
        "transaction_id": tx.transaction_id,
        "charger_transaction_id": tx.charger_transaction_id or "",
        "chargepoint_id": tx.chargepoint.chargepoint_id,
        "connector_id": tx.connector.connectorid if tx.connector is not None else "",
        # The token as the charger sent it, known to us or not.
        "id_tag": tx.id_token or tx.id_tag_id or "",
        "phone_number": str(user.phone_number or "") if user is not None else "",
        "status": tx.transaction_status,
        "start_time": iso_time(tx.start_transaction_timestamp),
        "stop_time": iso_time(tx.stop_transaction_timestamp),
        "meter_start_wh": tx.wh_meter_start,
        "meter_stop_wh": tx.wh_meter_stop,
        # Kept up to date while it runs: the energy so far for an active one.
        "energy_kwh": tx.total_energy,
        "stop_reason": tx.reason_stopped,
        "needs_review": tx.needs_review,
    }


class TransactionResource(RowResource):
    columns = TRANSACTION_COLUMNS

    class Meta:
        name = "Transactions"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("chargepoint", "connector", "user")

    def row(self, instance: Transaction) -> dict[str, Any]:
        return transaction_export_row(instance)

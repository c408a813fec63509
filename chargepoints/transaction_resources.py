"""Transactions as rows of a file: the admin Transaction list's export to CSV and Excel.

django-import-export writes the files; the columns and how each value is
written are defined here once. Transactions come from chargers (and their
costs from the cost engine), so they are exported, never imported.
"""

import datetime
from typing import Any

from django.utils import timezone

from chargepoints.models import Transaction
from csms.imports.rows import RowResource

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

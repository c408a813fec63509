"""CDRs and priced transactions as rows of a file: the admin lists' exports to CSV and Excel.

The CDR export is ``manage.py export_cdrs``'s: the same columns and row
function (billing.services.exports), so both files agree column for column.
"""

from decimal import Decimal
from typing import Any

from billing.models import CDR
from billing.services.exports import COLUMNS, cdr_export_row
from billing.services.pricing import transaction_pricing
from chargepoints.models import Transaction
from chargepoints.transaction_resources import TransactionResource
from csms.imports.rows import RowResource

PRICE_COLUMNS = ["total_cost_excl_vat", "total_cost_incl_vat", "currency", "cdr_id"]


class CDRResource(RowResource):
    columns = COLUMNS

    class Meta:
        name = "CDRs"

    def row(self, instance: CDR) -> dict[str, Any]:
        return cdr_export_row(instance)


def _amount(cdrs: list[CDR], key: str) -> float | None:
    amounts = [cdr.total_cost.get(key) for cdr in cdrs if cdr.total_cost]
    if not amounts or None in amounts:
        return None
    # Summed as decimals: 3.689 - 3.689 + 0.7 is 0.7, not 0.7000000000000002.
    return float(sum((Decimal(str(amount)) for amount in amounts), Decimal(0)))


def transaction_price_row(tx: Transaction) -> dict[str, Any]:
    """What a transaction costs: the net of its CDRs, or while it has none, the cost so far.

    A correction is a credit CDR (negative) plus a new one, so the sum of a
    transaction's CDRs is what it is billed; ``cdr_id`` is the one in force.
    Before any CDR (running, or waiting for reconciliation) only the running
    cost, including VAT, is known.
    """
    cdrs = list(tx.cdrs.all())
    if cdrs:
        credited = {cdr.credit_reference_id for cdr in cdrs if cdr.credit}
        in_force = [cdr for cdr in cdrs if not cdr.credit and cdr.id not in credited]
        return {
            "total_cost_excl_vat": _amount(cdrs, "excl_vat"),
            "total_cost_incl_vat": _amount(cdrs, "incl_vat"),
            "currency": cdrs[0].currency,
            "cdr_id": in_force[-1].id if in_force else "",
        }
    pricing = transaction_pricing(tx)
    total = pricing.total_cost if pricing is not None else None
    snapshot = (pricing.tariff_snapshot if pricing is not None else None) or {}
    return {
        "total_cost_excl_vat": None,
        "total_cost_incl_vat": float(total) if total is not None else None,
        "currency": snapshot.get("currency", "") if total is not None else "",
        "cdr_id": "",
    }


class PricedTransactionResource(TransactionResource):
    columns = [*TransactionResource.columns, *PRICE_COLUMNS]

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        return queryset.select_related("pricing").prefetch_related("cdrs")

    def row(self, instance: Transaction) -> dict[str, Any]:
        return {**super().row(instance), **transaction_price_row(instance)}

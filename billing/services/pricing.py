"""Which tariff a transaction is priced with, and its running cost."""

import datetime

from django.db.models import Case, IntegerField, Q, Value, When

from billing.enums import TariffType
from billing.models import Tariff, TransactionPricing
from billing.selectors import transaction_costs
from billing.snapshots import tariff_ocpi
from chargepoints.models import Connector, Transaction


def tariff_in_force(*, connector: Connector, at: datetime.datetime) -> Tariff | None:
    """The connector's tariff valid at ``at`` (OCPI start/end_date_time), REGULAR first.

    OCPI lets a connector list several tariffs (e.g. an AD_HOC_PAYMENT one for
    payment terminals, PROFILE_* ones for charging preferences); a driver
    identified by a token pays the regular one.
    """
    return (
        connector.tariff_ids.filter(
            Q(start_date_time__isnull=True) | Q(start_date_time__lte=at),
            Q(end_date_time__isnull=True) | Q(end_date_time__gt=at),
        )
        .annotate(
            regular=Case(
                When(type=TariffType.REGULAR, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("regular", "id")
        .prefetch_related("elements")
        .first()
    )


def transaction_pricing(tx: Transaction) -> TransactionPricing | None:
    """Billing's record of a transaction's tariff and cost; None before it has one."""
    try:
        return tx.pricing
    except TransactionPricing.DoesNotExist:
        return None


def transaction_tariff_assign(*, tx: Transaction) -> Tariff | None:
    """Record the tariff in force at the start, as it is now: later edits never reprice it."""
    tariff = None
    if tx.connector is not None:
        tariff = tariff_in_force(connector=tx.connector, at=tx.start_transaction_timestamp)
    pricing = transaction_pricing(tx) or TransactionPricing(transaction=tx)
    pricing.tariff = tariff
    pricing.tariff_snapshot = tariff_ocpi(tariff) if tariff is not None else None
    # From the first moment the app shows what the session costs (a start fee).
    pricing.total_cost = _total(tx, pricing)
    pricing.save()
    return tariff


def transaction_cost_refresh(*, tx: Transaction) -> None:
    """Keep ``total_cost`` (incl. VAT) up to date so apps can show the cost so far.

    A transaction without a tariff keeps no cost.
    """
    pricing = transaction_pricing(tx)
    if pricing is None or not pricing.tariff_snapshot:
        return
    total = _total(tx, pricing)
    if total != pricing.total_cost:
        pricing.total_cost = total
        pricing.save(update_fields=["total_cost"])


def _total(tx: Transaction, pricing: TransactionPricing):
    costs = transaction_costs(tx=tx, snapshot=pricing.tariff_snapshot)
    return costs.total.incl_vat if costs is not None else None

"""Which tariff a transaction is priced with, and its running cost."""

import datetime
import logging
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, Value, When

from billing.enums import TariffType
from billing.models import Tariff, TransactionPricing
from billing.pricing import PricingError, TariffError, TariffSpec
from billing.pricing.running import RunningState, running_price, running_update
from billing.selectors import transaction_price_end, transaction_samples, transaction_usage
from billing.snapshots import tariff_ocpi
from chargepoints.models import Connector, Transaction
from csms.rows import RowReader, row_insert, row_update

logger = logging.getLogger(__name__)


# Whether a connector has any tariff at all, asked at every start: a read
# compiled once (csms/rows.py) spares the unpriced ones the search below.
_CONNECTOR_TARIFFS = RowReader(Tariff.connectors.through, ["connector"], fields=["pk"])


def tariff_in_force(*, connector: Connector, at: datetime.datetime) -> Tariff | None:
    """The connector's tariff valid at ``at`` (OCPI start/end_date_time), REGULAR first.

    OCPI lets a connector list several tariffs (e.g. an AD_HOC_PAYMENT one for
    payment terminals, PROFILE_* ones for charging preferences); a driver
    identified by a token pays the regular one.
    """
    if not _CONNECTOR_TARIFFS.all(connector.pk, limit=1):
        return None
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


# The running cost excluding VAT, a member of TransactionPricing.running_state.
EXCL_VAT = "total_excl_vat"

# Read for every meter value: compiled once (csms/rows.py).
_PRICING = RowReader(TransactionPricing, ["transaction"])


def transaction_pricing(tx: Transaction) -> TransactionPricing | None:
    """Billing's record of a transaction's tariff and cost; None before it has one."""
    related = Transaction.pricing.related
    if not related.is_cached(tx):
        # Kept on the transaction like ``tx.pricing`` would, a missing one too.
        related.set_cached_value(tx, _PRICING.get(tx.pk))
    return related.get_cached_value(tx)


def transaction_tariff_assign(*, tx: Transaction) -> Tariff | None:
    """Record the tariff in force at the start, as it is now: later edits never reprice it."""
    tariff = None
    if tx.connector is not None:
        tariff = tariff_in_force(connector=tx.connector, at=tx.start_transaction_timestamp)
    pricing = transaction_pricing(tx) or TransactionPricing(transaction=tx)
    pricing.tariff = tariff
    pricing.tariff_snapshot = tariff_ocpi(tariff) if tariff is not None else None
    # From the first moment the app shows what the session costs (a start fee).
    pricing.total_cost, pricing.running_state = _running(tx, pricing, whole=True)
    if pricing._state.adding:
        row_insert(pricing)  # every start makes one: one INSERT, compiled once
    else:
        pricing.save()
    return tariff


def transaction_cost_refresh(
    *, tx: Transaction, earliest: datetime.datetime | None = None, whole: bool = False
) -> None:
    """Keep ``total_cost`` (incl. VAT) up to date so apps can show the cost so far.

    After new readings (the oldest at ``earliest``) only what is new is priced
    (billing/pricing/running.py); ``whole`` prices the whole session again, as
    at its stop. A transaction without a tariff keeps no cost.
    """
    pricing = transaction_pricing(tx)
    if pricing is None or not pricing.tariff_snapshot:
        return
    total, state = _running(tx, pricing, earliest=earliest, whole=whole)
    if (total, state) != (pricing.total_cost, pricing.running_state):
        pricing.total_cost, pricing.running_state = total, state
        row_update(pricing, ["total_cost", "running_state"])


def _running(
    tx: Transaction,
    pricing: TransactionPricing,
    *,
    earliest: datetime.datetime | None = None,
    whole: bool = False,
) -> tuple[Decimal | None, dict | None]:
    """The cost so far (incl. VAT) and the state the next update continues from."""
    if not pricing.tariff_snapshot:
        return None, None
    try:
        spec = TariffSpec.from_ocpi(pricing.tariff_snapshot)
        end = transaction_price_end(tx=tx)
        state = None if whole else RunningState.from_json(pricing.running_state, spec)
        updated = None
        if state is not None and (earliest is None or earliest >= state.end):
            usage = transaction_usage(tx=tx, currency=spec.currency, end=end, samples=[])
            new = transaction_samples(tx=tx, end=end, since=state.last)
            updated = running_update(spec, usage, state, new)
        if updated is None:
            usage = transaction_usage(tx=tx, currency=spec.currency, end=end)
            updated = running_price(spec, usage)
    except (TariffError, PricingError):
        # A tariff we stored cannot be priced: say so loudly, never guess.
        logger.exception("Transaction %s cannot be priced", tx.pk)
        return None, None
    costs, state = updated
    data = state.to_json() if state is not None else {}
    # Kept beside where the cost was left: apps are shown the cost without
    # VAT too (csms/api/money.py), and the column holds only the one with it.
    data[EXCL_VAT] = str(costs.total.excl_vat)
    return costs.total.incl_vat, data


def pricing_excl_vat(pricing: TransactionPricing) -> Decimal | None:
    """The running cost excluding VAT, as the last pricing left it; None when unpriced."""
    value = (pricing.running_state or {}).get(EXCL_VAT)
    return None if value is None or pricing.total_cost is None else Decimal(value)

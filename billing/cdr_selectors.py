"""CDRs as drivers and operators read them: whose they are, which one bills a transaction,
and what each of its charging periods cost.

A transaction is billed by one CDR; a correction credits it and makes a new
one (billing/services/cdrs.py). The CDR that bills it now is the one neither
a credit nor credited.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from billing.models import CDR
from billing.pricing import ChargingPeriod, Price
from billing.selectors import transaction_costs
from billing.snapshots import ocpi_timestamp
from chargepoints.models import Transaction
from chargepoints.services.authorization import transaction_deauthorized
from csms.api.permissions import holds

logger = logging.getLogger(__name__)

VIEW_CDR = "billing.view_cdr"


def cdrs_visible(*, user) -> QuerySet[CDR]:
    """Every CDR for operators (billing.view_cdr); a driver's own otherwise.

    A driver's are the CDRs of the transactions they charged, credits
    included (a refund is theirs to see), except those an operator has yet to
    review: such a CDR may still be credited and made anew.
    """
    cdrs = CDR.objects.select_related("transaction__connector", "transaction__session")
    if holds(user, VIEW_CDR):
        return cdrs
    if not (user and user.is_authenticated):
        return cdrs.none()
    return cdrs.filter(transaction__user=user, needs_review=False)


def cdrs_billing(cdrs: QuerySet[CDR]) -> QuerySet[CDR]:
    """The CDRs that bill their transaction now: not credits, not credited."""
    credited = CDR.objects.filter(credit=True, credit_reference_id=OuterRef("id"))
    return cdrs.filter(credit=False).filter(~Exists(credited))


def transactions_with_cdrs(transactions: QuerySet[Transaction]) -> QuerySet[Transaction]:
    """The transactions with the CDR billing each, in one more query (``transaction_cdr``)."""
    billing = cdrs_billing(CDR.objects.all()).order_by("-last_updated")
    return transactions.prefetch_related(Prefetch("cdrs", queryset=billing, to_attr="billed_cdrs"))


def transaction_cdr(tx: Transaction) -> CDR | None:
    """The CDR billing ``tx`` now; None before it has one."""
    if hasattr(tx, "billed_cdrs"):
        return tx.billed_cdrs[0] if tx.billed_cdrs else None
    return cdrs_billing(tx.cdrs.all()).order_by("-last_updated").first()


def transaction_receipt_cdr(*, tx: Transaction, user) -> CDR | None:
    """The CDR a receipt shows; None while there is none the caller may see."""
    cdr = transaction_cdr(tx)
    if cdr is None or (cdr.needs_review and not holds(user, VIEW_CDR)):
        return None
    return cdr


@dataclass(frozen=True)
class PricedPeriod:
    """A CDR's charging period and what it cost per dimension (ENERGY, TIME, PARKING_TIME, FLAT)."""

    start: datetime.datetime
    end: datetime.datetime
    dimensions: list[dict]
    costs: dict[str, Price] | None


def cdr_periods_priced(cdr: CDR) -> list[PricedPeriod]:
    """The CDR's periods with their prices, priced again by the CDR's own tariff.

    OCPI's ChargingPeriod has volumes, not prices, so the CDR keeps none; the
    engine is deterministic, so pricing the transaction again gives them. If
    that does not add up to the CDR (its readings changed since), the periods
    are shown without prices rather than with wrong ones.
    """
    stored = cdr.charging_periods or []
    ends = [period.get("start_date_time") for period in stored[1:]]
    priced: list[ChargingPeriod] | None = None
    if not cdr.tariff_snapshots:
        priced = None  # free of charge: every period costs nothing
    elif cdr.transaction_id is not None:
        costs = transaction_costs(
            tx=cdr.transaction, snapshot=cdr.tariff_snapshots[0], end=cdr.end_date_time
        )
        if costs is not None and _agrees(cdr, costs.total, list(costs.periods)):
            priced = list(costs.periods)
    periods = []
    for i, period in enumerate(stored):
        start = _parsed(period.get("start_date_time")) or cdr.start_date_time
        end = _parsed(ends[i]) if i < len(ends) else cdr.end_date_time
        if not cdr.tariff_snapshots:
            costs_of = {}
        elif priced is not None:
            costs_of = dict(priced[i].costs)
        else:
            costs_of = None
        periods.append(
            PricedPeriod(
                start=start,
                end=end or cdr.end_date_time,
                dimensions=period.get("dimensions", []),
                costs=costs_of,
            )
        )
    return periods


def _agrees(cdr: CDR, total: Price, periods: list[ChargingPeriod]) -> bool:
    stored = cdr.charging_periods or []
    if len(periods) != len(stored):
        return False
    if any(
        ocpi_timestamp(p.start) != s.get("start_date_time")
        for p, s in zip(periods, stored, strict=True)
    ):
        return False
    agrees = total.as_ocpi() == cdr.total_cost
    if not agrees:
        logger.warning("CDR %s priced again does not add up: periods shown unpriced", cdr.id)
    return agrees


def _parsed(value) -> datetime.datetime | None:
    if not value:
        return None
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class ReceiptNotReady(Exception):
    """The session is still going, or its CDR is not made (or not reviewed) yet."""


class NoReceipt(Exception):
    """The session will never have one: it never charged, or was refused at its start."""


def transaction_receipt(*, tx: Transaction | None, user, open_session: bool = False) -> CDR:
    """The CDR a receipt of ``tx`` shows; ``open_session``: its session is not over yet."""
    if tx is None:
        if open_session:
            raise ReceiptNotReady
        raise NoReceipt
    if tx.stop_transaction_timestamp is None or tx.needs_review:
        # A transaction the CSMS closed waits for an operator before it is billed.
        raise ReceiptNotReady
    cdr = transaction_receipt_cdr(tx=tx, user=user)
    if cdr is None:
        if transaction_deauthorized(tx):
            raise NoReceipt
        raise ReceiptNotReady
    return cdr

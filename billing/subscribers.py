"""Billing's part in a transaction's life: what it does when the charging domain announces
a start, readings or a stop, and the prices it shows drivers through the domain.

``BillingConfig.ready`` calls ``subscribe``; the charging domain never imports
billing (docs/architecture.md, "Events" and "Interfaces filled from above").
"""

import datetime
import logging
from decimal import Decimal

from django.db import transaction as db_transaction

from billing.cdr_selectors import transaction_cdr, transactions_with_cdrs
from billing.services.cdrs import cdr_create
from billing.services.pricing import (
    pricing_excl_vat,
    transaction_cost_refresh,
    transaction_pricing,
    transaction_tariff_assign,
)
from chargepoints.models import Transaction
from chargepoints.services.authorization import transaction_deauthorized
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_subscribe
from chargepoints.services.transaction_prices import (
    UNPRICED,
    TransactionPrice,
    price_source_register,
)
from chargepoints.services.transactions import transaction_flag_for_review

logger = logging.getLogger(__name__)


def transaction_started(*, tx: Transaction) -> None:
    if transaction_deauthorized(tx):
        # Refused at its start (ConcurrentTx, Invalid, a charger not accepted):
        # never billed, so no tariff and no running cost either.
        return
    try:
        with db_transaction.atomic():
            transaction_tariff_assign(tx=tx)
    except Exception as error:
        # Never bill it as free: without its tariff it waits for an operator
        # (reconciling assigns the tariff then), and the charger is answered.
        logger.exception("No tariff assigned to transaction %s", tx.pk)
        transaction_flag_for_review(tx=tx, note=f"No tariff assigned: {error}")


def transaction_metered(*, tx: Transaction, earliest: datetime.datetime | None) -> None:
    # Apps show the cost so far; a transaction without a tariff has none.
    transaction_cost_refresh(tx=tx, earliest=earliest)


def transaction_stopped(*, tx: Transaction) -> None:
    # The final cost is the CDR's: the whole session, priced once more.
    transaction_cost_refresh(tx=tx, whole=True)
    transaction_bill(tx=tx)


def transaction_bill(*, tx: Transaction) -> None:
    """Make the CDR of a finished transaction; one we only partly know waits for an operator.

    A CDR that cannot be made, for whatever reason, never fails the stop (the
    charger would retry it forever): the transaction is flagged for review
    instead, so the stop never commits without its CDR or the flag.

    None for a transaction refused at its start (deauthorized): nobody
    agreed to pay for it. None for one the CSMS closed (it is flagged): its
    end is a guess, so the CDR of the energy known so far is made only when
    an operator reconciles it (billing.services.cdrs.transaction_reconcile).
    """
    if tx.needs_review or transaction_deauthorized(tx):
        return
    try:
        with db_transaction.atomic():
            cdr_create(tx=tx)
    except Exception as error:
        logger.exception("No CDR for transaction %s", tx.pk)
        transaction_flag_for_review(tx=tx, note=f"No CDR: {error}")


class PricingSource:
    """The charging domain's PriceSource: the running cost billing keeps per transaction."""

    def price(self, tx: Transaction) -> TransactionPrice:
        # Once billed, the CDR is what the driver pays (a reissued one included).
        cdr = transaction_cdr(tx) if tx.stop_transaction_timestamp is not None else None
        if cdr is not None:
            total = cdr.total_cost
            return TransactionPrice(
                total=_decimal(total.get("incl_vat")),
                excl_vat=_decimal(total.get("excl_vat")),
                currency=cdr.currency,
            )
        pricing = transaction_pricing(tx)
        if pricing is None or pricing.total_cost is None:
            return UNPRICED
        return TransactionPrice(
            total=pricing.total_cost,
            excl_vat=pricing_excl_vat(pricing),
            currency=(pricing.tariff_snapshot or {}).get("currency", ""),
        )

    def payable(self, tx: Transaction) -> bool:
        total = self.price(tx).total
        if total is not None:
            return total > 0
        # Not priced (yet): it will cost money where the connector has a tariff.
        return tx.connector is not None and tx.connector.tariff_ids.exists()

    def with_prices(self, transactions):
        return transactions_with_cdrs(transactions.select_related("pricing"))


def _decimal(value) -> Decimal | None:
    # Through str: the float 3.689 of an OCPI JSON column is Decimal("3.689").
    return None if value is None else Decimal(str(value))


def subscribe() -> None:
    price_source_register(PricingSource())
    transaction_subscribe(TransactionEvent.STARTED, transaction_started)
    transaction_subscribe(TransactionEvent.METERED, transaction_metered)
    transaction_subscribe(TransactionEvent.STOPPED, transaction_stopped)

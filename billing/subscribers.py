"""Billing's part in a transaction's life, subscribed to what the charging domain announces.

``BillingConfig.ready`` calls ``subscribe``; the charging domain never imports
billing (docs/architecture.md, "Events").
"""

import logging

from django.db import DatabaseError
from django.db import transaction as db_transaction

from billing.pricing import PricingError, TariffError
from billing.services.cdrs import CdrRefused, cdr_create
from billing.services.pricing import transaction_cost_refresh, transaction_tariff_assign
from chargepoints.models import Transaction
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_subscribe
from chargepoints.services.transactions import transaction_flag_for_review

logger = logging.getLogger(__name__)


def transaction_started(*, tx: Transaction) -> None:
    transaction_tariff_assign(tx=tx)


def transaction_metered(*, tx: Transaction) -> None:
    # Apps show the cost so far; a transaction without a tariff has none.
    if tx.tariff_snapshot:
        transaction_cost_refresh(tx=tx)
        tx.save(update_fields=["total_cost", "updated_at"])


def transaction_stopped(*, tx: Transaction) -> None:
    transaction_cost_refresh(tx=tx)
    tx.save(update_fields=["total_cost", "updated_at"])
    transaction_bill(tx=tx)


def transaction_bill(*, tx: Transaction) -> None:
    """Make the CDR of a finished transaction; one we only partly know waits for an operator.

    A CDR that cannot be made never fails the stop (the charger would retry it
    forever): the transaction is flagged for review instead.
    """
    if tx.needs_review:
        return
    try:
        with db_transaction.atomic():
            cdr_create(tx=tx)
    except (CdrRefused, PricingError, TariffError, DatabaseError) as error:
        logger.exception("No CDR for transaction %s", tx.pk)
        transaction_flag_for_review(tx=tx, note=f"No CDR: {error}")


def subscribe() -> None:
    transaction_subscribe(TransactionEvent.STARTED, transaction_started)
    transaction_subscribe(TransactionEvent.METERED, transaction_metered)
    transaction_subscribe(TransactionEvent.STOPPED, transaction_stopped)

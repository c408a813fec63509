"""What the charging domain announces about transactions, for the apps above it.

The charging domain must not know who prices a session (docs/architecture.md,
"Events"): it says that a transaction started, was metered or stopped, and
whoever subscribed acts on it. Billing subscribes when Django starts
(``billing.apps``) to assign the tariff, keep the running cost and make the
CDR.

Subscribers run at once, inside the database transaction that changed the
transaction, each in its own savepoint: what they write commits together with
what the charger sent (a stop never commits without its CDR, or without the
flag saying there is none), and a subscriber that fails is logged and rolled
back alone, never failing the charger's message (OCPP: a charger retries an
error forever).
"""

import enum
import logging
from collections.abc import Callable

from django.db import transaction as db_transaction

from chargepoints.models import Transaction

logger = logging.getLogger(__name__)


class TransactionEvent(enum.StrEnum):
    # The row exists, before drivers are told and live views updated.
    STARTED = "started"
    # New readings moved the meter or the live values of a running transaction;
    # subscribers also get ``earliest``, the time of the oldest reading of the
    # batch (a charger replaying its buffer sends readings older than the meter).
    METERED = "metered"
    # The transaction is stopped and its final meter saved.
    STOPPED = "stopped"


Subscriber = Callable[..., None]

_subscribers: dict[TransactionEvent, list[Subscriber]] = {event: [] for event in TransactionEvent}


def transaction_subscribe(event: TransactionEvent, subscriber: Subscriber) -> None:
    """Call ``subscriber(tx=..., **facts)`` on every ``event``; subscribing twice is a no-op."""
    if subscriber not in _subscribers[event]:
        _subscribers[event].append(subscriber)


def transaction_announce(event: TransactionEvent, *, tx: Transaction, **facts) -> None:
    """Tell the subscribers, in the order they subscribed."""
    for subscriber in _subscribers[event]:
        try:
            with db_transaction.atomic():
                subscriber(tx=tx, **facts)
        except Exception:
            logger.exception("Transaction %s: %s subscriber %r failed", tx.pk, event, subscriber)

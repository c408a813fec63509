"""Transactions the CSMS closes itself: those whose charger will never stop them.

A charger that lost a transaction never sends its stop: it rebooted, or sent
the start just before its connection dropped, or ignored a ConcurrentTx (OCPP
1.6 lets it go on, and then it forgets). Left ACTIVE, such a ghost stays on
the connector, in the driver's app and in the operator's lists for ever. The
CSMS closes an ACTIVE transaction when

- its connector reports Available or Finishing after a reboot, and nothing
  was heard of the transaction since that boot (a charger that still reports
  it, as a 2.0.1 charger resuming it would, keeps it);
- the charger starts another transaction on the same connector;
- nothing was heard of it for ``CSMS_TRANSACTION_SILENCE_HOURS`` (the
  periodic sweep, chargepoints/services/expiry.py);
- an operator closes it (admin action, right ``close_transaction``).

Closed means: COMPLETED at the last moment it was known to run, with the last
meter reading as its stop reading, ``reason_stopped`` Other, ``closed_by_csms``
set, and flagged for review with the reason in ``review_note``. It is never
billed as if the charger had stopped it: billing makes no CDR for a flagged
transaction (billing/subscribers.py) until an operator reconciles it, which
prices the energy known so far and holds the CDR for review. A close is only
the CSMS's best guess, so a stop the charger sends afterwards (queued during
the reboot, delivered late) still completes it with the charger's own data
(``transaction_reopen``), reconciled or not: once reconciled, its CDR priced
the guess, so the transaction is flagged again for that CDR to be credited and
reissued. A message of any other kind about it afterwards is a late event
(chargepoints/services/late_events.py).
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction as db_transaction
from django.utils import timezone

from chargepoints.enums import StopReason, TransactionStatus
from chargepoints.models import ChargePoint, ChargingSession, Connector, Transaction
from chargepoints.services.live import live_transaction_changed
from chargepoints.services.locks import chargepoint_locked
from chargepoints.services.sessions import charging_session_finish
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_announce
from csms.rows import RowReader

logger = logging.getLogger(__name__)

CLOSED_BY_CSMS = "Closed by the CSMS:"
# What the transaction was flagged for before the close, kept in the note.
_EARLIER = " Earlier: "
# What it was flagged for after the close (chargepoints/services/late_events.py).
_ADDED = " | "
# OCPP 1.6 Available / Finishing: no transaction is going on the connector
# (2.0.1 reports Available only; Occupied while an EV is plugged in).
FREE_STATUSES = frozenset({"Available", "Finishing"})

# The transactions going on at one connector: asked at every start, and at
# a free status after a boot (compiled once, csms/rows.py).
_ACTIVE_ON_CONNECTOR = RowReader(Transaction, ["connector", "transaction_status"], for_update=True)


class TransactionNotActive(ValueError):
    """Only a transaction still ACTIVE can be closed."""


def _last_known(tx: Transaction, *, before: datetime.datetime | None) -> datetime.datetime:
    """The last moment the transaction was known to run (charger's clock), never before it
    started and, when something replaced it, never after ``before``."""
    moments = [tx.start_transaction_timestamp]
    if tx.wh_meter_last_timestamp is not None:
        moments.append(tx.wh_meter_last_timestamp)
    moments += [
        datetime.datetime.fromisoformat(entry["timestamp"])
        for entry in tx.charging_states or []
        if entry.get("timestamp")
    ]
    end = max(moments)
    if before is not None:
        end = min(end, before)
    return max(end, tx.start_transaction_timestamp)


def transaction_close_locked(
    tx: Transaction, *, why: str, before: datetime.datetime | None = None
) -> None:
    """Close an ACTIVE transaction whose row (and charger's row) the caller holds locked."""
    note = f"{CLOSED_BY_CSMS} {why}"
    if tx.needs_review and tx.review_note:
        note += _EARLIER + tx.review_note
    tx.stop_transaction_timestamp = _last_known(tx, before=before)
    tx.transaction_status = TransactionStatus.COMPLETED
    tx.reason_stopped = StopReason.OTHER
    # The energy known so far: the last reading, if there was one.
    tx.wh_meter_stop = tx.wh_meter_last if tx.wh_meter_last_timestamp is not None else None
    if tx.wh_meter_stop is not None and tx.wh_meter_start is None:
        tx.wh_meter_start = tx.wh_meter_stop
    tx.total_energy = tx.energy_wh / 1000
    tx.needs_review = True
    tx.review_note = note[:255]
    tx.closed_by_csms = True
    tx.save()
    logger.warning("Transaction %s on %s closed: %s", tx.pk, tx.chargepoint_id, why)
    # Billing refreshes the cost shown and, the transaction being flagged,
    # makes no CDR (billing/subscribers.py).
    transaction_announce(TransactionEvent.STOPPED, tx=tx)
    charging_session_finish(tx=tx)
    live_transaction_changed(tx)


def transaction_closed_by_csms(tx: Transaction) -> bool:
    """Closed by the CSMS and not stopped by its charger since: its charger's stop, should it
    come, completes it (reconciled meanwhile or not)."""
    return tx.closed_by_csms


def transaction_reopen(tx: Transaction) -> None:
    """Undo the CSMS's close, before the charger's own stop completes it (the caller saves).

    The charger's stop is what the close guessed at: it flags the
    transaction no more, unless it was flagged before the close, and its
    driver's session ends when the charger says. Once an operator had
    reconciled the close (the flag cleared), its CDR priced the guess: the
    transaction is flagged for that CDR to be credited and reissued (the
    CDR actions in the admin), never silently left as it was.
    """
    why, _, earlier = tx.review_note.removeprefix(CLOSED_BY_CSMS).partition(_EARLIER)
    # Without what was added since (late events: the stop settles them).
    why = why.partition(_ADDED)[0].strip()
    reconciled = not tx.needs_review
    if reconciled:
        note = (
            "Its CDR needs a credit and reissue (CDR actions Credit, Credit and reprice): "
            f"stopped by its charger after the CSMS's close was reconciled ({why})"
        )
    else:
        note = earlier.strip() or f"Stopped by its charger after the CSMS had closed it ({why})"
    tx.needs_review = reconciled or bool(earlier)
    tx.review_note = note[:255]
    tx.stop_transaction_timestamp = None
    tx.transaction_status = TransactionStatus.ACTIVE
    tx.closed_by_csms = False
    ChargingSession.objects.filter(transaction=tx).update(end_time=None, updated_at=timezone.now())


def transactions_replaced(
    *, connector: Connector | None, started_at: datetime.datetime
) -> list[Transaction]:
    """What a start at ``started_at`` on ``connector`` replaces: the ACTIVE transactions
    started there before it, locked.

    A connector has one transaction at a time, in either version: its
    charger lost them (a reboot, a start whose answer never came). They are
    no concurrent transactions of the new start's tag (the driver's retry),
    and they are closed once it is stored (``transactions_close_replaced``).
    An older start delivered late (replayed from the charger's queue)
    replaces nothing newer than itself.
    """
    if connector is None:
        return []
    return [
        other
        for other in _ACTIVE_ON_CONNECTOR.all(connector.pk, TransactionStatus.ACTIVE)
        if other.start_transaction_timestamp < started_at
    ]


def transactions_close_replaced(tx: Transaction, replaced: list[Transaction]) -> int:
    """The charger started ``tx``: close what it replaced (``transactions_replaced``)."""
    closed = 0
    for other in replaced:
        transaction_close_locked(
            other,
            why=f"its charger started transaction {tx.pk} on the same connector",
            before=tx.start_transaction_timestamp,
        )
        closed += 1
    return closed


def transactions_close_unreported(
    *, chargepoint: ChargePoint, connector: Connector, reported_at: datetime.datetime
) -> int:
    """The connector reports it is free: close what it had going before the charger rebooted.

    Only transactions started before the last boot and not heard of since
    it (both by our clock): a charger that still reports a transaction
    after a reboot (a 2.0.1 charger resuming it, a 1.6 charger sending its
    meter values) keeps it. A report older than the transaction is about
    the time before it.
    """
    boot = chargepoint.last_boot_at
    if boot is None:
        return 0
    closed = 0
    for tx in _ACTIVE_ON_CONNECTOR.all(connector.pk, TransactionStatus.ACTIVE):
        if tx.created_at >= boot or tx.updated_at >= boot:
            continue
        if reported_at < tx.start_transaction_timestamp:
            continue
        transaction_close_locked(
            tx,
            why="its connector reported it free after a reboot, and the charger never stopped it",
        )
        closed += 1
    return closed


@db_transaction.atomic
def transaction_close(*, transaction_id: int, why: str) -> Transaction:
    """Close one ACTIVE transaction now (an operator's decision); TransactionNotActive if it
    is not ACTIVE any more."""
    chargepoint_id = (
        Transaction.objects.filter(pk=transaction_id).values_list("chargepoint_id", flat=True).get()
    )
    # Locked in the charger's order, as its messages lock them: charger, then transaction.
    chargepoint_locked(chargepoint_id, fields=())
    tx = Transaction.objects.select_for_update().get(pk=transaction_id)
    if tx.transaction_status != TransactionStatus.ACTIVE:
        raise TransactionNotActive(f"Transaction {tx.pk} is {tx.get_transaction_status_display()}.")
    transaction_close_locked(tx, why=why)
    return tx


def transactions_close_silent(*, now: datetime.datetime | None = None) -> int:
    """Close the ACTIVE transactions nothing was heard of for CSMS_TRANSACTION_SILENCE_HOURS.

    "Heard of": any message that changed the transaction (``updated_at``, our
    clock). Each is closed in a transaction of its own, checked again under
    its charger's lock, so a message arriving meanwhile keeps it open.
    """
    hours = settings.CSMS_TRANSACTION_SILENCE_HOURS
    if hours <= 0:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=hours)
    # By charger: the (chargepoint, transaction_status) index finds the
    # running ones without reading every transaction ever made.
    silent = (
        Transaction.objects.filter(
            chargepoint__in=ChargePoint.objects.values("pk"),
            transaction_status=TransactionStatus.ACTIVE,
            updated_at__lt=cutoff,
        )
        .order_by()
        .values_list("pk", "chargepoint_id")
    )
    closed = 0
    for transaction_id, chargepoint_id in list(silent):
        with db_transaction.atomic():
            chargepoint_locked(chargepoint_id, fields=())
            tx = Transaction.objects.select_for_update().get(pk=transaction_id)
            if tx.transaction_status != TransactionStatus.ACTIVE or tx.updated_at >= cutoff:
                continue
            transaction_close_locked(tx, why=f"nothing heard of it for {hours:g} hours")
            closed += 1
    return closed

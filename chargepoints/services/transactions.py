"""The life of a transaction, the same for OCPP 1.6 and 2.0.1 chargers.

Every service here is idempotent: chargers retransmit after a reconnect and
some send a stop twice. None of them refuses a message about a transaction:
a charger retries a refused transaction message forever (docs/architecture.md rule 7).
A start answered with anything but Accepted is recorded all the same (the
charger has started it and will stop it), as deauthorized
(chargepoints/services/authorization.py); what the charger never stops is
closed by chargepoints/services/transaction_closing.py, and what it sends
after the end is kept apart (chargepoints/services/late_events.py).
"""

import dataclasses
import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction as db_transaction

from accounts.enums import AuthorizationStatus
from chargepoints.enums import ChargingState, ReservationStatus, TransactionStatus
from chargepoints.models import ChargePoint, Reservation, Transaction
from chargepoints.services.authorization import AuthResult, transaction_deauthorized
from chargepoints.services.connectors import ConnectorRef, connector_get_or_create
from chargepoints.services.late_events import (
    readings_after_end_restore,
    transaction_flag,
    transaction_late_event,
)
from chargepoints.services.live import ENERGY, TRANSACTION, live_transaction_changed
from chargepoints.services.locks import (
    chargepoint_locked,
    transaction_find_started,
    transaction_locked,
)
from chargepoints.services.metering import Reading, readings_store
from chargepoints.services.notices import (
    NOT_CHARGING_STATES,
    notice_charging_completed,
    notice_charging_started,
    notice_charging_stopped,
)
from chargepoints.services.session_cancel import transaction_start_disarm
from chargepoints.services.session_states import charging_session_follow
from chargepoints.services.sessions import (
    charging_session_attach,
    charging_session_finish,
    charging_session_touch,
)
from chargepoints.services.transaction_closing import (
    transaction_closed_by_csms,
    transaction_reopen,
    transactions_close_replaced,
    transactions_replaced,
)
from chargepoints.services.transaction_facts import (
    NO_FACTS,
    TransactionFacts,
    chargepoint_accepted,
    facts_apply,
    facts_apply_state,
    facts_apply_token,
    facts_authorize,
    facts_first_token,
    facts_replayed,
)
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_announce
from csms.rows import row_insert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransactionResult:
    transaction: Transaction
    auth: AuthResult | None = None
    created: bool = False


@db_transaction.atomic
def transaction_start(
    *,
    chargepoint_id: str,
    ref: ConnectorRef,
    timestamp: datetime.datetime,
    meter_start_wh: float | None = None,
    charger_transaction_id: str | None = None,
    reservation_id: int | None = None,
    remote_start_id: int | None = None,
    facts: TransactionFacts = NO_FACTS,
    readings: Sequence[Reading] = (),
) -> TransactionResult:
    """Start a transaction, or return the one a retransmitted start already created.

    A deauthorized start (anything but Accepted, or a charger not accepted)
    gets no driver session, tells no driver and is never billed.
    """
    # The registration is read with the lock the start takes anyway: fresh, at no cost.
    chargepoint = chargepoint_locked(chargepoint_id, fields=("registration_status",))
    accepted = chargepoint_accepted(chargepoint)
    connector = connector_get_or_create(chargepoint=chargepoint, ref=ref)
    if charger_transaction_id is not None:
        existing = transaction_locked(
            chargepoint, transaction_id=None, charger_transaction_id=charger_transaction_id
        )
    else:
        existing = transaction_find_started(
            chargepoint,
            connector=connector,
            timestamp=timestamp,
            meter_start_wh=meter_start_wh,
            id_token=facts.id_token or "",
        )
    if existing is not None:
        auth = facts_authorize(
            facts,
            check_concurrent=True,
            exclude_transactions={existing},
            chargepoint=chargepoint,
        )
        return TransactionResult(existing, auth=_as_first_answered(auth, existing), created=False)

    tx = Transaction(
        chargepoint=chargepoint,
        connector=connector,
        charger_transaction_id=charger_transaction_id,
        start_transaction_timestamp=timestamp,
        wh_meter_start=meter_start_wh,
        wh_meter_last=meter_start_wh if meter_start_wh is not None else 0,
        wh_meter_last_timestamp=timestamp if meter_start_wh is not None else None,
        remote_start_id=remote_start_id,
    )
    if not accepted:
        # OCPP 1.6 §4.2 / 2.0.1 B02, B03: a Pending or Rejected charger may not
        # charge. 1.6 is told Invalid; a 2.0.1 event is accepted all the same.
        tx.start_status = AuthorizationStatus.INVALID
        tx.needs_review = True
        tx.review_note = (
            f"Started by a charger not accepted ({chargepoint.registration_status}): not billed"
        )
    # What the charger had going on this connector is over: a start whose
    # answer was lost and the driver's retry, a start after a reboot. Its tag
    # is not charging twice (ConcurrentTx would leave the real session
    # unbilled and the ghost going); closed once this one is stored.
    replaced = transactions_replaced(connector=connector, started_at=timestamp)
    auth = facts_authorize(
        facts, check_concurrent=True, exclude_transactions=replaced, chargepoint=chargepoint
    )
    facts_apply(tx, facts, auth, at=timestamp)
    if reservation_id is not None:
        tx.reservation = _reservation_consume(chargepoint, reservation_id)
    row_insert(tx)
    transaction_announce(TransactionEvent.STARTED, tx=tx)
    readings_store(chargepoint=chargepoint, connector=connector, transaction=tx, readings=readings)
    transactions_close_replaced(tx, replaced)
    # A start its driver canceled is stopped at once, and is no session of theirs.
    if not transaction_deauthorized(tx) and not transaction_start_disarm(tx=tx):
        charging_session_attach(tx=tx)
        notice_charging_started(tx=tx)
    live_transaction_changed(tx)
    return TransactionResult(tx, auth=auth, created=True)


def _as_first_answered(auth: AuthResult | None, tx: Transaction) -> AuthResult | None:
    """A retransmitted start gets the answer the first one got: the charger acted on it."""
    if auth is None or not tx.start_status or auth.status == tx.start_status:
        return auth
    return dataclasses.replace(auth, status=tx.start_status)


def _reservation_consume(chargepoint: ChargePoint, reservation_id: int) -> Reservation | None:
    """A transaction started on a reservation ends it (OCPP 1.6 §5.13, 2.0.1 H01.FR.05)."""
    reservation = (
        Reservation.objects.select_for_update()
        .filter(chargepoint=chargepoint, reservation_id=reservation_id)
        .first()
    )
    if reservation is not None and reservation.status == ReservationStatus.ACTIVE:
        reservation.status = ReservationStatus.COMPLETED
        reservation.save(update_fields=["status", "updated_at"])
    return reservation


def _unknown_transaction(
    chargepoint: ChargePoint,
    *,
    ref: ConnectorRef | None,
    charger_transaction_id: str,
    timestamp: datetime.datetime,
    note: str,
) -> Transaction:
    """A transaction we learn of from its middle or its end: kept, flagged for review.

    From a charger not accepted, it is deauthorized as its start would have been.
    """
    logger.warning("%s: %s", chargepoint.pk, note)
    connector = connector_get_or_create(chargepoint=chargepoint, ref=ref) if ref else None
    return Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        charger_transaction_id=charger_transaction_id,
        start_transaction_timestamp=timestamp,
        start_status="" if chargepoint_accepted(chargepoint) else AuthorizationStatus.INVALID,
        needs_review=True,
        review_note=note[:255],
    )


@db_transaction.atomic
def transaction_update(
    *,
    chargepoint_id: str,
    charger_transaction_id: str,
    timestamp: datetime.datetime,
    ref: ConnectorRef | None = None,
    facts: TransactionFacts = NO_FACTS,
    readings: Sequence[Reading] = (),
) -> TransactionResult:
    """A running transaction reports progress (2.0.1 TransactionEvent Updated).

    After its end it changes nothing (chargepoints/services/late_events.py).
    """
    chargepoint = chargepoint_locked(chargepoint_id)
    tx = transaction_locked(
        chargepoint, transaction_id=None, charger_transaction_id=charger_transaction_id
    )
    created = tx is None
    if tx is None:
        tx = _unknown_transaction(
            chargepoint,
            ref=ref,
            charger_transaction_id=charger_transaction_id,
            timestamp=timestamp,
            note=f"Update for transaction {charger_transaction_id} never seen starting",
        )
    auth = facts_authorize(
        facts,
        check_concurrent=facts_first_token(tx, facts),
        exclude_transactions={tx},
        chargepoint=chargepoint,
    )
    if tx.stop_transaction_timestamp is not None:
        transaction_late_event(
            chargepoint=chargepoint,
            tx=tx,
            connector=tx.connector,
            seq_no=facts.seq_no,
            readings=readings,
            what="An update",
        )
        return TransactionResult(tx, auth=auth, created=created)
    replayed = facts_replayed(tx, facts)
    was_charging = tx.charging_state == ChargingState.CHARGING
    if not replayed:
        facts_apply_state(tx, facts, at=timestamp)
    facts_apply_token(tx, facts, auth)
    tx.save()
    # Readings are kept even from an event that comes late (a lower seqNo,
    # sent while offline): a true retransmit's readings are already stored,
    # and the database keeps each once; older ones never move the meter back.
    readings_store(
        chargepoint=chargepoint, connector=tx.connector, transaction=tx, readings=readings
    )
    if (
        not replayed
        and was_charging
        and tx.charging_state in NOT_CHARGING_STATES
        and tx.transaction_status == TransactionStatus.ACTIVE
    ):
        notice_charging_stopped(tx=tx, state=tx.charging_state)
    if not replayed and facts.charging_state:
        charging_session_follow(tx=tx, state=facts.charging_state)
    charging_session_touch(tx=tx)
    # Progress is energy to the staff's pages (a note at most once a second).
    live_transaction_changed(tx, what=TRANSACTION if created else ENERGY)
    return TransactionResult(tx, auth=auth, created=created)


@db_transaction.atomic
def transaction_stop(
    *,
    chargepoint_id: str,
    timestamp: datetime.datetime,
    transaction_id: int | None = None,
    charger_transaction_id: str | None = None,
    meter_stop_wh: float | None = None,
    reason: str = "",
    ref: ConnectorRef | None = None,
    facts: TransactionFacts = NO_FACTS,
    readings: Sequence[Reading] = (),
) -> TransactionResult:
    """Stop a transaction once; a second stop for it changes nothing.

    A stop for a transaction we do not know is kept as a completed
    transaction flagged for review, and answered normally. One for a
    transaction the CSMS had closed (its guess) completes it with the
    charger's own data, reconciled meanwhile or not
    (chargepoints/services/transaction_closing.py).
    """
    chargepoint = chargepoint_locked(chargepoint_id)
    if charger_transaction_id is None and transaction_id is not None:
        tx = transaction_locked(
            chargepoint, transaction_id=transaction_id, charger_transaction_id=None
        )
        # An unknown 1.6 id was recorded under the charger's number last time.
        lookup_id = str(transaction_id)
    else:
        lookup_id = charger_transaction_id
        tx = None
    if tx is None and lookup_id is not None:
        tx = transaction_locked(chargepoint, transaction_id=None, charger_transaction_id=lookup_id)
    auth = facts_authorize(facts, chargepoint=chargepoint)
    reopened = tx is not None and transaction_closed_by_csms(tx)
    if reopened:
        transaction_reopen(tx)
    elif tx is not None and tx.stop_transaction_timestamp is not None:
        return TransactionResult(tx, auth=auth, created=False)
    created = tx is None
    if tx is None:
        tx = _unknown_transaction(
            chargepoint,
            ref=ref,
            charger_transaction_id=lookup_id or "",
            timestamp=timestamp,
            note=f"Stop for transaction {lookup_id} never seen starting",
        )
    facts_apply(tx, facts, auth, at=timestamp)
    tx.save()
    # Transaction data sent with the stop is kept like any other reading.
    readings_store(
        chargepoint=chargepoint, connector=tx.connector, transaction=tx, readings=readings
    )
    tx.refresh_from_db()
    tx.stop_transaction_timestamp = timestamp
    tx.reason_stopped = reason
    tx.transaction_status = TransactionStatus.COMPLETED
    # What the charger sent after the close but took before its own stop was
    # the transaction's after all: first, for the meter to read the stop from.
    late_after_stop = reopened and readings_after_end_restore(tx)
    if meter_stop_wh is None:
        meter_stop_wh = tx.wh_meter_last if tx.wh_meter_last_timestamp is not None else None
    tx.wh_meter_stop = meter_stop_wh
    if meter_stop_wh is not None:
        if tx.wh_meter_start is None:
            tx.wh_meter_start = meter_stop_wh
        tx.wh_meter_last = meter_stop_wh
        tx.wh_meter_last_timestamp = timestamp
    tx.total_energy = tx.energy_wh / 1000
    tx.save()
    if late_after_stop:
        transaction_flag(tx, note="Readings sent after the end: kept, not applied")
    transaction_announce(TransactionEvent.STOPPED, tx=tx)
    charging_session_finish(tx=tx)
    notice_charging_completed(tx=tx)
    live_transaction_changed(tx)
    return TransactionResult(tx, auth=auth, created=created)


def transaction_flag_for_review(*, tx: Transaction, note: str) -> None:
    """Set a transaction aside for an operator, saying why (e.g. it could not be billed)."""
    tx.needs_review = True
    tx.review_note = note[:255]
    tx.save(update_fields=["needs_review", "review_note", "updated_at"])


@db_transaction.atomic
def meter_values_record(
    *,
    chargepoint_id: str,
    ref: ConnectorRef,
    readings: Sequence[Reading],
    transaction_id: int | None = None,
    charger_transaction_id: str | None = None,
) -> int:
    """Store readings sent outside transaction events (1.6/2.0.1 MeterValues)."""
    chargepoint = chargepoint_locked(chargepoint_id, fields=())
    connector = connector_get_or_create(chargepoint=chargepoint, ref=ref)
    tx = None
    if transaction_id is not None or charger_transaction_id is not None:
        tx = transaction_locked(
            chargepoint,
            transaction_id=transaction_id,
            charger_transaction_id=charger_transaction_id,
        )
    if tx is not None and tx.stop_transaction_timestamp is not None:
        return transaction_late_event(
            chargepoint=chargepoint,
            tx=tx,
            connector=connector,
            seq_no=None,
            readings=readings,
            what="Meter values",
        )
    return len(
        readings_store(
            chargepoint=chargepoint, connector=connector, transaction=tx, readings=readings
        )
    )

"""The life of a transaction, the same for OCPP 1.6 and 2.0.1 chargers.

Every service here is idempotent: chargers retransmit after a reconnect and
some send a stop twice. None of them refuses a message about a transaction:
a charger retries a refused transaction message forever (docs/architecture.md rule 7).
"""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction as db_transaction
from django.utils import timezone

from chargepoints.enums import (
    ChargerEventKind,
    ChargingState,
    ReservationStatus,
    TransactionStatus,
)
from chargepoints.models import ChargePoint, ChargerEvent, Reservation, Transaction
from chargepoints.services.authorization import AuthResult, idtag_authorize
from chargepoints.services.connectors import ConnectorRef, connector_get_or_create
from chargepoints.services.live import live_transaction_changed
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
from chargepoints.services.sessions import (
    charging_session_attach,
    charging_session_finish,
    charging_session_touch,
)
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_announce
from csms.rows import row_insert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransactionResult:
    transaction: Transaction
    auth: AuthResult | None = None
    created: bool = False


@dataclass(frozen=True)
class TransactionFacts:
    """What a charger may say about a running transaction, in any version."""

    charging_state: str = ""
    trigger_reason: str = ""
    seq_no: int | None = None
    number_of_phases_used: int | None = None
    id_token: str | None = None
    id_token_type: str = ""


def _authorize(facts: TransactionFacts, **options) -> AuthResult | None:
    """Authorize the token a message carried; None when it carried none."""
    if facts.id_token is None and not facts.id_token_type:
        return None
    return idtag_authorize(id_token=facts.id_token or "", token_type=facts.id_token_type, **options)


def _replayed(tx: Transaction, facts: TransactionFacts) -> bool:
    """An event whose seqNo we already have: a retransmit, its readings are stored."""
    return (
        facts.seq_no is not None
        and tx.sequence_number is not None
        and facts.seq_no <= tx.sequence_number
    )


def charging_state_record(tx: Transaction, *, state: str, at: datetime.datetime) -> bool:
    """Add a change of charging state to the transaction's history (the caller saves).

    The history prices parking time; a repeated state is no change.
    """
    history = tx.charging_states or []
    if history and history[-1].get("state") == state:
        return False
    tx.charging_states = [*history, {"timestamp": at.isoformat(), "state": state}]
    return True


def _apply_facts(
    tx: Transaction,
    facts: TransactionFacts,
    auth: AuthResult | None,
    *,
    at: datetime.datetime | None = None,
) -> None:
    if facts.charging_state:
        if at is not None:
            charging_state_record(tx, state=facts.charging_state, at=at)
        tx.charging_state = facts.charging_state
    if facts.trigger_reason:
        tx.trigger_reason = facts.trigger_reason
    if facts.number_of_phases_used is not None:
        tx.number_of_phases_used = facts.number_of_phases_used
    # The token that started the transaction stays its token; whoever stops it
    # (another card of the same group, OCPP 1.6 §6.49) is only authorized.
    if facts.id_token and not tx.id_token:
        tx.id_token = facts.id_token
    if facts.id_token_type and not tx.id_token_type:
        tx.id_token_type = facts.id_token_type
    if (
        auth is not None
        and auth.id_tag is not None
        and tx.id_tag_id is None
        and tx.id_token.lower() == auth.id_tag.idToken.lower()
    ):
        tx.id_tag = auth.id_tag
        tx.user = auth.id_tag.user
    if facts.seq_no is not None:
        if tx.sequence_number is not None and facts.seq_no > tx.sequence_number + 1:
            _sequence_gap(tx, expected=tx.sequence_number + 1, received=facts.seq_no)
        if tx.sequence_number is None or facts.seq_no > tx.sequence_number:
            tx.sequence_number = facts.seq_no


def _sequence_gap(tx: Transaction, *, expected: int, received: int) -> None:
    # OCPP 2.0.1 E03: seqNo grows by one per event of a transaction; a gap
    # means events were lost, and the energy may need checking.
    logger.warning(
        "Transaction %s on %s: sequence gap, expected seqNo %s, received %s",
        tx.charger_transaction_id or tx.pk,
        tx.chargepoint_id,
        expected,
        received,
    )
    ChargerEvent.objects.create(
        chargepoint_id=tx.chargepoint_id,
        kind=ChargerEventKind.SEQUENCE_GAP,
        status=f"expected {expected}, received {received}",
        timestamp=timezone.now(),
        payload={"transaction": tx.pk, "expected": expected, "received": received},
    )


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
    facts: TransactionFacts = TransactionFacts(),
    readings: Sequence[Reading] = (),
) -> TransactionResult:
    """Start a transaction, or return the one a retransmitted start already created."""
    chargepoint = chargepoint_locked(chargepoint_id, fields=())
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
        auth = _authorize(facts, check_concurrent=True, exclude_transaction=existing)
        return TransactionResult(existing, auth=auth, created=False)

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
    auth = _authorize(facts, check_concurrent=True)
    _apply_facts(tx, facts, auth, at=timestamp)
    if reservation_id is not None:
        tx.reservation = _reservation_consume(chargepoint, reservation_id)
    row_insert(tx)
    transaction_announce(TransactionEvent.STARTED, tx=tx)
    readings_store(chargepoint=chargepoint, connector=connector, transaction=tx, readings=readings)
    charging_session_attach(tx=tx)
    notice_charging_started(tx=tx)
    live_transaction_changed(tx)
    return TransactionResult(tx, auth=auth, created=True)


def _reservation_consume(chargepoint: ChargePoint, reservation_id: int) -> Reservation | None:
    """A transaction started on a reservation ends it (OCPP 1.6 §5.13, 2.0.1 H01.FR.05)."""
    reservation = (
        Reservation.objects.select_for_update()
        .filter(chargepoint=chargepoint, reservation_id=reservation_id)
        .first()
    )
    if reservation is not None and reservation.status == ReservationStatus.ACTIVE:
        reservation.status = ReservationStatus.COMPLETED
        reservation.save(update_fields=["status"])
    return reservation


def _unknown_transaction(
    chargepoint: ChargePoint,
    *,
    ref: ConnectorRef | None,
    charger_transaction_id: str,
    timestamp: datetime.datetime,
    note: str,
) -> Transaction:
    """A transaction we learn of from its middle or its end: kept, flagged for review."""
    logger.warning("%s: %s", chargepoint.pk, note)
    connector = connector_get_or_create(chargepoint=chargepoint, ref=ref) if ref else None
    return Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        charger_transaction_id=charger_transaction_id,
        start_transaction_timestamp=timestamp,
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
    facts: TransactionFacts = TransactionFacts(),
    readings: Sequence[Reading] = (),
) -> TransactionResult:
    """A running transaction reports progress (2.0.1 TransactionEvent Updated)."""
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
    auth = _authorize(facts)
    replayed = _replayed(tx, facts)
    was_charging = tx.charging_state == ChargingState.CHARGING
    _apply_facts(tx, facts, auth, at=None if replayed else timestamp)
    tx.save()
    if not replayed:
        readings_store(
            chargepoint=chargepoint, connector=tx.connector, transaction=tx, readings=readings
        )
        if (
            was_charging
            and tx.charging_state in NOT_CHARGING_STATES
            and tx.transaction_status == TransactionStatus.ACTIVE
        ):
            notice_charging_stopped(tx=tx, state=tx.charging_state)
    charging_session_touch(tx=tx)
    live_transaction_changed(tx)
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
    facts: TransactionFacts = TransactionFacts(),
    readings: Sequence[Reading] = (),
) -> TransactionResult:
    """Stop a transaction once; a second stop for it changes nothing.

    A stop for a transaction we do not know is kept as a completed
    transaction flagged for review, and answered normally.
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
    auth = _authorize(facts)
    if tx is not None and tx.stop_transaction_timestamp is not None:
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
    _apply_facts(tx, facts, auth, at=timestamp)
    tx.save()
    # Transaction data sent with the stop is kept like any other reading.
    readings_store(
        chargepoint=chargepoint, connector=tx.connector, transaction=tx, readings=readings
    )
    tx.refresh_from_db()
    tx.stop_transaction_timestamp = timestamp
    tx.reason_stopped = reason
    tx.transaction_status = TransactionStatus.COMPLETED
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
    return len(
        readings_store(
            chargepoint=chargepoint, connector=connector, transaction=tx, readings=readings
        )
    )

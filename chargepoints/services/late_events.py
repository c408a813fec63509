"""Messages about a transaction that has ended: kept, never applied.

A finished transaction's state and totals never change. A third-party
simulator sent a TransactionEvent Updated 19 ms after its Ended, at shutdown;
applied, it replaced the trigger reason and raised the last meter reading
above the stop reading. So an event that comes after the end only adds its
readings, and one the charger sent after the end flags the transaction for
an operator. It is still answered normally: a charger retries a refused
transaction message for ever (docs/architecture.md rule 7).
"""

import datetime
from collections.abc import Sequence

from chargepoints.enums import Measurand
from chargepoints.models import ChargePoint, Connector, SampledValue, Transaction
from chargepoints.services.metering import DEFAULT_MEASURAND, Reading, readings_store


def transaction_flag(tx: Transaction, *, note: str) -> None:
    """Flag a transaction for review, adding ``note`` to what it is flagged for already."""
    if tx.needs_review and note in tx.review_note:
        return
    if tx.needs_review and tx.review_note:
        note = f"{tx.review_note} | {note}"
    tx.needs_review = True
    tx.review_note = note[:255]
    tx.save(update_fields=["needs_review", "review_note", "updated_at"])


def _unstored(tx: Transaction, readings: Sequence[Reading]) -> list[Reading]:
    """The readings not stored yet (a retransmit's are). Late events are rare: one query.

    A reading is known by the key the database keeps it once by
    (``sampled_value_unique_reading``): its format is part of it, as a
    charger under calibration law sends each reading raw and signed.
    """
    if not readings:
        return []
    stored = set(
        SampledValue.objects.filter(
            transaction=tx, timestamp__in={reading.timestamp for reading in readings}
        ).values_list("measurand", "timestamp", "phase", "location", "context", "format")
    )
    return [
        reading
        for reading in readings
        if (
            reading.measurand or DEFAULT_MEASURAND,
            reading.timestamp,
            reading.phase,
            reading.location,
            reading.context,
            reading.format,
        )
        not in stored
    ]


def transaction_late_event(
    *,
    chargepoint: ChargePoint,
    tx: Transaction,
    connector: Connector | None,
    seq_no: int | None,
    readings: Sequence[Reading],
    what: str,
) -> int:
    """Keep what a message about the ended ``tx`` carried; the number of new readings.

    An event numbered no later than the last one the transaction had (a
    lower 2.0.1 seqNo: sent before the end, delivered late) only adds its
    readings. One numbered after it was sent after the end: it keeps its
    readings as ``after_end`` and flags the transaction. A message without
    a number (OCPP 1.6 MeterValues) is judged reading by reading: one taken
    before the stop is the transaction's, delivered late (a charger sends
    its queued meter values after reconnecting, its stop maybe first); one
    taken after it is ``after_end`` and flags the transaction. Neither
    moves its totals; a retransmit adds nothing.
    """
    new = _unstored(tx, readings)
    if seq_no is not None:
        sent_before_end = tx.sequence_number is not None and seq_no <= tx.sequence_number
        during = new if sent_before_end else []
        after = [] if sent_before_end else new
    else:
        sent_before_end = False
        during = [reading for reading in new if reading.timestamp <= tx.stop_transaction_timestamp]
        after = [reading for reading in new if reading.timestamp > tx.stop_transaction_timestamp]
    for batch, after_end in ((during, False), (after, True)):
        readings_store(
            chargepoint=chargepoint,
            connector=connector,
            transaction=tx,
            readings=batch,
            after_end=after_end,
        )
    if after or (seq_no is not None and not sent_before_end):
        numbered = f" (seqNo {seq_no})" if seq_no is not None else ""
        transaction_flag(
            tx, note=f"{what}{numbered} sent after the end: readings kept, not applied"
        )
    return len(new)


def readings_after_end_restore(tx: Transaction) -> bool:
    """The charger stopped ``tx`` after the CSMS had closed it: what it took before that
    stop was taken during the transaction after all (the caller saves ``tx``).

    Its meter moves to the newest of those readings, for the stop to be
    read from it when the charger's stop carries no reading. Whether
    readings taken after the charger's own stop remain.
    """
    stopped_at = tx.stop_transaction_timestamp
    SampledValue.objects.filter(transaction=tx, after_end=True, timestamp__lte=stopped_at).update(
        after_end=False
    )
    # Also those delivered after the close but taken before it (never after_end).
    _meter_recompute(tx, until=stopped_at)
    return SampledValue.objects.filter(transaction=tx, after_end=True).exists()


def _meter_recompute(tx: Transaction, *, until: datetime.datetime) -> None:
    # The transaction's register, as chargepoints/services/metering.py tracks
    # it: the outlet's total, not a phase's, not the EV's.
    energy = SampledValue.objects.filter(
        transaction=tx,
        after_end=False,
        timestamp__lte=until,
        measurand=Measurand.ENERGY_ACTIVE_IMPORT_REGISTER,
        phase="",
        location__in=["", "Outlet", "Inlet"],
        numeric_value__isnull=False,
    )
    newest = energy.order_by("-timestamp").first()
    if newest is None:
        return
    if tx.wh_meter_last_timestamp is None or newest.timestamp >= tx.wh_meter_last_timestamp:
        tx.wh_meter_last = newest.numeric_value
        tx.wh_meter_last_timestamp = newest.timestamp
    if tx.wh_meter_start is None:
        tx.wh_meter_start = energy.order_by("timestamp").first().numeric_value

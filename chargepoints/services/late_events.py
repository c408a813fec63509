"""Messages about a transaction that has ended: kept, never applied.

A finished transaction's state and totals never change. A third-party
simulator sent a TransactionEvent Updated 19 ms after its Ended, at shutdown;
applied, it replaced the trigger reason and raised the last meter reading
above the stop reading. So an event that comes after the end only adds its
readings, and one the charger sent after the end flags the transaction for
an operator. It is still answered normally: a charger retries a refused
transaction message for ever (docs/architecture.md rule 7).
"""

from collections.abc import Sequence

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
    """The readings not stored yet (a retransmit's are). Late events are rare: one query."""
    if not readings:
        return []
    stored = set(
        SampledValue.objects.filter(
            transaction=tx, timestamp__in={reading.timestamp for reading in readings}
        ).values_list("measurand", "timestamp", "phase", "location", "context")
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
    readings. One sent after the end (a higher seqNo; a 1.6 MeterValues, as
    a 1.6 charger delivers a transaction's messages in order) keeps its
    readings as ``after_end`` and flags the transaction; its retransmit adds
    nothing.
    """
    sent_before_end = (
        seq_no is not None and tx.sequence_number is not None and seq_no <= tx.sequence_number
    )
    new = _unstored(tx, readings)
    readings_store(
        chargepoint=chargepoint,
        connector=connector,
        transaction=tx,
        readings=new,
        after_end=not sent_before_end,
    )
    if not sent_before_end and (new or seq_no is not None):
        numbered = f" (seqNo {seq_no})" if seq_no is not None else ""
        transaction_flag(
            tx, note=f"{what}{numbered} sent after the end: readings kept, not applied"
        )
    return len(new)


def readings_after_end_restore(tx: Transaction) -> None:
    """The charger stopped ``tx`` after the CSMS had closed it: what it sent before that
    stop was sent during the transaction after all."""
    if tx.stop_transaction_timestamp is None:
        return
    SampledValue.objects.filter(
        transaction=tx, after_end=True, timestamp__lte=tx.stop_transaction_timestamp
    ).update(after_end=False)

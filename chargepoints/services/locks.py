"""The rows a charger's transaction messages lock or look up before they write.

One charger's transaction messages are serialised by the lock on its row, so
a retransmitted start racing the original cannot create two rows; the
transaction's own row is locked before its meter is moved. These reads run
for every meter value, so they are compiled once (csms/rows.py): each is one
indexed row.
"""

import datetime
import functools

from chargepoints.models import ChargePoint, Connector, Transaction
from csms.rows import RowReader

_TRANSACTION_BY_PK = RowReader(Transaction, ["chargepoint", "pk"], for_update=True)
_TRANSACTION_BY_CHARGER_ID = RowReader(
    Transaction, ["chargepoint", "charger_transaction_id"], for_update=True
)
# A charger's transactions started at one moment (an index of their own):
# one or none, but for a retransmit.
_TRANSACTIONS_STARTED_AT = RowReader(Transaction, ["chargepoint", "start_transaction_timestamp"])


@functools.cache
def _charger_reader(fields: tuple[str, ...]) -> RowReader:
    return RowReader(ChargePoint, ["pk"], fields=["pk", *fields], for_update=True)


def chargepoint_locked(
    chargepoint_id: str, *, fields: tuple[str, ...] | None = None
) -> ChargePoint:
    """The charger's row, locked; ``ChargePoint.DoesNotExist`` when there is none.

    ``fields`` reads only those columns (and the key), the rest deferred:
    meter values only name the charger in the rows they add, a boot reads
    only the operator's decision, and the other forty columns would be read
    and built for nothing, every frame.
    """
    if fields is None:
        return ChargePoint.objects.select_for_update().get(pk=chargepoint_id)
    chargepoint = _charger_reader(fields).get(chargepoint_id)
    if chargepoint is None:
        raise ChargePoint.DoesNotExist(f"No charge point {chargepoint_id!r}")
    return chargepoint


def transaction_locked(
    chargepoint: ChargePoint, *, transaction_id: int | None, charger_transaction_id: str | None
) -> Transaction | None:
    """The charger's transaction by our id or by the charger's, locked; None when unknown."""
    # Both keys are unique within a charger (the model's constraints): one row at most.
    if charger_transaction_id is not None:
        return _TRANSACTION_BY_CHARGER_ID.get(chargepoint.pk, charger_transaction_id)
    return _TRANSACTION_BY_PK.get(chargepoint.pk, transaction_id)


def transaction_find_started(
    chargepoint: ChargePoint,
    *,
    connector: Connector | None,
    timestamp: datetime.datetime,
    meter_start_wh: float | None,
    id_token: str,
) -> Transaction | None:
    """The transaction a retransmitted OCPP 1.6 StartTransaction already created, if any.

    OCPP 1.6 has no id of the charger's: a retransmitted StartTransaction
    repeats connector, tag, time and meter, so those identify it (the tag
    in whichever letter case the reader used).
    """
    token = id_token.lower()
    same = [
        tx
        for tx in _TRANSACTIONS_STARTED_AT.all(chargepoint.pk, timestamp)
        if tx.connector_id == (connector.pk if connector else None)
        and tx.id_token.lower() == token
        and tx.wh_meter_start == meter_start_wh
    ]
    return min(same, key=lambda tx: tx.pk, default=None)

"""Live updates of running transactions for apps (WebSocket /ws/v1/transactions/<id>/).

Services announce that a transaction changed; the announcement is kept until
their database transaction commits (an app must never see a value that was
rolled back) and only while someone has opened an outbox to publish it: the
gateway opens one around each charger message. Elsewhere (admin, tests,
management commands) nothing is collected, so nothing piles up.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction as db_transaction

from chargepoints.models import Transaction
from chargepoints.services.transaction_prices import transaction_price

_local = threading.local()


def transaction_group(transaction_id: int) -> str:
    """The channel-layer group of a transaction's subscribers."""
    return f"transaction-{transaction_id}"


def transaction_live(tx: Transaction) -> dict:
    """What an app shows of a transaction while it runs: status, energy, power, cost."""
    return {
        "type": "transaction.update",
        "transaction_id": tx.pk,
        "status": tx.transaction_status,
        "charging_state": tx.charging_state,
        "energy_kwh": round(tx.energy_wh / 1000, 3),
        "power_w": tx.last_power_w,
        "current_a": tx.last_current_a,
        "voltage_v": tx.last_voltage_v,
        "soc": tx.last_soc,
        "total_cost": _text(transaction_price(tx=tx).total),
        "meter_timestamp": _iso(tx.wh_meter_last_timestamp),
        "started_at": _iso(tx.start_transaction_timestamp),
        "stopped_at": _iso(tx.stop_transaction_timestamp),
        "reason_stopped": tx.reason_stopped,
    }


def _text(value) -> str | None:
    return None if value is None else str(value)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def live_transaction_changed(tx: Transaction) -> None:
    """Announce the transaction's new state once the surrounding commit succeeds."""
    outbox = getattr(_local, "outbox", None)
    if outbox is None or tx.pk is None:
        return

    def collect() -> None:
        # The state at commit time; several changes in one commit send one update.
        outbox[transaction_group(tx.pk)] = transaction_live(tx)

    db_transaction.on_commit(collect)


@contextmanager
def live_outbox() -> Iterator[dict[str, dict]]:
    """Collect the updates announced (and committed) inside the block: group -> message."""
    previous = getattr(_local, "outbox", None)
    _local.outbox = outbox = {}
    try:
        yield outbox
    finally:
        _local.outbox = previous

"""Live updates: of running transactions for apps (WebSocket /ws/v1/transactions/<id>/),
and of the network for staff pages (WebSocket /ws/admin/live/, chargepoints/admin/live.py).

Services announce that a transaction or a charger changed; the announcement
is kept until their database transaction commits (nobody must see a value
that was rolled back) and collected in an outbox that the gateway opens
around each batch of charger messages and publishes once per batch
(ocpp_gateway/db.py). Elsewhere (admin, tests, management commands) app
updates are not collected, so nothing piles up; staff notes are sent on
their own after the commit (csms/sockets.py).

Staff pages get notes, not data: {"chargepoint_id", "what"}, one message per
batch with the batch's notes deduplicated; the page reads what it shows
itself. Energy notes of a charger leave at most once a second per process:
a charger metering every second would otherwise have every open page
re-read everything every second.
"""

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction as db_transaction

from accounts.services.live import user_notes_collected
from chargepoints.models import Transaction
from chargepoints.services.transaction_prices import transaction_price
from csms.api.fields import rfc3339
from csms.api.money import price_of
from csms.sockets import group_send_on_commit

_local = threading.local()

# The channel-layer group of the staff's live sockets, and what they are told.
STAFF_GROUP = "staff-network"
NETWORK_CHANGED = "network.changed"
# What changed about a charger.
CONNECTION, STATUS, ENERGY, TRANSACTION = "connection", "status", "energy", "transaction"
ENERGY_INTERVAL = 1.0
# Chargers whose last energy note is remembered; past that the memory starts
# over (a charger then has one note more, never one less).
ENERGY_REMEMBERED = 10_000
_energy_sent: dict[str, float] = {}


def transaction_group(transaction_id: int) -> str:
    """The channel-layer group of a transaction's subscribers."""
    return f"transaction-{transaction_id}"


def transaction_live(tx: Transaction) -> dict:
    """What an app shows of a transaction while it runs: status, energy, power, cost.

    Named and formatted as the REST transaction is (its transaction_id,
    power_w, soc_percent...; moments as csms.api.fields.rfc3339);
    ``charging_state`` and ``reason_stopped`` quote OCPP and keep its
    spelling, null (never blank) until known, as in REST.
    """
    return {
        "type": "transaction.update",
        "transaction_id": tx.pk,
        "status": tx.transaction_status,
        "charging_state": tx.charging_state or None,
        "energy_kwh": round(tx.energy_wh / 1000, 3),
        "power_w": tx.last_power_w,
        "current_a": tx.last_current_a,
        "voltage_v": tx.last_voltage_v,
        "soc_percent": tx.last_soc,
        "cost": price_of(transaction_price(tx=tx)),
        "meter_timestamp": rfc3339(tx.wh_meter_last_timestamp),
        "started_at": rfc3339(tx.start_transaction_timestamp),
        "stopped_at": rfc3339(tx.stop_transaction_timestamp),
        "reason_stopped": tx.reason_stopped or None,
    }


def live_transaction_changed(tx: Transaction, *, what: str = TRANSACTION) -> None:
    """Announce the transaction's new state once the surrounding commit succeeds.

    Staff pages hear of it as a change of the charger: ``what`` is ENERGY
    for new meter values, TRANSACTION for a start or an end.
    """
    live_network_changed(chargepoint_id=tx.chargepoint_id, what=what)
    outbox = getattr(_local, "outbox", None)
    if outbox is None or tx.pk is None:
        return

    def collect() -> None:
        # The state at commit time; several changes in one commit send one update.
        outbox[transaction_group(tx.pk)] = transaction_live(tx)

    db_transaction.on_commit(collect)


def live_network_changed(*, chargepoint_id: str, what: str) -> None:
    """Tell the staff's live pages that a charger changed, once the commit succeeds."""
    live_network_changed_many(chargepoint_ids=(chargepoint_id,), what=what)


def live_network_changed_many(*, chargepoint_ids: Iterable[str], what: str) -> None:
    """The same for many chargers at once (a dead server process's), in one message."""
    if what == ENERGY:
        chargepoint_ids = [cp for cp in chargepoint_ids if _energy_due(cp)]
    changes = [(chargepoint_id, what) for chargepoint_id in chargepoint_ids]
    if not changes:
        return
    outbox = getattr(_local, "outbox", None)
    if outbox is None:
        group_send_on_commit(groups=[STAFF_GROUP], message=_network_message(changes))
        return
    seen = _local.network_seen

    def collect() -> None:
        # One message per outbox: the batch's notes, each once.
        message = outbox.get(STAFF_GROUP)
        if message is None:
            message = outbox[STAFF_GROUP] = _network_message([])
        for change in changes:
            if change not in seen:
                seen.add(change)
                message["changes"].append({"chargepoint_id": change[0], "what": change[1]})

    db_transaction.on_commit(collect)


def _network_message(changes: list[tuple[str, str]]) -> dict:
    return {
        "type": NETWORK_CHANGED,
        "changes": [{"chargepoint_id": cp, "what": what} for cp, what in changes],
    }


def _energy_due(chargepoint_id: str) -> bool:
    """Whether an energy note of this charger may leave now (and then count it as sent).

    Counted when announced, not when committed: within one batch the later
    meter values of a charger cost nothing, and the page reads the batch's
    final state anyway.
    """
    now = time.monotonic()
    last = _energy_sent.get(chargepoint_id)
    if last is not None and now - last < ENERGY_INTERVAL:
        return False
    if len(_energy_sent) >= ENERGY_REMEMBERED:
        _energy_sent.clear()
    _energy_sent[chargepoint_id] = now
    return True


@contextmanager
def live_outbox() -> Iterator[dict[str, dict]]:
    """Collect the updates announced (and committed) inside the block: group -> message."""
    previous = getattr(_local, "outbox", None), getattr(_local, "network_seen", None)
    _local.outbox = outbox = {}
    _local.network_seen = set()
    try:
        # Drivers' live notes (accounts.services.live) leave with the batch too.
        with user_notes_collected(outbox):
            yield outbox
    finally:
        _local.outbox, _local.network_seen = previous

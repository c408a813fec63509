"""What the staff's live pages are told: a note per changed charger, once per batch.

The gateway runs a batch of charger messages in one outbox and one commit
(ocpp_gateway/db.py); these tests do the same with the services, then read
the outbox as the gateway would publish it. Outside an outbox (admin,
management commands, the process sweep) a note leaves on its own after the
commit.
"""

import asyncio
import datetime

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from accounts.models import IdTag
from chargepoints.models import ChargePoint, ServerProcess
from chargepoints.services import live
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.live import STAFF_GROUP, live_outbox, transaction_group
from chargepoints.services.metering import Reading
from chargepoints.services.processes import server_processes_sweep
from chargepoints.services.status import status_report
from chargepoints.services.transaction_closing import transaction_close
from chargepoints.services.transaction_facts import TransactionFacts
from chargepoints.services.transactions import meter_values_record, transaction_start

pytestmark = pytest.mark.django_db(transaction=True)
TAG = "NOTE-TAG"


@pytest.fixture(autouse=True)
def energy_notes_forgotten():
    live._energy_sent.clear()
    yield
    live._energy_sent.clear()


@pytest.fixture
def charging(chargepoint, connector, driver):
    IdTag.objects.create(idToken=TAG, user=driver)
    result = transaction_start(
        chargepoint_id=chargepoint.pk,
        ref=ConnectorRef(connectorid=1),
        timestamp=timezone.now(),
        meter_start_wh=1000.0,
        facts=TransactionFacts(id_token=TAG, id_token_type="ISO14443"),
    )
    return result.transaction


def batch(*calls):
    """Run the calls as the gateway runs one batch: each in a savepoint, one commit."""
    with live_outbox() as outbox, transaction.atomic():
        for call in calls:
            try:
                with transaction.atomic():
                    call()
            except RuntimeError:
                pass
    return outbox


def metered(tx, wh: int, second: int):
    reading = Reading(
        value=str(wh),
        timestamp=tx.start_transaction_timestamp + datetime.timedelta(seconds=second),
    )
    return lambda: meter_values_record(
        chargepoint_id=tx.chargepoint_id,
        ref=ConnectorRef(connectorid=1),
        readings=[reading],
        transaction_id=tx.pk,
    )


def reported(chargepoint_id: str, status: str, connector_id: int = 1):
    return lambda: status_report(
        chargepoint_id=chargepoint_id,
        ref=ConnectorRef(connectorid=connector_id),
        status=status,
        timestamp=timezone.now(),
    )


def test_a_batch_of_many_meter_values_and_reports_makes_one_staff_message(charging):
    cp = charging.chargepoint_id
    calls = [metered(charging, 1000 + 10 * n, n) for n in range(1, 31)]
    calls += [reported(cp, "Charging"), reported(cp, "SuspendedEV"), reported(cp, "Charging")]

    outbox = batch(*calls)

    assert outbox[STAFF_GROUP] == {
        "type": "network.changed",
        "changes": [
            {"chargepoint_id": cp, "what": "energy"},
            {"chargepoint_id": cp, "what": "status"},
        ],
    }
    # The app watching the transaction still hears its state, once per batch too.
    assert outbox[transaction_group(charging.pk)]["energy_kwh"] == 0.3


def test_each_charger_of_a_batch_is_named_once(charging, location):
    ChargePoint.objects.create(chargepoint_id="CP-OTHER", location=location)
    cp = charging.chargepoint_id

    outbox = batch(
        reported(cp, "Charging"),
        reported("CP-OTHER", "Faulted", connector_id=2),
        reported(cp, "Charging"),
        reported("CP-OTHER", "Available", connector_id=2),
    )

    assert outbox[STAFF_GROUP]["changes"] == [
        {"chargepoint_id": cp, "what": "status"},
        {"chargepoint_id": "CP-OTHER", "what": "status"},
    ]


def test_a_call_rolled_back_announces_nothing(chargepoint, connector):
    def failing():
        reported(chargepoint.pk, "Faulted")()
        raise RuntimeError("the savepoint rolls back")

    outbox = batch(failing)

    assert STAFF_GROUP not in outbox


def test_energy_notes_of_a_charger_leave_at_most_once_a_second(charging, monkeypatch):
    cp = charging.chargepoint_id
    monkeypatch.setattr(live, "ENERGY_INTERVAL", 3600.0)

    first = batch(metered(charging, 1100, 1))
    second = batch(metered(charging, 1200, 2), reported(cp, "Charging"))

    assert first[STAFF_GROUP]["changes"] == [{"chargepoint_id": cp, "what": "energy"}]
    # Within the interval: the status is told, the energy is not (the page
    # re-reads both anyway).
    assert second[STAFF_GROUP]["changes"] == [{"chargepoint_id": cp, "what": "status"}]
    # The app watching the transaction is not throttled.
    assert second[transaction_group(charging.pk)]["energy_kwh"] == 0.2

    monkeypatch.setattr(live, "ENERGY_INTERVAL", 0.0)
    third = batch(metered(charging, 1300, 3))
    assert third[STAFF_GROUP]["changes"] == [{"chargepoint_id": cp, "what": "energy"}]


def test_the_memory_of_energy_notes_is_bounded(monkeypatch):
    monkeypatch.setattr(live, "ENERGY_REMEMBERED", 100)

    for number in range(1000):
        live._energy_due(f"CP-{number}")

    assert len(live._energy_sent) <= 100


def listening(work):
    """The staff messages sent while ``work`` (synchronous, outside any outbox) runs."""

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(STAFF_GROUP, channel)
        await database_sync_to_async(work)()
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except TimeoutError:
                break
        await layer.group_discard(STAFF_GROUP, channel)
        return messages

    return asyncio.run(scenario())


def test_an_operator_closing_a_transaction_is_announced_after_the_commit(charging):
    messages = listening(lambda: transaction_close(transaction_id=charging.pk, why="test"))

    assert messages == [
        {
            "type": "network.changed",
            "changes": [{"chargepoint_id": charging.chargepoint_id, "what": "transaction"}],
        }
    ]


def test_the_chargers_of_a_dead_process_are_announced_offline_in_one_message(location):
    now = timezone.now()
    ServerProcess.objects.create(
        process_id="dead",
        hostname="host",
        pid=1,
        started_at=now - datetime.timedelta(hours=1),
        heartbeat_at=now - datetime.timedelta(minutes=10),
    )
    for name in ("CP-A", "CP-B"):
        ChargePoint.objects.create(
            chargepoint_id=name,
            location=location,
            connected=True,
            connection_id=f"conn-{name}",
            connection_process="dead",
        )
    ChargePoint.objects.create(chargepoint_id="CP-IDLE", location=location)

    messages = listening(lambda: server_processes_sweep(sweeper="me", now=now))

    assert len(messages) == 1
    assert sorted(c["chargepoint_id"] for c in messages[0]["changes"]) == ["CP-A", "CP-B"]
    assert {c["what"] for c in messages[0]["changes"]} == {"connection"}


def test_a_quiet_sweep_announces_nothing(location):
    assert listening(lambda: server_processes_sweep(sweeper="me")) == []


def test_the_outbox_is_delivered_once_for_the_batch(charging):
    # Nothing is told before the commit: a page must not read a state that
    # is then rolled back.
    with live_outbox() as outbox, transaction.atomic():
        metered(charging, 1100, 1)()
        assert STAFF_GROUP not in outbox
    assert STAFF_GROUP in outbox


def test_notes_wait_for_the_commit_outside_an_outbox_too(charging):
    def closed_then_rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            transaction_close(transaction_id=charging.pk, why="test")
            raise RuntimeError("rolled back")

    assert listening(closed_then_rolled_back) == []

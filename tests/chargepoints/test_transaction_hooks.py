"""What the charging domain announces about transactions, and how a failing subscriber is kept
from losing what a charger sent."""

import datetime
import logging

import pytest

from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from chargepoints.services import transaction_hooks
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.metering import Reading
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_subscribe
from chargepoints.services.transactions import (
    TransactionFacts,
    meter_values_record,
    transaction_start,
    transaction_stop,
)

T0 = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)
CONNECTOR_1 = ConnectorRef(connectorid=1)
FIVE_MINUTES = datetime.timedelta(minutes=5)


@pytest.fixture
def heard(monkeypatch):
    """Only this test's subscribers (billing's are left out); returns what they heard."""
    monkeypatch.setattr(
        transaction_hooks, "_subscribers", {event: [] for event in TransactionEvent}
    )
    events = []

    def recorder(event):
        def record(*, tx, **facts):
            events.append((event, tx.transaction_status, tx.wh_meter_last, *facts.values()))

        return record

    for event in TransactionEvent:
        transaction_subscribe(event, recorder(event))
    return events


def session(chargepoint):
    tx = transaction_start(
        chargepoint_id=chargepoint.pk,
        ref=CONNECTOR_1,
        timestamp=T0,
        meter_start_wh=1000.0,
        facts=TransactionFacts(id_token="TAG-1", id_token_type="ISO14443", seq_no=0),
    ).transaction
    meter_values_record(
        chargepoint_id=chargepoint.pk,
        ref=CONNECTOR_1,
        transaction_id=tx.pk,
        readings=[
            Reading(
                timestamp=T0 + FIVE_MINUTES,
                value="2500",
                measurand="Energy.Active.Import.Register",
            )
        ],
    )
    transaction_stop(
        chargepoint_id=chargepoint.pk,
        transaction_id=tx.pk,
        timestamp=T0 + datetime.timedelta(minutes=10),
        meter_stop_wh=4000.0,
    )
    return tx


def test_a_session_announces_started_metered_and_stopped_with_the_saved_state(heard, connector):
    session(connector.chargepoint)

    assert heard == [
        (TransactionEvent.STARTED, TransactionStatus.ACTIVE, 1000.0),
        # With the time of the batch's oldest reading.
        (TransactionEvent.METERED, TransactionStatus.ACTIVE, 2500.0, T0 + FIVE_MINUTES),
        (TransactionEvent.STOPPED, TransactionStatus.COMPLETED, 4000.0),
    ]


def test_a_retransmitted_stop_announces_nothing_more(heard, connector):
    tx = session(connector.chargepoint)
    heard.clear()

    transaction_stop(
        chargepoint_id=connector.chargepoint.pk,
        transaction_id=tx.pk,
        timestamp=T0 + datetime.timedelta(minutes=10),
        meter_stop_wh=4000.0,
    )

    assert heard == []


def test_subscribing_twice_is_heard_once(heard, connector):
    def subscriber(*, tx, **facts):
        heard.append(("twice?", tx.pk, None))

    transaction_subscribe(TransactionEvent.STARTED, subscriber)
    transaction_subscribe(TransactionEvent.STARTED, subscriber)

    session(connector.chargepoint)

    assert [entry[0] for entry in heard].count("twice?") == 1


def test_a_failing_subscriber_is_rolled_back_alone_and_the_stop_is_kept(heard, connector, caplog):
    def breaks_after_writing(*, tx, **facts):
        Transaction.objects.filter(pk=tx.pk).update(review_note="half-done work")
        raise RuntimeError("pricing engine down")

    def after(*, tx, **facts):
        heard.append(("after", tx.transaction_status, tx.wh_meter_stop))

    transaction_subscribe(TransactionEvent.STOPPED, breaks_after_writing)
    transaction_subscribe(TransactionEvent.STOPPED, after)

    with caplog.at_level(logging.ERROR, logger="chargepoints.services.transaction_hooks"):
        tx = session(connector.chargepoint)

    tx.refresh_from_db()
    assert (tx.transaction_status, tx.wh_meter_stop, tx.review_note) == (
        TransactionStatus.COMPLETED,
        4000.0,
        "",
    )
    assert "stopped subscriber" in caplog.text and "pricing engine down" in caplog.text
    # Subscribers after the failing one are still told.
    assert heard[-1] == ("after", TransactionStatus.COMPLETED, 4000.0)

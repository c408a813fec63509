"""Issue 16, transaction healing, told as frames: what a review found after the first round.

- A driver's retry on the same connector (the first start's answer was lost,
  or the charger rebooted with the car plugged in) is no concurrent
  transaction: it is Accepted, and what it replaces is closed.
- A charger's stop for a transaction the CSMS had closed is applied even
  after an operator reconciled the close, and then flags its CDR for a credit.
- A 2.0.1 end after a silence close reads its stop from the readings sent
  after the close.
- A 1.6 charger's meter values taken during a transaction but delivered after
  its stop are the transaction's readings, not late events.
- A raw and a signed reading of one moment are both kept.
"""

import pytest
from django.urls import reverse

from accounts.models import IdTag
from billing.models import CDR, Tariff, TariffElement
from billing.services.cdrs import cdr_reissue, transaction_reconcile
from chargepoints.enums import StopReason
from chargepoints.models import ChargingSession, Connector, SampledValue, Transaction
from chargepoints.services.expiry import charging_requests_expire
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.chargepoints.test_transaction_healing import (
    T1,
    T2,
    T3,
    TAG,
    boot16,
    boot201,
    meter16,
    silent_since,
    start16,
    started201,
    status16,
    status201,
    stop16,
    token201,
    tx_of,
    updated201,
    utc,
)
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v201.handlers.helpers import transaction_event

# A charger under calibration law sends each reading raw and signed (OCMF).
OCMF_6 = 'OCMF|{"FV":"1.0","RD":[{"RV":6.0,"RU":"kWh"}]}|{"SD":"3045"}'
OCMF_9 = 'OCMF|{"FV":"1.0","RD":[{"RV":9.0,"RU":"kWh"}]}|{"SD":"3046"}'


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken=TAG, user=driver)


@pytest.fixture
def tariff(chargepoint) -> Tariff:
    """0.50 EUR per kWh on connector 1: what bills the sessions here."""
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", id="T-KWH", currency="EUR")
    TariffElement.objects.create(
        tariff=tariff,
        position=0,
        price_components=[{"type": "ENERGY", "price": 0.5, "step_size": 1}],
    )
    connector = Connector.objects.create(
        chargepoint=chargepoint, connectorid=1, evse_id=1, evse_connector_id=1
    )
    connector.tariff_ids.add(tariff)
    return tariff


@pytest.fixture
def wire16(chargepoint) -> Wire:
    return Wire(ChargePoint16, chargepoint.chargepoint_id)


@pytest.fixture
def wire201(chargepoint) -> Wire:
    return Wire(ChargePoint201, chargepoint.chargepoint_id)


# -- a driver's retry on the same connector ----------------------------------------------


def test_a_16_retry_after_the_answer_was_lost_is_accepted_and_billed(wire16, tag, tariff):
    # The start went out, the connection dropped before its answer: the
    # charger gave up on it. The driver taps the same card again.
    lost = start16(wire16, unique_id="lost")[2]["transactionId"]
    status16(wire16, "Preparing", at="2026-03-01T10:00:20Z")

    answer = start16(wire16, at="2026-03-01T10:00:30Z", unique_id="retry")

    retry = answer[2]["transactionId"]
    assert answer == [
        3,
        "retry",
        {"transactionId": retry, "idTagInfo": {"status": "Accepted"}},
    ]
    ghost, real = Transaction.objects.get(pk=lost), Transaction.objects.get(pk=retry)
    assert (ghost.transaction_status, ghost.closed_by_csms, ghost.needs_review) == (
        "COMPLETED",
        True,
        True,
    )
    assert f"started transaction {retry} on the same connector" in ghost.review_note
    assert (real.transaction_status, real.start_status, real.user) == (
        "ACTIVE",
        "Accepted",
        tag.user,
    )
    # The real session is the driver's, and billed when it stops.
    assert stop16(wire16, retry, meter=5000, at=T2) == [3, "stop", {}]
    assert CDR.objects.get(transaction_id=retry).total_energy == pytest.approx(4.0)
    assert not CDR.objects.filter(transaction_id=lost).exists()


def test_a_16_start_after_a_reboot_with_the_car_plugged_in_is_accepted(wire16, tag):
    first = start16(wire16, unique_id="s1")[2]["transactionId"]
    wire16.result("MeterValues", meter16(first, 6000, T1))
    # The charger rebooted and lost the transaction; the car is still plugged in.
    boot16(wire16)
    status16(wire16, "Preparing", at=T2)

    answer = start16(wire16, meter=6100, at=T2, unique_id="s2")

    assert answer[2]["idTagInfo"] == {"status": "Accepted"}
    old = Transaction.objects.get(pk=first)
    assert (old.transaction_status, old.closed_by_csms) == ("COMPLETED", True)
    assert (old.stop_transaction_timestamp, old.wh_meter_stop) == (utc(T1), 6000.0)
    new = Transaction.objects.get(pk=answer[2]["transactionId"])
    assert ChargingSession.objects.get(transaction=new).user == tag.user


def test_a_201_started_after_a_reboot_on_the_same_evse_is_accepted(wire201, tag):
    wire201.result("TransactionEvent", started201("r1", idToken=token201()), "1")
    boot201(wire201)
    status201(wire201, "Occupied", at=T1)

    answer = wire201.call("TransactionEvent", started201("r2", at=T2, idToken=token201()), "2")

    assert answer == [3, "2", {"idTokenInfo": {"status": "Accepted"}}]
    old = tx_of("CP-TEST-1", charger_transaction_id="r1")
    new = tx_of("CP-TEST-1", charger_transaction_id="r2")
    assert (old.transaction_status, old.closed_by_csms) == ("COMPLETED", True)
    assert (new.transaction_status, new.start_status, new.user) == ("ACTIVE", "Accepted", tag.user)


def test_the_same_tag_charging_on_another_connector_is_still_concurrent(wire16, tag):
    # The exception is the connector's own earlier transaction, nothing else.
    start16(wire16, connector_id=2, unique_id="elsewhere")
    start16(wire16, unique_id="s1")

    answer = start16(wire16, at=T2, unique_id="s2")

    assert answer[2]["idTagInfo"] == {"status": "ConcurrentTx"}


# -- the charger's stop after the CSMS closed the transaction ---------------------------


def closed_after_reboot(wire16) -> int:
    tx_id = start16(wire16)[2]["transactionId"]
    wire16.result("MeterValues", meter16(tx_id, 6000, T1))
    boot16(wire16)
    status16(wire16, "Available", at=T3)
    return tx_id


def test_a_16_stop_after_the_close_was_reconciled_is_applied_and_flags_its_cdr(wire16, tag, tariff):
    tx_id = closed_after_reboot(wire16)
    # An operator bills the energy known so far: 5 kWh.
    cdr = transaction_reconcile(tx=Transaction.objects.get(pk=tx_id))
    assert cdr.total_energy == pytest.approx(5.0)

    # The charger's own stop comes now: it says 8 kWh.
    assert stop16(wire16, tx_id, meter=9000, at=T2) == [3, "stop", {}]

    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.stop_transaction_timestamp, tx.wh_meter_stop, tx.total_energy) == (
        utc(T2),
        9000.0,
        8.0,
    )
    assert (tx.reason_stopped, tx.closed_by_csms, tx.needs_review) == (
        StopReason.LOCAL,
        False,
        True,
    )
    assert tx.review_note.startswith("Its CDR needs a credit and reissue")
    # The CDR is an invoice line: never changed, only credited and reissued.
    assert list(CDR.objects.filter(transaction=tx).values_list("id", "total_energy")) == [
        (cdr.id, pytest.approx(5.0))
    ]
    _, replacement = cdr_reissue(cdr=cdr, tariff=tariff)
    assert replacement.total_energy == pytest.approx(8.0)
    # A retransmit of the stop changes nothing more.
    before = Transaction.objects.values().get(pk=tx_id)
    stop16(wire16, tx_id, meter=9000, at=T2, unique_id="stop-again")
    assert Transaction.objects.values().get(pk=tx_id) == before


def test_a_closed_transaction_is_known_by_its_flag_not_its_note(wire16, tag, tariff):
    tx_id = closed_after_reboot(wire16)
    # An operator rewrote the note while looking into it.
    Transaction.objects.filter(pk=tx_id).update(review_note="Asked the site owner")

    stop16(wire16, tx_id, meter=9000, at=T2)

    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.wh_meter_stop, tx.total_energy, tx.closed_by_csms) == (9000.0, 8.0, False)


def test_readings_taken_after_the_chargers_own_stop_keep_it_flagged(wire16, tag, tariff):
    tx_id = closed_after_reboot(wire16)
    wire16.result("MeterValues", meter16(tx_id, 9500, "2026-03-01T10:50:00Z"), "after")

    stop16(wire16, tx_id, meter=9000, at=T2)

    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.wh_meter_stop, tx.total_energy, tx.needs_review) == (9000.0, 8.0, True)
    assert "Readings sent after the end" in tx.review_note
    assert sorted(
        SampledValue.objects.filter(transaction=tx, after_end=True).values_list("value", flat=True)
    ) == ["7400", "9500"]
    assert not CDR.objects.filter(transaction=tx).exists()


def test_a_201_end_after_a_silence_close_reads_its_stop_from_the_late_readings(
    wire201, tag, tariff, settings
):
    settings.CSMS_TRANSACTION_SILENCE_HOURS = 1
    wire201.result("TransactionEvent", started201("quiet", idToken=token201()), "1")
    wire201.result("TransactionEvent", updated201("quiet", seq_no=1, wh=3000, at=T1), "2")
    silent_since(tx_of("CP-TEST-1").pk, 2)
    charging_requests_expire()
    assert tx_of("CP-TEST-1").wh_meter_stop == 3000.0
    # The charger was charging all along; it ends without a meter value.
    wire201.result("TransactionEvent", updated201("quiet", seq_no=2, wh=20000, at=T2), "3")
    ended = transaction_event(
        "Ended",
        seq_no=3,
        trigger_reason="EVDeparted",
        timestamp=T3,
        transaction_id="quiet",
        charging_state="Idle",
        stopped_reason="EVDisconnected",
    )

    assert wire201.call("TransactionEvent", ended, "4") == [3, "4", {}]

    tx = tx_of("CP-TEST-1")
    assert (tx.stop_transaction_timestamp, tx.wh_meter_stop, tx.total_energy) == (
        utc(T3),
        20000.0,
        19.0,
    )
    assert (tx.needs_review, tx.closed_by_csms) == (False, False)
    # The late update was the transaction's after all: its flag is settled.
    assert tx.review_note == (
        "Stopped by its charger after the CSMS had closed it (nothing heard of it for 1 hours)"
    )
    assert not SampledValue.objects.filter(transaction=tx, after_end=True).exists()
    assert CDR.objects.get(transaction=tx).total_energy == pytest.approx(19.0)


# -- 1.6 meter values delivered after the stop ---------------------------------------------


def test_16_meter_values_taken_before_the_stop_are_the_transactions_readings(wire16, tag, tariff):
    tx_id = start16(wire16)[2]["transactionId"]
    stop16(wire16, tx_id, meter=9000, at=T3)
    before = Transaction.objects.values().get()

    # Queued during the transaction, delivered after its stop.
    assert wire16.call("MeterValues", meter16(tx_id, 6000, T2), "queued") == [3, "queued", {}]

    assert Transaction.objects.values().get() == before
    assert sorted(
        SampledValue.objects.filter(transaction_id=tx_id).values_list("value", "after_end")
    ) == [("6000", False), ("7400", False)]
    assert CDR.objects.get(transaction_id=tx_id).total_energy == pytest.approx(8.0)


def test_16_meter_values_are_judged_reading_by_reading_against_the_stop(wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    stop16(wire16, tx_id, meter=9000, at=T2)
    payload = meter16(tx_id, 6000, T1)
    payload["meterValue"].append(
        {
            "timestamp": T3,
            "sampledValue": [{"value": "9100", "measurand": "Energy.Active.Import.Register"}],
        }
    )

    wire16.result("MeterValues", payload, "mixed")

    tx = Transaction.objects.get()
    assert (tx.wh_meter_stop, tx.total_energy, tx.needs_review) == (9000.0, 8.0, True)
    assert "Meter values sent after the end" in tx.review_note
    assert sorted(
        SampledValue.objects.filter(transaction=tx).values_list("value", "after_end")
    ) == [("6000", False), ("7400", False), ("9100", True)]


# -- raw and signed readings of one moment ----------------------------------------------------


def raw_and_signed(at: str, *, wh: int, ocmf: str, context: str) -> dict:
    return {
        "timestamp": at,
        "sampledValue": [
            {
                "value": str(wh),
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
                "context": context,
            },
            {
                "value": ocmf,
                "format": "SignedData",
                "measurand": "Energy.Active.Import.Register",
                "context": context,
            },
        ],
    }


def stored(tx_id: int) -> list[tuple]:
    return sorted(
        SampledValue.objects.filter(transaction_id=tx_id).values_list(
            "timestamp", "format", "value"
        )
    )


def test_16_meter_values_keep_a_raw_and_a_signed_reading_of_one_moment(wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    payload = {
        "connectorId": 1,
        "transactionId": tx_id,
        "meterValue": [raw_and_signed(T1, wh=6000, ocmf=OCMF_6, context="Sample.Periodic")],
    }

    assert wire16.call("MeterValues", payload, "mv") == [3, "mv", {}]

    assert stored(tx_id) == [(utc(T1), "", "6000"), (utc(T1), "SignedData", OCMF_6)]
    assert Transaction.objects.get().wh_meter_last == 6000.0


def test_16_stop_transaction_data_keeps_a_raw_and_a_signed_reading_of_one_moment(wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    payload = {
        "transactionId": tx_id,
        "meterStop": 9000,
        "timestamp": T2,
        "reason": "Local",
        "transactionData": [raw_and_signed(T2, wh=9000, ocmf=OCMF_9, context="Transaction.End")],
    }

    assert wire16.call("StopTransaction", payload, "stop") == [3, "stop", {}]

    assert stored(tx_id) == [(utc(T2), "", "9000"), (utc(T2), "SignedData", OCMF_9)]


def test_a_signed_reading_delivered_after_the_stop_beside_its_raw_one_is_kept(wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    end = raw_and_signed(T2, wh=9000, ocmf=OCMF_9, context="Transaction.End")
    end["sampledValue"].pop()  # the stop carried only the raw reading
    stop = {"transactionId": tx_id, "meterStop": 9000, "timestamp": T2, "transactionData": [end]}
    wire16.result("StopTransaction", stop, "stop")

    # Its signed twin comes with the charger's queued meter values.
    payload = {
        "connectorId": 1,
        "transactionId": tx_id,
        "meterValue": [raw_and_signed(T2, wh=9000, ocmf=OCMF_9, context="Transaction.End")],
    }
    assert wire16.call("MeterValues", payload, "mv") == [3, "mv", {}]

    assert stored(tx_id) == [(utc(T2), "", "9000"), (utc(T2), "SignedData", OCMF_9)]


def test_closed_by_csms_is_shown_but_not_editable_in_the_admin(admin_client, wire16, tag):
    # The CSMS's record of its own close: unticked, the charger's stop would
    # be taken for a retransmit and dropped.
    tx_id = closed_after_reboot(wire16)

    response = admin_client.get(reverse("admin:chargepoints_transaction_change", args=[tx_id]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Closed by csms" in page and 'name="closed_by_csms"' not in page

"""Issue 16: transactions heal after faults, told as frames in both protocol versions.

- Ghost transactions after ConcurrentTx: a start answered anything but
  Accepted is recorded as deauthorized; it never blocks its tag and is never
  billed (an independent simulator whose stations shared one tag left 20
  ACTIVE transactions and the tag blocked for good).
- An ACTIVE transaction its charger will never stop is closed, flagged for
  review: a free connector after a reboot, another start on its connector,
  a silence, an operator.
- Late events after the end: a finished transaction's state and totals never
  change; what came late is kept as readings and flagged.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.enums import NotificationType
from accounts.models import IdTag, Notification
from billing.models import CDR, Tariff, TariffElement, TransactionPricing
from chargepoints.enums import StopReason, TransactionStatus
from chargepoints.models import ChargePoint, ChargingSession, Connector, SampledValue, Transaction
from chargepoints.services.expiry import charging_requests_expire
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v201.handlers.helpers import register, sample, transaction_event
from tests.rights import OPERATORS, SUPPORT, user_in_group

TAG = "SHARED-TAG"
T0 = "2026-03-01T10:00:00Z"
T1 = "2026-03-01T10:15:00Z"
T2 = "2026-03-01T10:30:00Z"
T3 = "2026-03-01T10:45:00Z"
# A third-party simulator sent an Updated 19 ms after its Ended.
T3_19MS = "2026-03-01T10:45:00.019Z"


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken=TAG, user=driver)


@pytest.fixture
def tariff(chargepoint) -> Tariff:
    """1 EUR per session on connector 1: what would bill a transaction that must not be."""
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", id="T-FLAT", currency="EUR")
    TariffElement.objects.create(
        tariff=tariff,
        position=0,
        price_components=[{"type": "FLAT", "price": 1.0, "step_size": 1}],
    )
    connector = Connector.objects.create(
        chargepoint=chargepoint, connectorid=1, evse_id=1, evse_connector_id=1
    )
    connector.tariff_ids.add(tariff)
    return tariff


def charger16(name: str, location=None) -> Wire:
    ChargePoint.objects.get_or_create(chargepoint_id=name, defaults={"location": location})
    return Wire(ChargePoint16, name)


def charger201(name: str, location=None) -> Wire:
    ChargePoint.objects.get_or_create(chargepoint_id=name, defaults={"location": location})
    return Wire(ChargePoint201, name)


# -- OCPP 1.6 frames ----------------------------------------------------------------


def start16(wire, *, id_tag=TAG, connector_id=1, meter=1000, at=T0, unique_id="start") -> list:
    payload = {"connectorId": connector_id, "idTag": id_tag, "meterStart": meter, "timestamp": at}
    return wire.call("StartTransaction", payload, unique_id)


def stop16(wire, transaction_id, *, meter=5000, at=T2, unique_id="stop") -> list:
    payload = {"transactionId": transaction_id, "meterStop": meter, "timestamp": at}
    return wire.call("StopTransaction", payload, unique_id)


def meter16(transaction_id, wh, at, *, connector_id=1) -> dict:
    return {
        "connectorId": connector_id,
        "transactionId": transaction_id,
        "meterValue": [
            {
                "timestamp": at,
                "sampledValue": [
                    {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    }


def boot16(wire, unique_id="boot") -> dict:
    payload = {"chargePointVendor": "ACME", "chargePointModel": "Duo"}
    return wire.result("BootNotification", payload, unique_id)


def status16(wire, status, *, connector_id=1, at=T3, unique_id="status") -> list:
    payload = {
        "connectorId": connector_id,
        "errorCode": "NoError",
        "status": status,
        "timestamp": at,
    }
    return wire.call("StatusNotification", payload, unique_id)


# -- OCPP 2.0.1 frames ---------------------------------------------------------------


def token201(token=TAG) -> dict:
    return {"idToken": token, "type": "ISO14443"}


def started201(tx_id, *, evse_id=1, at=T0, wh=1000, **extra) -> dict:
    return transaction_event(
        "Started",
        seq_no=0,
        trigger_reason="CablePluggedIn",
        timestamp=at,
        transaction_id=tx_id,
        charging_state="EVConnected",
        evse={"id": evse_id, "connectorId": 1},
        samples=[register(wh, context="Transaction.Begin")],
        **extra,
    )


def updated201(tx_id, *, seq_no, wh, at=T1, trigger="MeterValuePeriodic", state="Charging"):
    return transaction_event(
        "Updated",
        seq_no=seq_no,
        trigger_reason=trigger,
        timestamp=at,
        transaction_id=tx_id,
        charging_state=state,
        samples=[register(wh, context="Sample.Periodic"), sample(11040, "Power.Active.Import")],
    )


def ended201(tx_id, *, seq_no, wh=9250, at=T3) -> dict:
    return transaction_event(
        "Ended",
        seq_no=seq_no,
        trigger_reason="EVDeparted",
        timestamp=at,
        transaction_id=tx_id,
        charging_state="Idle",
        stopped_reason="EVDisconnected",
        samples=[register(wh, context="Transaction.End")],
    )


def boot201(wire, unique_id="boot") -> dict:
    payload = {"reason": "PowerUp", "chargingStation": {"model": "Wallbox", "vendorName": "BMW"}}
    return wire.result("BootNotification", payload, unique_id)


def status201(wire, status, *, evse_id=1, at=T3, unique_id="status") -> list:
    payload = {"timestamp": at, "connectorStatus": status, "evseId": evse_id, "connectorId": 1}
    return wire.call("StatusNotification", payload, unique_id)


def tx_of(chargepoint_id: str, **filters) -> Transaction:
    return Transaction.objects.get(chargepoint_id=chargepoint_id, **filters)


# -- Ghost transactions after ConcurrentTx ---------------------------------------------


def test_16_stations_sharing_a_tag_leave_it_free_once_the_accepted_one_stops(location, tag):
    # The reported fault: every later start was ConcurrentTx but stored ACTIVE,
    # the stations never stopped them, and the tag was refused for good.
    stations = [charger16(f"SIM-{n}", location) for n in range(3)]

    answers = [start16(wire, unique_id=f"s{n}") for n, wire in enumerate(stations)]

    ids = [answer[2]["transactionId"] for answer in answers]
    assert [answer[2]["idTagInfo"] for answer in answers] == [
        {"status": "Accepted"},
        {"status": "ConcurrentTx"},
        {"status": "ConcurrentTx"},
    ]
    rows = Transaction.objects.filter(pk__in=ids).order_by("pk")
    assert [(tx.start_status, tx.user_id is not None) for tx in rows] == [
        ("Accepted", True),
        ("ConcurrentTx", False),
        ("ConcurrentTx", False),
    ]
    assert stop16(stations[0], ids[0]) == [3, "stop", {}]

    # The two refused ones are still going (the stations never stop them), yet
    # the tag starts again.
    again = start16(stations[0], at=T3, unique_id="again")

    assert again == [
        3,
        "again",
        {"transactionId": again[2]["transactionId"], "idTagInfo": {"status": "Accepted"}},
    ]


def test_201_stations_sharing_a_token_leave_it_free_once_the_accepted_one_ends(location, tag):
    first, second = charger201("WB-1", location), charger201("WB-2", location)
    assert first.result("TransactionEvent", started201("a", idToken=token201())) == {
        "idTokenInfo": {"status": "Accepted"}
    }
    assert second.result("TransactionEvent", started201("b", idToken=token201())) == {
        "idTokenInfo": {"status": "ConcurrentTx"}
    }
    first.result("TransactionEvent", ended201("a", seq_no=1), unique_id="2")

    answer = first.result("TransactionEvent", started201("c", at=T3, idToken=token201()), "3")

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    assert tx_of("WB-2").start_status == "ConcurrentTx"


def test_a_201_token_presented_after_the_start_is_checked_as_the_start(location, tag):
    # TxStartPoint EVConnected: the transaction starts on plugging in, the
    # token comes with an Updated (Authorized).
    first, second = charger201("WB-1", location), charger201("WB-2", location)
    first.result("TransactionEvent", started201("a", idToken=token201()))
    second.result("TransactionEvent", started201("b"))

    answer = second.result(
        "TransactionEvent",
        transaction_event(
            "Updated",
            seq_no=1,
            trigger_reason="Authorized",
            timestamp=T1,
            transaction_id="b",
            idToken=token201(),
        ),
        unique_id="2",
    )

    assert answer == {"idTokenInfo": {"status": "ConcurrentTx"}}
    assert (tx_of("WB-2").start_status, tx_of("WB-2").user) == ("ConcurrentTx", None)


def test_a_refused_start_is_never_billed_and_tells_no_driver(wire16, tag, tariff):
    other = charger16("SIM-OTHER", wire16_location(wire16))
    start16(other, unique_id="elsewhere")
    refused = start16(wire16)[2]["transactionId"]

    stop16(wire16, refused)

    tx = Transaction.objects.get(pk=refused)
    assert (tx.transaction_status, tx.start_status, tx.user) == ("COMPLETED", "ConcurrentTx", None)
    assert not CDR.objects.filter(transaction=tx).exists()
    assert not TransactionPricing.objects.filter(transaction=tx).exists()
    assert not ChargingSession.objects.filter(transaction=tx).exists()
    assert not Notification.objects.filter(transaction_id=tx.pk).exists()


def test_a_retransmitted_start_is_answered_as_the_first_was(wire16, tag):
    other = charger16("SIM-OTHER", wire16_location(wire16))
    elsewhere = start16(other, unique_id="elsewhere")[2]["transactionId"]
    first = start16(wire16, unique_id="start-1")
    stop16(other, elsewhere)

    # The tag is free now, but this start was refused: the charger acted on that.
    again = start16(wire16, unique_id="start-2")

    assert again == [3, "start-2", first[2]]
    assert first[2]["idTagInfo"] == {"status": "ConcurrentTx"}


def wire16_location(wire: Wire):
    return ChargePoint.objects.get(pk=wire.adapter.id).location


@pytest.fixture
def wire16(chargepoint) -> Wire:
    return Wire(ChargePoint16, chargepoint.chargepoint_id)


@pytest.fixture
def wire201(chargepoint) -> Wire:
    return Wire(ChargePoint201, chargepoint.chargepoint_id)


# -- closed after a reboot ----------------------------------------------------------


@pytest.mark.parametrize("free", ["Available", "Finishing"])
def test_a_16_transaction_the_connector_forgot_in_a_reboot_is_closed(wire16, tag, tariff, free):
    tx_id = start16(wire16)[2]["transactionId"]
    wire16.result("MeterValues", meter16(tx_id, 3500, T1))
    # The charger rebooted (the stop was never sent) and reports its connector free.
    boot16(wire16)

    assert status16(wire16, free) == [3, "status", {}]

    tx = Transaction.objects.get(pk=tx_id)
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert (tx.reason_stopped, tx.needs_review) == (StopReason.OTHER, True)
    assert tx.review_note.startswith("Closed by the CSMS:") and "reboot" in tx.review_note
    # Ended when last known to run, with the energy known so far.
    assert tx.stop_transaction_timestamp == utc(T1)
    assert (tx.wh_meter_stop, tx.total_energy) == (3500.0, 2.5)
    # Never billed as if the charger had stopped it: an operator reconciles it.
    assert not CDR.objects.exists()
    assert ChargingSession.objects.get(transaction=tx).status == "COMPLETED"


def test_a_16_stop_queued_during_the_reboot_completes_the_closed_transaction(wire16, tag, tariff):
    tx_id = start16(wire16)[2]["transactionId"]
    boot16(wire16)
    status16(wire16, "Available", at=T2)

    assert stop16(wire16, tx_id, meter=4200, at=T1) == [3, "stop", {}]
    # A retransmit of it changes nothing more.
    stop16(wire16, tx_id, meter=4200, at=T1, unique_id="stop-again")

    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.stop_transaction_timestamp, tx.wh_meter_stop, tx.reason_stopped) == (
        utc(T1),
        4200.0,
        StopReason.LOCAL,
    )
    assert tx.needs_review is False and "after the CSMS had closed it" in tx.review_note
    assert CDR.objects.filter(transaction=tx).count() == 1


def test_a_16_connector_free_without_a_reboot_closes_nothing(wire16, tag):
    # Many chargers report Available just before they send the stop.
    boot16(wire16)
    tx_id = start16(wire16)[2]["transactionId"]

    status16(wire16, "Available")

    assert Transaction.objects.get(pk=tx_id).transaction_status == TransactionStatus.ACTIVE


def test_a_201_transaction_the_charger_still_reports_after_a_reboot_stays(wire201, tag):
    wire201.result("TransactionEvent", started201("kept"), "1")
    boot201(wire201)
    # A charger that resumes it says so after its boot.
    wire201.result("TransactionEvent", updated201("kept", seq_no=1, wh=2000), "2")

    assert status201(wire201, "Available") == [3, "status", {}]

    assert tx_of("CP-TEST-1").transaction_status == TransactionStatus.ACTIVE


def test_a_201_transaction_closed_after_a_reboot_is_completed_by_its_late_end(wire201, tag, tariff):
    wire201.result("TransactionEvent", started201("lost", idToken=token201()), "1")
    boot201(wire201)
    status201(wire201, "Available")
    assert tx_of("CP-TEST-1").needs_review

    # Its Ended was queued during the reboot: the charger's own data completes it.
    assert wire201.call("TransactionEvent", ended201("lost", seq_no=1), "2") == [3, "2", {}]

    tx = tx_of("CP-TEST-1")
    assert (tx.transaction_status, tx.reason_stopped) == ("COMPLETED", "EVDisconnected")
    assert (tx.stop_transaction_timestamp, tx.wh_meter_stop) == (utc(T3), 9250.0)
    assert tx.needs_review is False
    assert ChargingSession.objects.get(transaction=tx).end_time == utc(T3)
    assert CDR.objects.get(transaction=tx).total_energy == pytest.approx(8.25)
    assert Notification.objects.filter(type=NotificationType.CHARGING_COMPLETED).count() == 1


# -- closed by another start on its connector ------------------------------------------


def test_a_16_start_on_the_same_connector_closes_the_one_never_stopped(wire16, tag):
    IdTag.objects.create(idToken="NEXT-DRIVER")
    lost = start16(wire16, unique_id="s1")[2]["transactionId"]
    wire16.result("MeterValues", meter16(lost, 2200, T1))

    answer = start16(wire16, id_tag="NEXT-DRIVER", at=T2, meter=2300, unique_id="s2")

    assert answer[2]["idTagInfo"] == {"status": "Accepted"}
    tx = Transaction.objects.get(pk=lost)
    assert (tx.transaction_status, tx.needs_review) == ("COMPLETED", True)
    assert f"started transaction {answer[2]['transactionId']}" in tx.review_note
    assert (tx.stop_transaction_timestamp, tx.wh_meter_stop) == (utc(T1), 2200.0)


def test_a_201_start_on_the_same_evse_closes_the_one_never_ended(wire201, tag):
    wire201.result("TransactionEvent", started201("old"), "1")

    wire201.result("TransactionEvent", started201("new", at=T2), "2")

    assert tx_of("CP-TEST-1", charger_transaction_id="old").transaction_status == "COMPLETED"
    assert tx_of("CP-TEST-1", charger_transaction_id="new").transaction_status == "ACTIVE"


def test_an_older_start_delivered_late_closes_nothing_newer(wire16, tag):
    IdTag.objects.create(idToken="EARLIER")
    newer = start16(wire16, at=T2, unique_id="s1")[2]["transactionId"]

    # Replayed from the charger's queue after reconnecting.
    start16(wire16, id_tag="EARLIER", at=T0, unique_id="s2")

    assert Transaction.objects.get(pk=newer).transaction_status == TransactionStatus.ACTIVE


# -- closed after a silence ---------------------------------------------------------------


def silent_since(tx_id: int, hours: float) -> None:
    # updated_at is our clock: when we last heard of the transaction.
    Transaction.objects.filter(pk=tx_id).update(
        updated_at=timezone.now() - datetime.timedelta(hours=hours)
    )


def test_a_transaction_nothing_was_heard_of_is_closed_by_the_sweep(wire16, tag, settings):
    settings.CSMS_TRANSACTION_SILENCE_HOURS = 48
    quiet = start16(wire16, unique_id="s1")[2]["transactionId"]
    talking = start16(wire16, connector_id=2, id_tag="OTHER", unique_id="s2")[2]["transactionId"]
    silent_since(quiet, 49)
    silent_since(talking, 47)

    charging_requests_expire()

    quiet_tx, talking_tx = Transaction.objects.get(pk=quiet), Transaction.objects.get(pk=talking)
    assert (quiet_tx.transaction_status, quiet_tx.needs_review) == ("COMPLETED", True)
    assert "nothing heard of it for 48 hours" in quiet_tx.review_note
    assert talking_tx.transaction_status == "ACTIVE"


def test_no_silence_closes_anything_when_switched_off(wire16, tag, settings):
    settings.CSMS_TRANSACTION_SILENCE_HOURS = 0
    quiet = start16(wire16)[2]["transactionId"]
    silent_since(quiet, 24 * 365)

    charging_requests_expire()

    assert Transaction.objects.get(pk=quiet).transaction_status == "ACTIVE"


# -- closed by an operator ---------------------------------------------------------------


def close_in_admin(client, user, *ids) -> str:
    client.force_login(user)
    response = client.post(
        reverse("admin:chargepoints_transaction_changelist"),
        {"action": "close", "_selected_action": [str(i) for i in ids]},
        follow=True,
    )
    return " ".join(str(message) for message in response.context["messages"])


def test_an_operator_closes_a_transaction_from_the_admin(client, wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    operator = user_in_group(OPERATORS, username="ops", is_staff=True)

    message = close_in_admin(client, operator, tx_id)

    assert "1 transactions closed" in message
    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.transaction_status, tx.needs_review) == ("COMPLETED", True)
    assert "closed by operator ops" in tx.review_note
    # A second time: it is not running any more.
    assert "Completed" in close_in_admin(client, operator, tx_id)


def test_a_user_without_the_right_cannot_close_a_transaction(client, wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    support = user_in_group(SUPPORT, username="support", is_staff=True)
    support.user_permissions.add(Permission.objects.get(codename="change_transaction"))

    close_in_admin(client, support, tx_id)

    assert Transaction.objects.get(pk=tx_id).transaction_status == "ACTIVE"


# -- late events after the end ------------------------------------------------------------


def test_a_201_update_sent_after_the_end_changes_nothing_but_is_kept(wire201, tag, tariff):
    wire201.result("TransactionEvent", started201("tx", idToken=token201()), "1")
    wire201.result("TransactionEvent", updated201("tx", seq_no=1, wh=5000), "2")
    wire201.result("TransactionEvent", ended201("tx", seq_no=2, wh=9250), "3")
    before = Transaction.objects.values().get()

    late = updated201("tx", seq_no=3, wh=9400, at=T3_19MS, trigger="ChargingStateChanged")
    assert wire201.call("TransactionEvent", late, "4") == [3, "4", {}]

    tx = Transaction.objects.get()
    flag = ("needs_review", "review_note", "updated_at")
    after = Transaction.objects.values().get()
    assert {k: v for k, v in after.items() if k not in flag} == {
        k: v for k, v in before.items() if k not in flag
    }
    assert (tx.trigger_reason, tx.charging_state, tx.wh_meter_last) == (
        "EVDeparted",
        "Idle",
        9250.0,
    )
    assert tx.sequence_number == 2 and tx.total_energy == pytest.approx(8.25)
    assert tx.needs_review and "seqNo 3" in tx.review_note
    kept = SampledValue.objects.filter(transaction=tx, after_end=True)
    assert sorted(kept.values_list("measurand", "value")) == [
        ("Energy.Active.Import.Register", "9400"),
        ("Power.Active.Import", "11040"),
    ]
    # Billed once, at its end, as the charger ended it.
    assert CDR.objects.get(transaction=tx).total_energy == pytest.approx(8.25)


def test_a_201_event_numbered_before_the_end_and_delivered_late_keeps_its_readings(wire201):
    wire201.result("TransactionEvent", started201("tx"), "1")
    wire201.result("TransactionEvent", updated201("tx", seq_no=2, wh=6000, at=T2), "2")
    wire201.result("TransactionEvent", ended201("tx", seq_no=3), "3")

    late = updated201("tx", seq_no=1, wh=4000, at=T1, state="SuspendedEV")
    assert wire201.call("TransactionEvent", late, "4") == [3, "4", {}]

    tx = Transaction.objects.get()
    assert (tx.charging_state, tx.wh_meter_last, tx.needs_review) == ("Idle", 9250.0, False)
    reading = SampledValue.objects.get(transaction=tx, value="4000")
    assert reading.after_end is False


def test_a_201_late_update_of_a_running_transaction_keeps_readings_not_its_state(wire201):
    wire201.result("TransactionEvent", started201("tx"), "1")
    wire201.result("TransactionEvent", updated201("tx", seq_no=2, wh=6000, at=T2), "2")

    late = updated201(
        "tx", seq_no=1, wh=4000, at=T1, trigger="ChargingStateChanged", state="SuspendedEV"
    )
    wire201.result("TransactionEvent", late, "3")

    tx = Transaction.objects.get()
    assert (tx.trigger_reason, tx.charging_state) == ("MeterValuePeriodic", "Charging")
    assert (tx.wh_meter_last, tx.sequence_number) == (6000.0, 2)
    assert SampledValue.objects.filter(transaction=tx, value="4000", after_end=False).exists()


def test_16_meter_values_for_a_stopped_transaction_are_kept_not_applied(wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    stop16(wire16, tx_id, meter=5000, at=T2)
    before = Transaction.objects.values().get()

    answer = wire16.call("MeterValues", meter16(tx_id, 5600, T3), "late")
    # The same again (a retransmit): nothing more.
    wire16.call("MeterValues", meter16(tx_id, 5600, T3), "late-again")

    assert answer == [3, "late", {}]
    tx = Transaction.objects.get()
    assert (tx.wh_meter_last, tx.wh_meter_stop, tx.total_energy) == (5000.0, 5000.0, 4.0)
    assert (tx.last_power_w, tx.stop_transaction_timestamp) == (
        before["last_power_w"],
        before["stop_transaction_timestamp"],
    )
    assert tx.needs_review and "Meter values sent after the end" in tx.review_note
    assert sorted(
        SampledValue.objects.filter(transaction=tx, after_end=True).values_list("value", flat=True)
    ) == ["5600", "7400"]


def test_a_16_doubled_stop_still_changes_nothing_and_flags_nothing(wire16, tag):
    tx_id = start16(wire16)[2]["transactionId"]
    stop16(wire16, tx_id)
    before = Transaction.objects.values().get()

    stop16(wire16, tx_id, meter=9999, at=T3, unique_id="stop-2")

    assert Transaction.objects.values().get() == before

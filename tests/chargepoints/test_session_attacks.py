"""What a reviewer found attacking the driver's session endpoints (issue 18, review).

1. A driver's stop at an offline charger closes the transaction only once the
   charger is gone (CSMS_DRIVER_CLOSE_OFFLINE_AFTER); before, 409 with
   Retry-After and nothing recorded.
2. Concurrent retries with one Idempotency-Key never make a 500.
3. A second start elsewhere is refused (start_pending), not answered with the
   first; a waiting start can be canceled, and a charger that starts anyway
   is told to stop (1.6 and 2.0.1).
4. Chargers at unpublished locations are for operators only: a driver gets
   the same 400 as for an unknown one, and starts and reserves nothing.
"""

import datetime

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdempotencyKey, IdTag
from chargepoints.enums import CommandStatus, SessionStatus, TransactionStatus
from chargepoints.models import ChargePoint, ChargingSession, Command, Transaction
from chargepoints.services.commands import command_finish
from ocpp_gateway.admission import group_name
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

TAG = "ATTACK-TAG"
CP = "CP-TEST-1"


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def api(driver):
    return client_of(driver)


@pytest.fixture
def tag(driver):
    return IdTag.objects.create(idToken=TAG, user=driver)


def connect(chargepoint, version="ocpp1.6"):
    chargepoint.ocpp_version = version
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.save()
    return chargepoint


def offline_since(chargepoint, ago: datetime.timedelta):
    """The charger's connection ended ``ago`` (the disconnect writes last_updated)."""
    ChargePoint.objects.filter(pk=chargepoint.pk).update(
        connected=False, connection_id="", last_updated=timezone.now() - ago
    )


def start(api, **body):
    return api.post("/api/v1/sessions/", {"chargepoint_id": CP, **body}, format="json")


# -- 1. a driver's stop at an offline charger ----------------------------------------------


@pytest.fixture
def running(chargepoint, connector, driver, tag):
    """A transaction of the driver's, last heard of an hour ago."""
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    started = timezone.now() - datetime.timedelta(hours=1)
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        id_token=TAG,
        start_status="Accepted",
        start_transaction_timestamp=started,
        wh_meter_start=1000,
        wh_meter_last=3000,
        wh_meter_last_timestamp=started + datetime.timedelta(minutes=20),
    )
    Transaction.objects.filter(pk=tx.pk).update(updated_at=started)
    ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        transaction=tx,
        status=SessionStatus.CHARGING,
    )
    return Transaction.objects.get(pk=tx.pk)


def status_of(tx) -> str:
    tx.refresh_from_db()
    return tx.transaction_status


def test_a_stop_at_a_charger_just_gone_offline_is_refused_with_when_to_ask_again(
    api, running, chargepoint
):
    offline_since(chargepoint, datetime.timedelta(seconds=1))

    response = api.post(f"/api/v1/transactions/{running.pk}/stop/")

    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "charger_offline"
    assert body["transaction_id"] == running.pk
    # 15 minutes by default, less the second it has been offline.
    assert 800 < body["retry_after"] <= 900
    assert response["Retry-After"] == str(body["retry_after"])
    # Nothing recorded: the charger's own stop decides.
    assert status_of(running) == TransactionStatus.ACTIVE
    running.refresh_from_db()
    assert not running.closed_by_csms and not running.needs_review
    assert not Command.objects.exists()


def test_a_stop_by_session_at_a_charger_just_gone_is_refused_too(api, running, chargepoint):
    offline_since(chargepoint, datetime.timedelta(minutes=14))
    response = api.post(f"/api/v1/sessions/{running.session.session_id}/stop/")
    assert (response.status_code, response.json()["code"]) == (409, "charger_offline")
    assert 0 < int(response["Retry-After"]) <= 60
    assert status_of(running) == TransactionStatus.ACTIVE


def test_a_stop_at_a_charger_gone_longer_closes_it_and_its_own_stop_still_completes_it(
    api, running, chargepoint
):
    offline_since(chargepoint, datetime.timedelta(minutes=16))

    response = api.post(f"/api/v1/transactions/{running.pk}/stop/")

    assert (response.status_code, response.json()["outcome"]) == (200, "CLOSED")
    running.refresh_from_db()
    assert running.transaction_status == TransactionStatus.COMPLETED
    assert running.closed_by_csms and running.needs_review
    assert "nothing heard of it for 15 minutes" in running.review_note

    # The charger comes back and sends the stop it queued: its data decide.
    wire = Wire(ChargePoint16, chargepoint.pk)
    stop_at = (running.start_transaction_timestamp + datetime.timedelta(minutes=50)).isoformat()
    wire.result(
        "StopTransaction", {"transactionId": running.pk, "meterStop": 9000, "timestamp": stop_at}
    )
    running.refresh_from_db()
    assert running.transaction_status == TransactionStatus.COMPLETED
    assert not running.closed_by_csms
    assert running.wh_meter_stop == 9000


def test_the_time_a_charger_must_be_gone_is_a_setting(api, running, chargepoint, settings):
    settings.CSMS_DRIVER_CLOSE_OFFLINE_AFTER = 60
    offline_since(chargepoint, datetime.timedelta(minutes=2))
    response = api.post(f"/api/v1/transactions/{running.pk}/stop/")
    assert (response.status_code, response.json()["outcome"]) == (200, "CLOSED")


def test_a_stop_an_online_charger_does_not_answer_in_time_is_refused_not_closed(
    api, running, chargepoint, charger
):
    connect(chargepoint)
    charger(CommandStatus.TIMED_OUT)

    response = api.post(f"/api/v1/transactions/{running.pk}/stop/")

    assert (response.status_code, response.json()["code"]) == (409, "charger_timeout")
    assert status_of(running) == TransactionStatus.ACTIVE


def test_a_stop_that_times_out_later_closes_nothing_while_the_charger_is_online(
    api, running, chargepoint, charger
):
    connect(chargepoint)
    assert api.post(f"/api/v1/transactions/{running.pk}/stop/").status_code == 202
    command = Command.objects.get(name="remote_stop")

    command_finish(
        chargepoint_id=chargepoint.pk, command_id=command.pk, status=CommandStatus.TIMED_OUT
    )

    assert status_of(running) == TransactionStatus.ACTIVE


def test_a_stop_that_ends_undelivered_once_the_charger_is_gone_closes_it(
    api, running, chargepoint, charger
):
    connect(chargepoint)
    assert api.post(f"/api/v1/transactions/{running.pk}/stop/").status_code == 202
    command = Command.objects.get(name="remote_stop")
    offline_since(chargepoint, datetime.timedelta(minutes=20))

    command_finish(
        chargepoint_id=chargepoint.pk, command_id=command.pk, status=CommandStatus.TIMED_OUT
    )

    running.refresh_from_db()
    assert running.transaction_status == TransactionStatus.COMPLETED
    assert running.closed_by_csms and running.needs_review


# -- 2. concurrent retries with one Idempotency-Key --------------------------------------------


@pytest.fixture
def racing(monkeypatch):
    """The key's insert is refused (``times`` times) by a row gone before it is read: the
    first request with the key failed and forgot it in between."""
    real = IdempotencyKey.objects.create
    left = {"times": 1}

    def create(**fields):
        if left["times"] > 0:
            left["times"] -= 1
            raise IntegrityError("UNIQUE constraint failed: accounts_idempotencykey.user_id, key")
        return real(**fields)

    monkeypatch.setattr(IdempotencyKey.objects, "create", create)
    return left


def test_a_retry_racing_a_first_request_that_failed_is_handled_anew(
    api, chargepoint, connector, tag, charger, racing
):
    connect(chargepoint)
    response = api.post(
        "/api/v1/sessions/", {"chargepoint_id": CP}, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
    )
    assert response.status_code == 202, response.json()
    assert ChargingSession.objects.count() == 1
    assert IdempotencyKey.objects.get(key="race-1").status_code == 202


def test_a_key_claimed_and_forgotten_twice_meanwhile_is_in_flight(
    api, chargepoint, connector, tag, charger, racing
):
    connect(chargepoint)
    racing["times"] = 2
    response = api.post(
        "/api/v1/sessions/", {"chargepoint_id": CP}, format="json", HTTP_IDEMPOTENCY_KEY="race-2"
    )
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_in_flight")
    assert not ChargingSession.objects.exists()


# -- 3. one waiting start, canceled if need be ---------------------------------------------


@pytest.fixture
def second(chargepoint, connector):
    return chargepoint.connectors.create(connectorid=2)


def test_a_start_elsewhere_while_one_waits_is_refused_naming_the_waiting_one(
    api, chargepoint, connector, second, tag, charger
):
    connect(chargepoint)
    first = start(api, connector_id=1).json()

    response = start(api, connector_id=2)

    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "start_pending"
    assert body["session_id"] == first["session_id"]
    assert (body["chargepoint_id"], body["connector_id"]) == (CP, 1)
    assert ChargingSession.objects.count() == 1
    assert Command.objects.count() == 1


def test_a_start_with_another_tag_while_one_waits_is_refused(
    api, chargepoint, connector, tag, charger, driver
):
    connect(chargepoint)
    IdTag.objects.create(idToken="ATTACK-TAG-2", user=driver)
    start(api, connector_id=1, id_tag=TAG)

    again = start(api, connector_id=1, id_tag="attack-tag")
    other = start(api, connector_id=1, id_tag="ATTACK-TAG-2")

    assert again.status_code == 200
    assert (other.status_code, other.json()["code"]) == (409, "start_pending")


def test_the_driver_cancels_a_waiting_start_and_may_start_again(
    api, chargepoint, connector, second, tag, charger
):
    connect(chargepoint)
    session_id = start(api, connector_id=1).json()["session_id"]

    response = api.post(f"/api/v1/sessions/{session_id}/stop/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["outcome"], body["session_id"]) == ("CANCELED", session_id)
    assert (body["transaction_id"], body["command"]) == (None, None)
    shown = api.get(f"/api/v1/sessions/{session_id}/").json()
    assert (shown["status"], shown["status_reason"]) == ("FAILED", "Canceled by the driver.")
    assert shown["end_time"] is not None
    assert start(api, connector_id=2).status_code == 202


@pytest.fixture
def dispatched(django_capture_on_commit_callbacks):
    """The commands handed to the charger's connection once committed (its channel group)."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(CP), channel)

    def received(run):
        with django_capture_on_commit_callbacks(execute=True):
            result = run()
        messages = []
        while (queue := layer.channels.get(channel)) is not None and not queue.empty():
            messages.append(async_to_sync(layer.receive)(channel))
        return result, messages

    return received


def canceled(chargepoint, connector, driver, tag, **fields) -> ChargingSession:
    session = ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        status=SessionStatus.STARTING,
        **fields,
    )
    client_of(driver).post(f"/api/v1/sessions/{session.session_id}/stop/")
    session.refresh_from_db()
    assert session.status == SessionStatus.FAILED
    return session


def stop_sent_for(tx: Transaction) -> Command:
    return Command.objects.get(name="remote_stop", params__transaction_id=tx.pk)


def test_a_16_charger_starting_a_canceled_start_is_told_to_stop(
    chargepoint, connector, driver, tag, dispatched
):
    connect(chargepoint)
    session = canceled(chargepoint, connector, driver, tag)
    wire = Wire(ChargePoint16, chargepoint.pk)
    now = timezone.now().isoformat()

    answer, messages = dispatched(
        lambda: wire.result(
            "StartTransaction", {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": now}
        )
    )

    tx = Transaction.objects.get(pk=answer["transactionId"])
    stop = stop_sent_for(tx)
    assert stop.requested_by == driver
    assert [(m["type"], m["command"]) for m in messages] == [("command.send", stop.pk)]
    session.refresh_from_db()
    assert session.status == SessionStatus.FAILED and session.transaction_id is None
    assert session.status_reason.startswith("Canceled by the driver")
    assert not ChargingSession.objects.filter(transaction=tx).exists()

    # Once only: the driver's next start with the tag there is theirs.
    wire.result("StopTransaction", {"transactionId": tx.pk, "meterStop": 0, "timestamp": now})
    later = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": timezone.now().isoformat()},
        unique_id="2",
    )
    assert Command.objects.filter(name="remote_stop").count() == 1
    assert ChargingSession.objects.filter(transaction_id=later["transactionId"]).exists()


def test_a_16_start_long_after_the_cancel_is_the_drivers_own(
    chargepoint, connector, driver, tag, dispatched, settings
):
    connect(chargepoint)
    session = canceled(chargepoint, connector, driver, tag)
    ChargingSession.objects.filter(pk=session.pk).update(
        start_time=timezone.now()
        - datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT + 1)
    )
    wire = Wire(ChargePoint16, chargepoint.pk)

    answer, messages = dispatched(
        lambda: wire.result(
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": TAG,
                "meterStart": 0,
                "timestamp": timezone.now().isoformat(),
            },
        )
    )

    assert messages == []
    assert not Command.objects.filter(name="remote_stop").exists()
    assert ChargingSession.objects.filter(transaction_id=answer["transactionId"]).exists()


def test_a_201_charger_starting_a_canceled_start_is_told_to_stop(
    chargepoint, connector, driver, tag, dispatched
):
    connect(chargepoint, "ocpp2.0.1")
    session = canceled(chargepoint, connector, driver, tag, remote_start_id=4242)
    wire = Wire(ChargePoint201, chargepoint.pk)
    payload = {
        "eventType": "Started",
        "timestamp": timezone.now().isoformat(),
        "triggerReason": "RemoteStart",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "TX-CANCELED", "remoteStartId": 4242},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": TAG, "type": "Central"},
    }

    _, messages = dispatched(lambda: wire.result("TransactionEvent", payload))

    tx = Transaction.objects.get(charger_transaction_id="TX-CANCELED")
    stop = stop_sent_for(tx)
    assert stop.action == "RequestStopTransaction"
    assert stop.request == {"transactionId": "TX-CANCELED"}
    assert [(m["type"], m["command"]) for m in messages] == [("command.send", stop.pk)]
    session.refresh_from_db()
    assert session.status == SessionStatus.FAILED and session.transaction_id is None


# -- 4. chargers at unpublished locations -------------------------------------------------------


@pytest.fixture
def hidden(chargepoint, connector, location):
    location.publish = False
    location.save()
    return connect(chargepoint)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/sessions/", {}),
        ("/api/v1/reservations/", {"expiry_date": "2099-01-01T00:00:00Z"}),
    ],
)
def test_a_driver_cannot_tell_a_hidden_charger_from_an_unknown_one(
    api, hidden, tag, charger, path, body
):
    def refusal(chargepoint_id):
        response = api.post(path, {"chargepoint_id": chargepoint_id, **body}, format="json")
        assert response.status_code == 400, response.json()
        errors = response.json()["errors"]
        return [(e["field"], e["message"].replace(repr(chargepoint_id), "<id>")) for e in errors]

    assert (
        refusal(CP) == refusal("CP-NOWHERE") == [("chargepoint_id", "Unknown charge point <id>.")]
    )
    assert not Command.objects.exists()
    assert not ChargingSession.objects.exists()


def test_an_operator_starts_at_a_hidden_charger(hidden, tag, charger, db):
    operator = user_in_group(OPERATORS, username="ops", password="correct horse 42")
    IdTag.objects.create(idToken="OPS-TAG", user=operator)
    response = start(client_of(operator))
    assert response.status_code == 202, response.json()

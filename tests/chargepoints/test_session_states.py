"""A session's status is decided by what happens (issue 18, finding 5), never by a read.

REQUESTED -> STARTING -> CHARGING <-> SUSPENDED -> FINISHING -> COMPLETED, and
FAILED / TIMED_OUT; every move is noted to the driver's live socket.
"""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdTag
from accounts.services import user_create
from chargepoints.enums import SESSION_OPEN, SESSION_PENDING, CommandStatus, SessionStatus
from chargepoints.models import ChargingSession, Command
from chargepoints.services.commands import command_finish
from chargepoints.services.expiry import charging_requests_expire
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire
from tests.tokens import token_for

TAG = "STATE-TAG"
T0, T1, T2 = "2026-11-21T10:00:00Z", "2026-11-21T10:30:00Z", "2026-11-21T11:05:00Z"


@pytest.fixture
def tag(driver):
    return IdTag.objects.create(idToken=TAG, user=driver)


@pytest.fixture
def notes(monkeypatch):
    """The live notes sent, as (user_id, what, id)."""
    sent = []

    def note(*, user_id, what, id):
        sent.append((user_id, what, str(id)))

    monkeypatch.setattr("chargepoints.services.sessions.user_note", note)
    monkeypatch.setattr("chargepoints.services.session_start.user_note", note)
    return sent


@pytest.fixture
def api(driver):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(driver)}")
    return client


def start(api):
    return api.post("/api/v1/sessions/", {"chargepoint_id": "CP-TEST-1"}, format="json")


def status_of(session) -> str:
    session.refresh_from_db()
    return session.status


def asked(chargepoint, connector, driver, tag, **fields) -> ChargingSession:
    fields.setdefault("status", SessionStatus.STARTING)
    return ChargingSession.objects.create(
        chargepoint=chargepoint, connector=connector, user=driver, id_tag=tag, **fields
    )


# -- the start's answer ------------------------------------------------------------------


def test_the_pending_and_open_groups_are_as_the_contract_says():
    assert SESSION_PENDING == (SessionStatus.REQUESTED, SessionStatus.STARTING)
    assert set(SESSION_OPEN) == set(SessionStatus) - {
        SessionStatus.COMPLETED,
        SessionStatus.FAILED,
        SessionStatus.TIMED_OUT,
    }


def test_a_start_handed_to_the_charger_is_starting_and_the_driver_is_told(
    api, online, tag, charger, driver, notes
):
    body = start(api).json()
    assert body["status"] == "STARTING"
    # Recorded (REQUESTED), then handed over (STARTING): a note each.
    assert notes == [(driver.pk, "session", body["session_id"])] * 2


@pytest.mark.parametrize(
    ("status", "answer", "reason"),
    [
        (CommandStatus.REJECTED, {"status": "Rejected"}, "The charger refused (Rejected)."),
        (CommandStatus.TIMED_OUT, None, "The charger did not answer in time."),
    ],
)
def test_a_start_the_charger_refuses_or_never_answers_fails_when_that_is_known(
    api, online, tag, charger, driver, notes, status, answer, reason
):
    body = start(api).json()
    session = ChargingSession.objects.get(session_id=body["session_id"])
    notes.clear()

    command_finish(
        chargepoint_id=online.pk,
        command_id=session.start_command_id,
        status=status,
        response=answer,
    )

    shown = api.get(f"/api/v1/sessions/{body['session_id']}/").json()
    assert (shown["status"], shown["status_reason"]) == ("FAILED", reason)
    assert shown["end_time"] is not None
    assert notes == [(driver.pk, "session", body["session_id"])]


def test_an_accepted_start_stays_starting_until_the_transaction_starts(api, online, tag, charger):
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})
    body = start(api).json()
    assert body["status"] == "STARTING"
    assert body["start_command"]["status"] == "ACCEPTED"


def test_a_start_not_followed_by_a_transaction_times_out_by_the_sweep_only(
    api, online, tag, charger, settings, notes, driver
):
    session_id = start(api).json()["session_id"]
    ChargingSession.objects.filter(session_id=session_id).update(
        start_time=timezone.now()
        - datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT + 1)
    )
    notes.clear()
    # Reading decides nothing.
    assert api.get(f"/api/v1/sessions/{session_id}/").json()["status"] == "STARTING"
    assert api.get("/api/v1/sessions/?status=TIMED_OUT").json()["results"] == []
    assert notes == []

    charging_requests_expire()

    assert api.get(f"/api/v1/sessions/{session_id}/").json()["status"] == "TIMED_OUT"
    assert notes == [(driver.pk, "session", session_id)]


# -- the transaction, OCPP 1.6 --------------------------------------------------------------


@pytest.fixture
def wire16(chargepoint, connector):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return Wire(ChargePoint16, chargepoint.pk)


def status16(wire, status, at):
    wire.result(
        "StatusNotification",
        {"connectorId": 1, "status": status, "errorCode": "NoError", "timestamp": at},
    )


def test_a_16_session_follows_start_pauses_finishing_and_stop(
    wire16, chargepoint, connector, driver, tag, notes
):
    session = asked(chargepoint, connector, driver, tag)
    answer = wire16.result(
        "StartTransaction", {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": T0}
    )
    assert status_of(session) == SessionStatus.CHARGING
    status16(wire16, "SuspendedEV", "2026-11-21T10:10:00Z")
    assert status_of(session) == SessionStatus.SUSPENDED
    status16(wire16, "Charging", "2026-11-21T10:20:00Z")
    assert status_of(session) == SessionStatus.CHARGING
    status16(wire16, "Finishing", T1)
    assert status_of(session) == SessionStatus.FINISHING
    wire16.result(
        "StopTransaction",
        {"transactionId": answer["transactionId"], "meterStop": 5000, "timestamp": T2},
    )
    assert status_of(session) == SessionStatus.COMPLETED
    # One note per move, the same session each time.
    assert notes == [(driver.pk, "session", session.session_id)] * 5


def test_a_remote_stop_the_charger_accepts_makes_the_session_finishing(
    api, online, connector, tag, charger, driver
):
    session = asked(online, connector, driver, tag)
    wire = Wire(ChargePoint16, online.pk)
    wire.result(
        "StartTransaction", {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": T0}
    )
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})

    response = api.post(f"/api/v1/sessions/{session.session_id}/stop/")

    assert response.status_code == 202, response.json()
    assert response.json()["outcome"] == "REMOTE_STOP"
    assert api.get(f"/api/v1/sessions/{session.session_id}/").json()["status"] == "FINISHING"


# -- the transaction, OCPP 2.0.1 ------------------------------------------------------------


def event201(wire, event_type, seq, state, *, remote_start_id=None):
    info = {"transactionId": "TX-STATES", "chargingState": state}
    if remote_start_id is not None:
        info["remoteStartId"] = remote_start_id
    payload = {
        "eventType": event_type,
        "timestamp": {"Started": T0, "Updated": T1, "Ended": T2}[event_type],
        "triggerReason": "ChargingStateChanged",
        "seqNo": seq,
        "transactionInfo": info,
        "evse": {"id": 1, "connectorId": 1},
    }
    if event_type == "Started":
        payload["idToken"] = {"idToken": TAG, "type": "Central"}
    if event_type == "Ended":
        info["stoppedReason"] = "Local"
    return wire.result("TransactionEvent", payload, unique_id=str(seq))


def test_a_201_session_follows_the_charging_state(chargepoint, connector, driver, tag, notes):
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.save()
    wire = Wire(ChargePoint201, chargepoint.pk)
    session = asked(chargepoint, connector, driver, tag, remote_start_id=77)

    event201(wire, "Started", 0, "EVConnected", remote_start_id=77)
    # The transaction started: charging, though the car draws nothing yet.
    assert status_of(session) == SessionStatus.CHARGING
    event201(wire, "Updated", 1, "Charging")
    assert status_of(session) == SessionStatus.CHARGING
    event201(wire, "Updated", 2, "SuspendedEVSE")
    assert status_of(session) == SessionStatus.SUSPENDED
    event201(wire, "Updated", 3, "Charging")
    assert status_of(session) == SessionStatus.CHARGING
    # Plugged in but no longer charging, after having charged: finishing.
    event201(wire, "Updated", 4, "EVConnected")
    assert status_of(session) == SessionStatus.FINISHING
    event201(wire, "Ended", 5, "EVConnected")
    assert status_of(session) == SessionStatus.COMPLETED


def test_a_201_start_reported_paused_is_suspended(chargepoint, connector, driver, tag):
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.save()
    wire = Wire(ChargePoint201, chargepoint.pk)
    session = asked(chargepoint, connector, driver, tag, remote_start_id=78)
    event201(wire, "Started", 0, "SuspendedEV", remote_start_id=78)
    assert status_of(session) == SessionStatus.SUSPENDED


# -- one start waiting per connector and per driver -----------------------------------------


def test_the_database_keeps_one_waiting_start_per_driver(chargepoint, connector, driver, tag):
    asked(chargepoint, connector, driver, tag)
    other = chargepoint.connectors.create(connectorid=2)
    with pytest.raises(IntegrityError):
        asked(chargepoint, other, driver, tag)


def test_the_database_keeps_one_waiting_start_per_connector(chargepoint, connector, driver, tag):
    asked(chargepoint, connector, driver, tag)
    someone = user_create(
        username="someone", password="correct horse 42", phone_number="+66800000007"
    )
    with pytest.raises(IntegrityError):
        asked(chargepoint, connector, someone, None, status=SessionStatus.REQUESTED)


def test_finished_sessions_do_not_count_as_waiting(chargepoint, connector, driver, tag):
    for status in (SessionStatus.FAILED, SessionStatus.TIMED_OUT, SessionStatus.COMPLETED):
        asked(chargepoint, connector, driver, tag, status=status)
    asked(chargepoint, connector, driver, tag)
    assert ChargingSession.objects.count() == 4
    assert not Command.objects.exists()


# -- the migration ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_old_statuses_and_back():
    from django.db import connection as db
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("chargepoints", "0015_sync_timestamps")],
        [("chargepoints", "0016_session_states")],
    )
    executor = MigrationExecutor(db)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("accounts", "User").objects.create(
        username="m", phone_number="+66800000011"
    )
    other = old.get_model("accounts", "User").objects.create(
        username="n", phone_number="+66800000012"
    )
    cp = old.get_model("chargepoints", "ChargePoint").objects.create(chargepoint_id="MIG-1")
    connector = old.get_model("chargepoints", "Connector").objects.create(
        chargepoint=cp, connectorid=1
    )
    tx_model = old.get_model("chargepoints", "Transaction")
    paused = tx_model.objects.create(
        chargepoint=cp,
        start_transaction_timestamp=timezone.now(),
        charging_states=[{"timestamp": "2026-11-21T10:00:00+00:00", "state": "SuspendedEV"}],
    )
    going = tx_model.objects.create(chargepoint=cp, start_transaction_timestamp=timezone.now())
    sessions = old.get_model("chargepoints", "ChargingSession").objects
    made = {
        "charging": sessions.create(chargepoint=cp, user=user, transaction=going, status="ACTIVE"),
        "paused": sessions.create(chargepoint=cp, user=user, transaction=paused, status="ACTIVE"),
        "older": sessions.create(
            chargepoint=cp,
            connector=connector,
            user=other,
            status="ACTIVE",
            start_time=timezone.now() - datetime.timedelta(minutes=5),
        ),
        "waiting": sessions.create(
            chargepoint=cp, connector=connector, user=other, status="ACTIVE"
        ),
        "late": sessions.create(chargepoint=cp, user=user, status="TIMEOUT"),
    }

    executor = MigrationExecutor(db)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("chargepoints", "ChargingSession")
    status = {name: new.objects.get(pk=row.pk).status for name, row in made.items()}
    assert status == {
        "charging": "CHARGING",
        "paused": "SUSPENDED",
        # Two starts of one driver on one connector waited: the newest stays.
        "older": "FAILED",
        "waiting": "STARTING",
        "late": "TIMED_OUT",
    }

    executor = MigrationExecutor(db)
    executor.migrate(before)
    back = executor.loader.project_state(before).apps.get_model("chargepoints", "ChargingSession")
    assert {name: back.objects.get(pk=row.pk).status for name, row in made.items()} == {
        "charging": "ACTIVE",
        "paused": "ACTIVE",
        "older": "FAILED",
        "waiting": "ACTIVE",
        "late": "TIMEOUT",
    }
    executor = MigrationExecutor(db)
    executor.migrate(executor.loader.graph.leaf_nodes())

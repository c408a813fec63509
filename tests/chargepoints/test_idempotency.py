"""Idempotency-Key on the POSTs that act, and one waiting start per driver and connector
(issue 18, finding 1)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdempotencyKey, IdTag
from accounts.services import user_create
from chargepoints.enums import CommandStatus, SessionStatus
from chargepoints.models import ChargingSession, Command
from chargepoints.services.commands import command_finish
from chargepoints.services.driving import ChargingRefused
from chargepoints.services.expiry import charging_requests_expire
from chargepoints.services.session_start import charging_session_pending, charging_session_start
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

PASSWORD = "correct horse 42"


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def tag(driver):
    return IdTag.objects.create(idToken="IDEM-TAG", user=driver)


@pytest.fixture
def api(driver):
    return client_of(driver)


@pytest.fixture
def other(db):
    user = user_create(username="other", password=PASSWORD, phone_number="+66800000002")
    IdTag.objects.create(idToken="OTHER-TAG", user=user)
    return user


@pytest.fixture
def sent(monkeypatch):
    """The connection holding the charger: takes every command, answers none."""
    commands = []

    async def route(*, command_id, chargepoint_id, connection_id, wait):
        commands.append(command_id)
        return True

    monkeypatch.setattr("ocpp_gateway.commands.command_route", route)
    return commands


def start(client, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    payload = {"chargepoint_id": "CP-TEST-1", **body}
    return client.post("/api/v1/sessions/", payload, format="json", **headers)


# -- Idempotency-Key ---------------------------------------------------------------------


def test_a_retried_start_with_the_same_key_gets_the_first_answer(api, online, tag, sent):
    first = start(api, key="k-1")
    again = start(api, key="k-1")

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert len(sent) == 1
    assert ChargingSession.objects.count() == 1


def test_the_same_key_for_another_request_is_refused(api, online, tag, sent):
    start(api, key="k-2")
    response = start(api, key="k-2", connector_id=1)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert len(sent) == 1


def test_the_same_key_while_the_first_is_still_handled_is_a_conflict(api, driver, online, tag):
    IdempotencyKey.objects.create(
        user=driver, key="k-3", method="POST", path="/api/v1/sessions/", fingerprint="x"
    )
    # Same body as what is in flight: the fingerprint of the first is not known here, so the
    # record stands for a first request with this very body.
    from accounts.services.idempotency import request_fingerprint

    IdempotencyKey.objects.filter(key="k-3").update(
        fingerprint=request_fingerprint(
            method="POST", path="/api/v1/sessions/", data={"chargepoint_id": "CP-TEST-1"}
        )
    )
    response = start(api, key="k-3")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert not ChargingSession.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_400(api, online, tag, sent, key):
    response = start(api, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert sent == []


def test_a_refused_request_is_not_remembered(api, chargepoint, connector, tag, sent):
    # Offline: 409, and the key is forgotten, so the retry is tried anew.
    assert start(api, key="k-4").status_code == 409
    chargepoint.connected = True
    chargepoint.save()
    assert start(api, key="k-4").status_code == 202


def test_keys_are_each_users_own(api, online, tag, other, sent, connector):
    second = online.connectors.create(connectorid=2)
    mine = start(api, key="shared", connector_id=1)
    theirs = start(client_of(other), key="shared", connector_id=second.connectorid)
    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["session_id"] != theirs.json()["session_id"]


def test_keys_expire_after_a_day(api, driver, online, tag, sent):
    first = start(api, key="k-5").json()
    IdempotencyKey.objects.filter(key="k-5").update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    charging_requests_expire()
    assert not IdempotencyKey.objects.exists()
    # Forgotten: the start is a new request (the driver's pending start comes back).
    again = start(api, key="k-5")
    assert again.status_code == 200
    assert again.json()["session_id"] == first["session_id"]
    assert "Idempotent-Replayed" not in again


def test_a_stop_and_a_command_replay_too(api, driver, online, connector, tag, sent, db):
    operator = user_in_group(OPERATORS, username="ops", password=PASSWORD)
    ops = client_of(operator)
    body = {"command": "RESET", "type": "soft"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "cmd-1"}
    url = "/api/v1/charge-points/CP-TEST-1/commands/"
    first = ops.post(url, body, format="json", **headers)
    again = ops.post(url, body, format="json", **headers)
    assert first.status_code == again.status_code == 202, first.json()
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Command.objects.filter(name="reset").count() == 1


def test_the_schema_documents_the_header(api):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    start_op = schema["paths"]["/api/v1/sessions/"]["post"]
    assert any(
        p["name"] == "Idempotency-Key" and p["in"] == "header" for p in start_op["parameters"]
    )


# -- one waiting start per driver and per connector ----------------------------------------


def test_a_second_start_while_the_first_waits_gets_the_first(api, online, tag, sent):
    first = start(api)
    again = start(api)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["session_id"] == first.json()["session_id"]
    assert len(sent) == 1


def test_another_driver_at_a_connector_with_a_waiting_start_is_told_it_is_busy(
    api, online, tag, other, sent
):
    mine = start(api).json()
    response = start(client_of(other))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "connector_busy"
    # Nothing of the first driver's: no session, no tag, no account.
    assert "session_id" not in body and "transaction_id" not in body
    assert mine["session_id"] not in response.content.decode()
    assert "IDEM-TAG" not in response.content.decode()


def test_once_the_start_failed_the_driver_may_start_again(api, online, tag, sent):
    first = start(api).json()
    session = ChargingSession.objects.get(session_id=first["session_id"])
    command_finish(
        chargepoint_id=online.pk,
        command_id=session.start_command_id,
        status=CommandStatus.REJECTED,
        response={"status": "Rejected"},
    )
    again = start(api)
    assert again.status_code == 202
    assert again.json()["session_id"] != first["session_id"]


def test_a_start_that_loses_the_race_gets_the_winners_session(
    online, connector, driver, tag, sent, monkeypatch
):
    # Both requests found no waiting start; the other one inserted first.
    winner = ChargingSession.objects.create(
        chargepoint=online, connector=connector, user=driver, status=SessionStatus.STARTING
    )
    real = charging_session_pending
    calls = []

    def not_yet(*, user):
        calls.append(user)
        return None if len(calls) == 1 else real(user=user)

    monkeypatch.setattr("chargepoints.services.session_start.charging_session_pending", not_yet)

    result = charging_session_start(user=driver, chargepoint=online)

    assert (result.session, result.created) == (winner, False)
    assert ChargingSession.objects.count() == 1
    assert sent == []


def test_another_driver_losing_the_race_is_told_the_connector_is_busy(
    online, connector, driver, other, sent, monkeypatch
):
    ChargingSession.objects.create(
        chargepoint=online, connector=connector, user=driver, status=SessionStatus.STARTING
    )
    # As if the first driver's start committed just after this one's checks.
    monkeypatch.setattr("chargepoints.services.session_start.connector_free", lambda *a, **k: None)
    with pytest.raises(ChargingRefused) as refused:
        charging_session_start(user=other, chargepoint=online)
    assert refused.value.code == "connector_busy"
    assert refused.value.extra == {}


# Threads of one test wait for each other's locks on PostgreSQL; the test
# database of SQLite is in memory (shared cache), where a second writer fails
# at once instead of waiting as it does on a file. Run with DATABASE_URL.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_make_one_session(chargepoint, connector, driver, tag, sent):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.save()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one():
        try:
            barrier.wait(timeout=10)
            results.append(charging_session_start(user=driver, chargepoint=chargepoint))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert {result.session.session_id for result in results} == {
        ChargingSession.objects.get().session_id
    }
    assert sorted(result.created for result in results) == [False, True]
    assert ChargingSession.objects.get().status == SessionStatus.STARTING

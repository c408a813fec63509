"""A driver can end a transaction their charger lost (issue 18, finding 7).

After a reboot the charger may never stop its transaction: the driver's tag
stays held and every start is refused. The refusal names the transaction;
the driver's stop ends it: a remote stop when the charger can, else the
CSMS's close (as an operator's: flagged for review), which frees the tag.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdTag
from chargepoints.enums import CommandStatus, SessionStatus, StopReason, TransactionStatus
from chargepoints.models import ChargePoint, ChargingSession, Command, Transaction
from chargepoints.services.commands import command_finish
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def api(driver):
    return client_of(driver)


@pytest.fixture
def tag(driver):
    return IdTag.objects.create(idToken="STUCK-TAG", user=driver)


@pytest.fixture
def stuck(chargepoint, connector, driver, tag):
    """A transaction started before the charger rebooted, never stopped since."""
    started = timezone.now() - datetime.timedelta(hours=2)
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        id_token=tag.idToken,
        start_status="Accepted",
        start_transaction_timestamp=started,
        wh_meter_start=1000,
        wh_meter_last=4000,
        wh_meter_last_timestamp=started + datetime.timedelta(minutes=30),
    )
    Transaction.objects.filter(pk=tx.pk).update(updated_at=started)
    session = ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        transaction=tx,
        status=SessionStatus.CHARGING,
    )
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.last_boot_at = timezone.now() - datetime.timedelta(minutes=30)
    chargepoint.save()
    # Gone: offline, nothing heard of it for longer than CSMS_DRIVER_CLOSE_OFFLINE_AFTER.
    ChargePoint.objects.filter(pk=chargepoint.pk).update(
        last_updated=timezone.now() - datetime.timedelta(minutes=20)
    )
    tx.refresh_from_db()
    return session


def online(chargepoint):
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.save()


def start(api):
    return api.post("/api/v1/sessions/", {"chargepoint_id": "CP-TEST-1"}, format="json")


def assert_closed_by_csms(tx: Transaction):
    tx.refresh_from_db()
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.closed_by_csms and tx.needs_review
    assert tx.reason_stopped == StopReason.OTHER
    assert "its driver asked to end it" in tx.review_note


def test_a_start_refused_for_a_held_tag_names_the_transaction(api, stuck):
    response = start(api)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "tag_in_transaction"
    assert body["transaction_id"] == stuck.transaction_id
    assert body["session_id"] == stuck.session_id
    assert str(stuck.transaction_id) in body["detail"]


def test_the_driver_ends_it_at_an_offline_charger_and_can_start_again(
    api, stuck, chargepoint, charger
):
    response = api.post(f"/api/v1/transactions/{stuck.transaction_id}/stop/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outcome"] == "CLOSED"
    assert body["transaction_id"] == stuck.transaction_id
    assert body["session_id"] == stuck.session_id
    assert body["command"] is None
    assert_closed_by_csms(stuck.transaction)
    stuck.refresh_from_db()
    assert stuck.status == SessionStatus.COMPLETED
    # The tag is free again.
    online(chargepoint)
    assert start(api).status_code == 202


def test_the_driver_ends_it_by_session_too(api, stuck):
    response = api.post(f"/api/v1/sessions/{stuck.session_id}/stop/")
    assert (response.status_code, response.json()["outcome"]) == (200, "CLOSED")
    assert_closed_by_csms(stuck.transaction)


def test_an_online_charger_that_never_answers_the_stop_keeps_it(api, stuck, chargepoint, charger):
    online(chargepoint)
    response = api.post(f"/api/v1/transactions/{stuck.transaction_id}/stop/")
    assert (response.status_code, response.json()["outcome"]) == (202, "REMOTE_STOP")
    stuck.transaction.refresh_from_db()
    assert stuck.transaction.transaction_status == TransactionStatus.ACTIVE

    command = Command.objects.get(name="remote_stop")
    command_finish(
        chargepoint_id=chargepoint.pk, command_id=command.pk, status=CommandStatus.TIMED_OUT
    )

    # Online, it may still stop it: not gone (tests/chargepoints/test_session_attacks.py).
    stuck.transaction.refresh_from_db()
    assert stuck.transaction.transaction_status == TransactionStatus.ACTIVE


def test_a_charger_rebooted_since_that_refuses_the_stop_has_it_closed(
    api, stuck, chargepoint, charger
):
    online(chargepoint)
    charger(CommandStatus.REJECTED, {"status": "Rejected"})

    response = api.post(f"/api/v1/transactions/{stuck.transaction_id}/stop/")

    assert (response.status_code, response.json()["outcome"]) == (200, "CLOSED")
    assert response.json()["command"]["status"].upper() == "REJECTED"
    assert_closed_by_csms(stuck.transaction)


def test_a_charger_not_rebooted_that_refuses_the_stop_keeps_it(api, stuck, chargepoint, charger):
    chargepoint.last_boot_at = None
    chargepoint.save()
    online(chargepoint)
    charger(CommandStatus.REJECTED, {"status": "Rejected"})

    response = api.post(f"/api/v1/transactions/{stuck.transaction_id}/stop/")

    assert response.status_code == 409
    assert response.json()["code"] == "charger_rejected"
    assert response.json()["transaction_id"] == stuck.transaction_id
    stuck.transaction.refresh_from_db()
    assert stuck.transaction.transaction_status == TransactionStatus.ACTIVE


def test_an_operator_stop_at_an_offline_charger_closes_nothing(stuck, db):
    operator = user_in_group(OPERATORS, username="ops", password="correct horse 42")
    response = client_of(operator).post(f"/api/v1/transactions/{stuck.transaction_id}/stop/")
    assert (response.status_code, response.json()["code"]) == (409, "charger_offline")
    stuck.transaction.refresh_from_db()
    assert stuck.transaction.transaction_status == TransactionStatus.ACTIVE


def test_another_driver_cannot_end_it(stuck, db):
    from accounts.services import user_create

    other = user_create(username="other", password="correct horse 42", phone_number="+66800000002")
    response = client_of(other).post(f"/api/v1/transactions/{stuck.transaction_id}/stop/")
    assert response.status_code == 404
    stuck.transaction.refresh_from_db()
    assert stuck.transaction.transaction_status == TransactionStatus.ACTIVE

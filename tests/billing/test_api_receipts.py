"""A receipt for each finished session, for the driver who charged (issue 18, finding 3)."""

import pytest
from rest_framework.test import APIClient

from accounts.services import user_create
from billing.models import CDR
from billing.services.cdrs import cdr_reissue
from chargepoints.enums import SessionStatus
from chargepoints.models import ChargingSession, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.test_api_money import _started, client_of, eur
from tests.billing.test_billing_flow import make_tariff, priced_chargers  # noqa: F401
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.test_parity import session_16
from tests.rights import OPERATORS, SUPPORT, user_in_group


@pytest.fixture
def billed(priced_chargers, driver):  # noqa: F811
    """Driver's 1.6 session: 10:00-11:00, 7 kWh at 0.30 EUR + 1.00 EUR, 19 % VAT, billed."""
    session_16(Wire(ChargePoint16, "BILL-16"))
    tx = Transaction.objects.get(chargepoint_id="BILL-16")
    # The app's session of that transaction (made by the charging domain for a
    # card start where it does so, here if it did not).
    session, _ = ChargingSession.objects.get_or_create(
        transaction=tx,
        defaults={
            "chargepoint_id": "BILL-16",
            "connector": tx.connector,
            "user": driver,
            "status": SessionStatus.COMPLETED,
        },
    )
    return session


def test_the_driver_gets_the_receipt_of_their_finished_session(billed, driver):
    body = client_of(driver).get(f"/api/v1/sessions/{billed.session_id}/receipt/").json()

    cdr = CDR.objects.get(transaction=billed.transaction)
    assert body["id"] == cdr.id
    assert body["session_id"] == billed.session_id
    assert body["transaction_id"] == billed.transaction_id
    assert (body["chargepoint_id"], body["connector_id"]) == ("BILL-16", 1)
    assert body["evse_id"] == cdr.cdr_location["evse_id"]
    assert body["location"]["name"] == "Test site"
    # Alpha-2 as every REST site shows it; the CDR's OCPI copy keeps OCPI's alpha-3.
    assert (body["location"]["country"], cdr.cdr_location["country"]) == ("DE", "DEU")
    assert (body["started_at"], body["ended_at"]) == (
        "2026-11-21T10:00:00Z",
        "2026-11-21T11:00:00Z",
    )
    assert body["total_energy_kwh"] == 7.0
    assert body["total_time_h"] == 1.0
    assert body["cost"] == eur("3.10", "3.689")
    assert body["fixed_cost"] == eur("1.00", "1.19")
    assert body["energy_cost"] == eur("2.10", "2.499")
    assert body["time_cost"] == eur("0.00", "0.00")
    assert body["tariff"] == {"id": "T-EUR", "text": "1.19 EUR per session + 0.357 EUR/kWh"}
    # The periods with their prices add up to the CDR's total.
    periods = body["charging_periods"]
    assert periods[0]["started_at"] == "2026-11-21T10:00:00Z"
    assert periods[-1]["ended_at"] == "2026-11-21T11:00:00Z"
    assert sum(float(p["cost"]["incl_vat"]["amount"]) for p in periods) == pytest.approx(3.689)
    assert periods[0]["costs"]["flat"] == eur("1.00", "1.19")
    energy = [d for p in periods for d in p["dimensions"] if d["type"] == "ENERGY"]
    assert sum(d["volume"] for d in energy) == pytest.approx(7.0)


def test_the_receipt_is_also_reached_by_the_transaction(billed, driver):
    tx_id = billed.transaction_id

    body = client_of(driver).get(f"/api/v1/transactions/{tx_id}/receipt/").json()

    assert body["session_id"] == billed.session_id
    assert body["cost"] == eur("3.10", "3.689")


def test_a_reissued_cdr_makes_the_receipt(billed, driver):
    cheaper = make_tariff("T-CHEAP", energy="0.20", flat="0", vat=None)
    cdr_reissue(cdr=CDR.objects.get(transaction=billed.transaction), tariff=cheaper)

    body = client_of(driver).get(f"/api/v1/sessions/{billed.session_id}/receipt/").json()

    assert body["cost"] == eur("1.40", "1.40")
    assert body["tariff"]["id"] == "T-CHEAP"
    assert sum(float(p["cost"]["excl_vat"]["amount"]) for p in body["charging_periods"]) == 1.4


def test_a_running_session_has_no_receipt_yet(priced_chargers, driver):  # noqa: F811
    _, tx_id = _started()
    session, _ = ChargingSession.objects.get_or_create(
        transaction_id=tx_id,
        defaults={"chargepoint_id": "BILL-16", "user": driver, "status": SessionStatus.CHARGING},
    )

    for url in (
        f"/api/v1/sessions/{session.session_id}/receipt/",
        f"/api/v1/transactions/{tx_id}/receipt/",
    ):
        response = client_of(driver).get(url)
        assert response.status_code == 409
        assert response.json()["code"] == "receipt_not_ready"


def test_a_session_still_starting_is_not_ready_and_a_failed_one_never_will_be(
    priced_chargers,  # noqa: F811
    driver,
):
    starting = ChargingSession.objects.create(
        chargepoint_id="BILL-16", user=driver, status=SessionStatus.STARTING
    )
    failed = ChargingSession.objects.create(
        chargepoint_id="BILL-16", user=driver, status=SessionStatus.FAILED
    )
    client = client_of(driver)

    waiting = client.get(f"/api/v1/sessions/{starting.session_id}/receipt/")
    never = client.get(f"/api/v1/sessions/{failed.session_id}/receipt/")

    assert (waiting.status_code, waiting.json()["code"]) == (409, "receipt_not_ready")
    assert (never.status_code, never.json()["code"]) == (404, "no_receipt")


def test_a_cdr_waiting_for_review_is_not_a_receipt_yet_but_operators_read_it(billed, driver):
    CDR.objects.filter(transaction=billed.transaction).update(needs_review=True)
    url = f"/api/v1/sessions/{billed.session_id}/receipt/"
    operator = user_in_group(OPERATORS, username="op")

    assert client_of(driver).get(url).status_code == 409
    assert client_of(operator).get(url).status_code == 200


def test_another_driver_gets_404_and_operators_with_view_cdr_read_any(billed):
    stranger = user_create(username="stranger", password="correct horse 42")
    support = user_in_group(SUPPORT, username="helpdesk")
    sessions = f"/api/v1/sessions/{billed.session_id}/receipt/"
    transactions = f"/api/v1/transactions/{billed.transaction_id}/receipt/"

    assert client_of(stranger).get(sessions).status_code == 404
    assert client_of(stranger).get(transactions).status_code == 404
    assert client_of(support).get(sessions).status_code == 200
    assert client_of(support).get(transactions).status_code == 200
    assert APIClient().get(sessions).status_code == 401

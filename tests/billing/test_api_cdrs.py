"""CDRs in REST for drivers and operators (issue 18, finding 8)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdTag
from accounts.services import user_create
from billing.models import CDR
from billing.services.cdrs import cdr_credit
from chargepoints.models import ChargePoint, Connector
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.test_api_money import client_of, eur
from tests.billing.test_billing_flow import priced_chargers  # noqa: F401
from tests.ocpp_gateway.helpers import Wire
from tests.rights import OPERATORS, user_in_group

LIST = "/api/v1/cdrs/"


def _session(chargepoint_id: str, tag: str, day: int) -> CDR:
    """A 1.6 session on 2026-11-<day>, 7 kWh, billed with the 0.30 EUR + 1 EUR tariff."""
    wire = Wire(ChargePoint16, chargepoint_id)
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": tag, "meterStart": 0, "timestamp": f"2026-11-{day}T10:00:00Z"},
    )
    wire.result(
        "StopTransaction",
        {
            "transactionId": started["transactionId"],
            "meterStop": 7000,
            "timestamp": f"2026-11-{day}T11:00:00Z",
            "reason": "EVDisconnected",
        },
    )
    return CDR.objects.get(transaction_id=started["transactionId"], credit=False)


@pytest.fixture
def cdrs(priced_chargers, driver):  # noqa: F811
    """Driver's CDRs on the 20th (BILL-16) and 21st (BILL-201 connector), another's on the 22nd."""
    other = user_create(username="other", password="correct horse 42")
    IdTag.objects.create(idToken="MINE-2", user=driver)
    IdTag.objects.create(idToken="THEIRS", user=other)
    second = ChargePoint.objects.create(chargepoint_id="BILL-16B", location=driver_location())
    Connector.objects.create(chargepoint=second, connectorid=1).tariff_ids.add(priced_chargers)
    return {
        "mine_20": _session("BILL-16", "PARITY-TAG", 20),
        "mine_21": _session("BILL-16B", "MINE-2", 21),
        "theirs": _session("BILL-16", "THEIRS", 22),
        "other": other,
    }


def driver_location():
    return ChargePoint.objects.get(pk="BILL-16").location


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_driver_sees_their_own_cdrs_newest_first_with_prices(cdrs, driver):
    response = client_of(driver).get(LIST)

    assert ids(response) == [cdrs["mine_21"].id, cdrs["mine_20"].id]
    row = response.json()["results"][1]
    assert row["cost"] == eur("3.10", "3.689")
    assert row["energy_cost"] == eur("2.10", "2.499")
    assert row["total_energy_kwh"] == 7.0
    assert (row["chargepoint_id"], row["connector_id"]) == ("BILL-16", 1)
    assert row["started_at"] == "2026-11-20T10:00:00Z"


def test_another_drivers_cdr_is_404_and_operators_see_all(cdrs, driver):
    operator = user_in_group(OPERATORS, username="op")
    theirs = f"{LIST}{cdrs['theirs'].id}/"

    assert client_of(driver).get(theirs).status_code == 404
    assert client_of(cdrs["other"]).get(theirs).json()["cost"] == eur("3.10", "3.689")
    assert len(ids(client_of(operator).get(LIST))) == 3
    assert APIClient().get(LIST).status_code == 401


def test_a_cdr_under_review_is_the_operators_until_approved(cdrs, driver):
    CDR.objects.filter(pk=cdrs["mine_20"].pk).update(needs_review=True)

    assert ids(client_of(driver).get(LIST)) == [cdrs["mine_21"].id]


def test_a_credit_is_shown_to_the_driver_with_a_negative_cost(cdrs, driver):
    credit = cdr_credit(cdr=cdrs["mine_20"])

    response = client_of(driver).get(LIST, {"credit": "true"})

    assert ids(response) == [credit.id]
    assert response.json()["results"][0]["cost"] == eur("-3.10", "-3.689")


def test_cdrs_are_filtered_by_time_and_charge_point(cdrs, driver):
    client = client_of(driver)

    assert ids(client.get(LIST, {"chargepoint_id": "BILL-16B"})) == [cdrs["mine_21"].id]
    assert ids(client.get(LIST, {"ended_after": "2026-11-21T00:00:00Z"})) == [cdrs["mine_21"].id]
    assert ids(client.get(LIST, {"ended_before": "2026-11-21T00:00:00Z"})) == [cdrs["mine_20"].id]


def test_updated_after_syncs_changes_oldest_first(cdrs, driver):
    past = timezone.now() - datetime.timedelta(days=1)
    CDR.objects.filter(pk=cdrs["mine_21"].pk).update(last_updated=past)
    client = client_of(driver)

    assert ids(client.get(LIST, {"updated_after": past.isoformat()})) == [
        cdrs["mine_21"].id,
        cdrs["mine_20"].id,
    ]
    recent = (past + datetime.timedelta(hours=1)).isoformat()
    assert ids(client.get(LIST, {"updated_after": recent})) == [cdrs["mine_20"].id]
    assert client.get(LIST, {"updated_after": "yesterday"}).status_code == 400


def test_cdrs_page_by_cursor(cdrs, driver):
    client = client_of(driver)

    first = client.get(LIST, {"page_size": 1}).json()
    second = client.get(first["next"]).json()

    assert [row["id"] for row in first["results"] + second["results"]] == [
        cdrs["mine_21"].id,
        cdrs["mine_20"].id,
    ]
    assert "cursor=" in first["next"]
    assert client.get(LIST, {"page_size": 501}).status_code == 400


def test_an_unknown_filter_is_a_400(cdrs, driver):
    assert client_of(driver).get(LIST, {"stopped_after": "2026-11-21T00:00:00Z"}).status_code == 400

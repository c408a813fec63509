"""Money in the API: every amount with its currency, excluding and including VAT,
rounded as the CDR rounds (issue 18, finding 3)."""

from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from accounts.enums import NotificationType
from accounts.models import Notification
from billing.models import CDR, Tariff, TariffElement
from billing.services.cdrs import cdr_reissue
from chargepoints.models import Transaction
from chargepoints.services.live import transaction_live
from csms.api.money import money_amount, money_text
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.test_billing_flow import make_tariff, priced_chargers  # noqa: F401
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.test_parity import TAG, session_16
from tests.tokens import token_for


def eur(excl: str, incl: str | None) -> dict:
    return {
        "excl_vat": {"amount": excl, "currency": "EUR"},
        "incl_vat": None if incl is None else {"amount": incl, "currency": "EUR"},
    }


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("3.8701"), "3.8701"),
        (Decimal("3.87"), "3.87"),
        (1, "1.00"),
        (3.689, "3.689"),  # a float from an OCPI JSON column keeps its digits
        (Decimal("1.00005"), "1.0001"),  # four decimals, half up, as billing.pricing rounds
        (Decimal("-3.1"), "-3.10"),
    ],
)
def test_amounts_are_decimal_strings_rounded_as_the_cdr_rounds(value, shown):
    assert money_amount(value) == shown


def test_an_amount_for_people_says_its_currency_in_the_language_number_format():
    assert money_text(Decimal("3.8701"), "eur") == "3.87 EUR"
    with translation.override("de"):
        assert money_text(Decimal("3.8701"), "EUR") == "3,87 EUR"
    assert money_text(Decimal("0.425"), "EUR", exact=True) == "0.425 EUR"


def _started(chargepoint_id="BILL-16") -> tuple[Wire, int]:
    wire = Wire(ChargePoint16, chargepoint_id)
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAG, "meterStart": 10_000, "timestamp": "2026-11-21T10:00:00Z"},
    )
    wire.result(
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": started["transactionId"],
            "meterValue": [
                {
                    "timestamp": "2026-11-21T10:30:00Z",
                    "sampledValue": [
                        {"value": "13500", "measurand": "Energy.Active.Import.Register"}
                    ],
                }
            ],
        },
    )
    return wire, started["transactionId"]


def test_a_running_transaction_shows_its_cost_with_currency_and_vat(priced_chargers, driver):  # noqa: F811
    _, tx_id = _started()

    body = client_of(driver).get(f"/api/v1/transactions/{tx_id}/").json()

    # 3.5 kWh * 0.30 + 1.00 = 2.05 excl. VAT; 2.4395 with 19 %.
    assert body["cost"] == eur("2.05", "2.4395")
    assert "total_cost" not in body


def test_an_unpriced_transaction_has_no_cost(location, driver):
    from accounts.models import IdTag
    from chargepoints.models import ChargePoint, Connector

    IdTag.objects.create(idToken=TAG, user=driver)
    chargepoint = ChargePoint.objects.create(chargepoint_id="FREE-16", location=location)
    Connector.objects.create(chargepoint=chargepoint, connectorid=1)
    _, tx_id = _started("FREE-16")

    assert client_of(driver).get(f"/api/v1/transactions/{tx_id}/").json()["cost"] is None


def test_the_live_update_carries_the_cost_as_a_price(priced_chargers):  # noqa: F811
    _, tx_id = _started()

    update = transaction_live(Transaction.objects.get(pk=tx_id))

    assert update["cost"] == eur("2.05", "2.4395")
    assert "total_cost" not in update


def test_a_billed_transaction_costs_what_its_cdr_says_even_once_reissued(
    priced_chargers,  # noqa: F811
    driver,
):
    session_16(Wire(ChargePoint16, "BILL-16"))
    tx = Transaction.objects.get(chargepoint_id="BILL-16")
    url = f"/api/v1/transactions/{tx.pk}/"

    assert client_of(driver).get(url).json()["cost"] == eur("3.10", "3.689")

    cheaper = make_tariff("T-CHEAP", energy="0.20", flat="0", vat=None)
    cdr_reissue(cdr=CDR.objects.get(transaction=tx), tariff=cheaper)

    # 7 kWh * 0.20, no VAT: the replacement CDR, not the running cost kept before.
    assert client_of(driver).get(url).json()["cost"] == eur("1.40", "1.40")


def test_the_completed_notification_names_the_currency(priced_chargers, driver):  # noqa: F811
    session_16(Wire(ChargePoint16, "BILL-16"))

    completed = Notification.objects.get(user=driver, type=NotificationType.CHARGING_COMPLETED)

    assert "cost 3.69 EUR." in completed.message


def test_tariffs_show_each_price_per_unit_with_currency_and_vat(db):
    tariff = Tariff.objects.create(
        id="AC-1",
        country_code="DE",
        party_id="CSM",
        currency="EUR",
        max_price={"excl_vat": 20},
    )
    TariffElement.objects.create(
        tariff=tariff,
        position=0,
        price_components=[{"type": "ENERGY", "price": 0.35, "vat": 19.0, "step_size": 1}],
    )
    TariffElement.objects.create(
        tariff=tariff,
        position=1,
        price_components=[{"type": "PARKING_TIME", "price": 6, "step_size": 60}],
        restrictions={"min_duration": 7200},
    )

    body = APIClient().get("/api/v1/tariffs/AC-1/").json()

    assert body["elements"][0]["price_components"] == [
        {
            "type": "ENERGY",
            "unit": "kWh",
            "price": eur("0.35", "0.4165"),
            "vat_percent": "19.0",
            "step_size": 1,
        }
    ]
    assert body["elements"][1]["price_components"][0]["price"] == eur("6.00", "6.00")
    assert body["elements"][1]["price_components"][0]["unit"] == "h"
    assert body["max_price"] == eur("20.00", None)
    assert body["min_price"] is None
    assert body["text"] == (
        "0.4165 EUR/kWh, parking 6.00 EUR/h after 2 h, at most 20.00 EUR per session"
    )

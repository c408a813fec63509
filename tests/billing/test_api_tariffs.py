"""REST API for tariffs: public prices, read-only."""

import pytest
from rest_framework.test import APIClient

from billing.models import Tariff, TariffElement
from tests.tokens import token_for

LIST = "/api/v1/tariffs/"


@pytest.fixture
def tariffs(db):
    ac = Tariff.objects.create(
        id="AC-1",
        country_code="DE",
        party_id="CSM",
        currency="EUR",
        tariff_alt_text=[{"language": "en", "text": "0.35 EUR/kWh"}],
        min_price={"excl_vat": 0.5, "incl_vat": 0.6},
    )
    TariffElement.objects.create(
        tariff=ac,
        position=1,
        price_components=[{"type": "PARKING_TIME", "price": 2.0, "step_size": 60}],
        restrictions={"min_duration": 7200},
    )
    TariffElement.objects.create(
        tariff=ac,
        position=0,
        price_components=[{"type": "ENERGY", "price": 0.35, "vat": 19.0, "step_size": 1}],
    )
    Tariff.objects.create(
        id="TH-1", country_code="TH", party_id="CSM", currency="THB", type="AD_HOC_PAYMENT"
    )
    return ac


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


def test_anyone_reads_tariffs_with_their_elements_in_order(tariffs):
    response = APIClient().get(f"{LIST}AC-1/")

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "EUR"
    assert body["type"] == "REGULAR"
    assert body["min_price"] == {
        "excl_vat": {"amount": "0.50", "currency": "EUR"},
        "incl_vat": {"amount": "0.60", "currency": "EUR"},
    }
    assert body["max_price"] is None
    assert body["tariff_alt_text"] == [{"language": "en", "text": "0.35 EUR/kWh"}]
    assert [element["position"] for element in body["elements"]] == [0, 1]
    assert body["elements"][1]["restrictions"] == {"min_duration": 7200}


def test_tariffs_are_listed_paginated_filtered_and_ordered(tariffs):
    assert APIClient().get(LIST).json()["count"] == 2
    assert ids(APIClient().get(LIST, {"currency": "thb"})) == ["TH-1"]
    assert ids(APIClient().get(LIST, {"type": "REGULAR"})) == ["AC-1"]
    assert ids(APIClient().get(LIST, {"ordering": "-id"})) == ["TH-1", "AC-1"]


def test_a_logged_in_driver_reads_them_too(tariffs, driver):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(driver)}")

    assert client.get(LIST).status_code == 200


def test_tariffs_cannot_be_written_through_the_api(tariffs):
    assert APIClient().post(LIST, {"id": "X", "currency": "EUR"}).status_code == 405
    assert APIClient().delete(f"{LIST}AC-1/").status_code == 405
    assert Tariff.objects.count() == 2


def test_an_unknown_type_is_answered_400(tariffs):
    response = APIClient().get(LIST, {"type": "CHEAP"})

    assert response.status_code == 400
    assert "type" in response.json()


@pytest.mark.parametrize("tariff_id", ["NOPE", "a%00b", "x" * 37])
def test_an_unknown_or_odd_tariff_id_is_404(tariffs, tariff_id):
    assert APIClient().get(f"{LIST}{tariff_id}/").status_code == 404

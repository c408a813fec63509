"""The price of charging at a connector before starting, and an estimate by the CDR's engine
(issue 18, finding 3)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from billing.models import Tariff, TariffElement
from chargepoints.models import ChargePoint, Connector, Location
from tests.billing.test_api_money import eur

URL = "/api/v1/charge-points/CP-P/connectors/1/price/"


def tariff_of(tariff_id: str, *elements, **fields) -> Tariff:
    tariff = Tariff.objects.create(
        country_code="DE", party_id="CSM", id=tariff_id, currency="EUR", **fields
    )
    for position, (components, restrictions) in enumerate(elements):
        TariffElement.objects.create(
            tariff=tariff,
            position=position,
            price_components=components,
            restrictions=restrictions,
        )
    return tariff


@pytest.fixture
def connector(location) -> Connector:
    chargepoint = ChargePoint.objects.create(chargepoint_id="CP-P", location=location)
    return Connector.objects.create(chargepoint=chargepoint, connectorid=1, max_power=11)


@pytest.fixture
def example(connector) -> Tariff:
    """0.42 EUR/kWh + 1.00 EUR per session, parking 6 EUR/h after 2 h (no VAT)."""
    tariff = tariff_of(
        "EXAMPLE",
        (
            [
                {"type": "ENERGY", "price": 0.42, "step_size": 1},
                {"type": "FLAT", "price": 1.0, "step_size": 1},
            ],
            None,
        ),
        ([{"type": "PARKING_TIME", "price": 6, "step_size": 60}], {"min_duration": 7200}),
    )
    connector.tariff_ids.add(tariff)
    return tariff


def errors_of(response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_anyone_sees_the_tariff_in_force_in_numbers_and_words(example):
    response = APIClient().get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["chargepoint_id"], body["connector_id"]) == ("CP-P", 1)
    assert body["free"] is False
    assert body["text"] == "0.42 EUR/kWh + 1.00 EUR per session, parking 6.00 EUR/h after 2 h"
    assert body["tariff"]["id"] == "EXAMPLE"
    assert body["tariff"]["elements"][0]["price_components"][0]["price"] == eur("0.42", "0.42")
    assert body["estimate"] is None


def test_an_estimate_is_priced_as_the_cdr_would_be(example):
    body = APIClient().get(URL, {"energy_kwh": "20", "duration_minutes": "60"}).json()

    assert body["estimate"]["cost"] == eur("9.40", "9.40")
    assert body["estimate"]["energy_cost"] == eur("8.40", "8.40")
    assert body["estimate"]["fixed_cost"] == eur("1.00", "1.00")
    assert body["estimate"]["derived"] == []


def test_parking_is_priced_from_the_element_that_applies(example):
    # Charging 1 h, then 3 h plugged in: parking is billed from the 2nd hour on, 2 h at 6.
    query = {"energy_kwh": "20", "duration_minutes": "60", "parking_minutes": "180"}

    estimate = APIClient().get(URL, query).json()["estimate"]

    assert estimate["parking_cost"] == eur("12.00", "12.00")
    assert estimate["cost"] == eur("21.40", "21.40")


def test_the_duration_of_an_energy_alone_comes_from_the_connector_power(example):
    estimate = APIClient().get(URL, {"energy_kwh": "22"}).json()["estimate"]

    assert estimate["duration_minutes"] == "120.0"  # 22 kWh at 11 kW
    assert estimate["derived"] == ["duration_minutes"]
    assert estimate["cost"] == eur("10.24", "10.24")


def test_without_the_connector_power_the_duration_must_be_given(example, connector):
    connector.max_power = None
    connector.save()

    response = APIClient().get(URL, {"energy_kwh": "22"})

    assert response.status_code == 400
    assert errors_of(response) == {"duration_minutes"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"energy_kwh": "-1"}, "energy_kwh"),
        ({"energy_kwh": "lots"}, "energy_kwh"),
        ({"duration_minutes": "99999"}, "duration_minutes"),
        ({"parking_minutes": "NaN"}, "parking_minutes"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(example, query, field):
    response = APIClient().get(URL, query)

    assert response.status_code == 400
    assert errors_of(response) == {field}


def test_a_query_parameter_the_view_does_not_read_is_a_400(example):
    assert APIClient().get(URL, {"energy": "20"}).status_code == 400


def test_vat_is_included_in_the_words_and_shown_apart_in_numbers(connector):
    tariff = tariff_of(
        "VAT", ([{"type": "ENERGY", "price": 0.30, "vat": 20, "step_size": 1}], None)
    )
    connector.tariff_ids.add(tariff)

    body = APIClient().get(URL, {"energy_kwh": "10", "duration_minutes": "60"}).json()

    assert body["text"] == "0.36 EUR/kWh"
    assert body["estimate"]["cost"] == eur("3.00", "3.60")


def test_restrictions_that_apply_are_stated(connector):
    tariff = tariff_of(
        "NIGHT",
        (
            [{"type": "ENERGY", "price": 0.30, "step_size": 1}],
            {"start_time": "22:00", "end_time": "06:00", "day_of_week": ["SATURDAY", "SUNDAY"]},
        ),
        ([{"type": "ENERGY", "price": 0.42, "step_size": 1}], None),
    )
    connector.tariff_ids.add(tariff)

    text = APIClient().get(URL).json()["text"]

    assert text == "0.30 EUR/kWh from 22:00 to 06:00 on Saturday, Sunday, 0.42 EUR/kWh"


def test_the_engine_picks_the_tariff_in_force_now_regular_first(connector):
    later = tariff_of(
        "LATER",
        ([{"type": "ENERGY", "price": 9, "step_size": 1}], None),
        start_date_time=timezone.now() + datetime.timedelta(days=1),
    )
    ad_hoc = tariff_of(
        "AD-HOC", ([{"type": "ENERGY", "price": 0.5, "step_size": 1}], None), type="AD_HOC_PAYMENT"
    )
    regular = tariff_of("REGULAR", ([{"type": "ENERGY", "price": 0.4, "step_size": 1}], None))
    connector.tariff_ids.add(later, ad_hoc, regular)

    assert APIClient().get(URL).json()["tariff"]["id"] == "REGULAR"


def test_a_connector_without_tariff_is_free_of_charge(connector, settings):
    body = APIClient().get(URL, {"energy_kwh": "20", "duration_minutes": "60"}).json()

    assert body["tariff"] is None
    assert body["free"] is True
    assert body["text"] == "Free of charge"
    assert body["estimate"]["cost"]["excl_vat"] == {
        "amount": "0.00",
        "currency": settings.CSMS_CURRENCY,
    }


def test_unknown_or_unpublished_connectors_are_404(example, location):
    hidden = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Depot",
        address="Hof 2",
        city="Berlin",
        postal_code="10115",
        country="DE",
        coordinates={"latitude": "52.5", "longitude": "13.4"},
        parking_type=location.parking_type,
        publish=False,
    )
    Connector.objects.create(
        chargepoint=ChargePoint.objects.create(chargepoint_id="CP-HIDDEN", location=hidden),
        connectorid=1,
    )

    assert APIClient().get("/api/v1/charge-points/CP-P/connectors/2/price/").status_code == 404
    assert APIClient().get("/api/v1/charge-points/NOPE/connectors/1/price/").status_code == 404
    hidden_url = "/api/v1/charge-points/CP-HIDDEN/connectors/1/price/"
    assert APIClient().get(hidden_url).status_code == 404

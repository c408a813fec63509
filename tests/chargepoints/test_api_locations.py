"""REST API for locations: who sees which, the nearby search, filters, operator writes."""

import math
from urllib.parse import quote

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.enums import ConnectorType
from billing.models import Tariff, TariffElement
from chargepoints.enums import NormalizedStatus, ParkingType
from chargepoints.models import ChargePoint, Connector, Location
from tests.problems import field_errors, fields_at_fault
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

LIST = "/api/v1/locations/"


def detail(location_id: str) -> str:
    return reverse("api:location-detail", kwargs={"pk": location_id})


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def operator(db):
    return user_in_group(OPERATORS, username="operator", password="operator password 42")


@pytest.fixture
def operator_api(operator) -> APIClient:
    return token_client(operator)


@pytest.fixture
def driver_api(driver) -> APIClient:
    return token_client(driver)


def make_location(name: str, latitude: float, longitude: float, **fields) -> Location:
    return Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name=name,
        address="Somewhere 1",
        city=fields.pop("city", "Berlin"),
        country=fields.pop("country", "DE"),
        coordinates={"latitude": f"{latitude:.6f}", "longitude": f"{longitude:.6f}"},
        parking_type=fields.pop("parking_type", ParkingType.ON_STREET),
        **fields,
    )


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


# --- Who sees what -----------------------------------------------------------------------------


@pytest.fixture
def hidden(db) -> Location:
    return make_location("Hidden depot", 52.50, 13.30, publish=False)


def test_anonymous_callers_see_published_locations_only(location, hidden):
    response = APIClient().get(LIST)

    assert response.status_code == 200
    assert names(response) == ["Test site"]
    assert APIClient().get(detail(hidden.pk)).status_code == 404


def test_drivers_see_published_locations_only(driver_api, location, hidden):
    assert names(driver_api.get(LIST)) == ["Test site"]
    assert driver_api.get(detail(hidden.pk)).status_code == 404


def test_operators_see_every_location_and_can_filter_by_publish(operator_api, location, hidden):
    assert names(operator_api.get(LIST)) == ["Hidden depot", "Test site"]
    assert names(operator_api.get(LIST, {"publish": "false"})) == ["Hidden depot"]
    assert operator_api.get(detail(hidden.pk)).json()["publish"] is False


def test_the_public_does_not_see_operator_fields(location):
    body = APIClient().get(detail(location.pk)).json()

    for field in ("publish", "country_code", "party_id", "substation_id"):
        assert field not in body


def test_a_location_shows_its_chargers_live_status_and_tariffs(location, connector):
    chargepoint = connector.chargepoint
    chargepoint.connected = True
    chargepoint.status = NormalizedStatus.AVAILABLE
    chargepoint.save()
    connector.status = NormalizedStatus.AVAILABLE
    connector.save()
    tariff = Tariff.objects.create(
        id="AC-1",
        country_code="DE",
        party_id="CSM",
        currency="EUR",
        tariff_alt_text=[{"language": "en", "text": "0.35 EUR/kWh"}],
    )
    TariffElement.objects.create(
        tariff=tariff, price_components=[{"type": "ENERGY", "price": 0.35, "step_size": 1}]
    )
    connector.tariff_ids.add(tariff)
    # A second connector with the same tariff: listed once.
    Connector.objects.create(chargepoint=chargepoint, connectorid=2).tariff_ids.add(tariff)

    body = APIClient().get(detail(location.pk)).json()

    assert body["id"] == location.pk
    assert body["coordinates"] == {"latitude": 52.52, "longitude": 13.4}
    assert body["country"] == "DE"
    assert body["time_zone"] == "Europe/Berlin"
    assert body["distance_km"] is None
    [shown] = body["chargepoints"]
    assert shown["chargepoint_id"] == "CP-TEST-1"
    assert shown["connected"] is True
    assert shown["status"] == "AVAILABLE"
    assert [c["connector_id"] for c in shown["connectors"]] == [1, 2]
    assert shown["connectors"][0]["status"] == "AVAILABLE"
    assert shown["connectors"][0]["tariff_ids"] == ["AC-1"]
    assert body["tariffs"] == [
        {
            "id": "AC-1",
            "currency": "EUR",
            "type": "REGULAR",
            "tariff_alt_text": [{"language": "en", "text": "0.35 EUR/kWh"}],
            "text": "0.35 EUR/kWh",
            "elements": [
                {
                    "position": 0,
                    "price_components": [
                        {
                            "type": "ENERGY",
                            "unit": "kWh",
                            "price": {
                                "excl_vat": {"amount": "0.35", "currency": "EUR"},
                                "incl_vat": {"amount": "0.35", "currency": "EUR"},
                            },
                            "vat_percent": None,
                            "step_size": 1,
                        }
                    ],
                    "restrictions": None,
                }
            ],
        }
    ]


def test_listing_takes_the_same_queries_for_many_locations(
    location, connector, django_assert_max_num_queries
):
    tariff = Tariff.objects.create(id="T", country_code="DE", party_id="CSM", currency="EUR")
    for n in range(5):
        site = make_location(f"Site {n}", 52 + n / 10, 13)
        for m in range(2):
            chargepoint = ChargePoint.objects.create(chargepoint_id=f"CP-{n}-{m}", location=site)
            Connector.objects.create(chargepoint=chargepoint, connectorid=1).tariff_ids.add(tariff)

    # Count, locations, charge points, connectors, tariffs, tariff elements.
    with django_assert_max_num_queries(6):
        response = APIClient().get(LIST)

    assert response.json()["count"] == 6


# --- Nearby search -----------------------------------------------------------------------------


@pytest.fixture
def sites(location):
    """Berlin (the fixture), Potsdam about 27 km away, Hamburg about 255 km away."""
    potsdam = make_location("Potsdam", 52.3906, 13.0645, city="Potsdam")
    hamburg = make_location("Hamburg", 53.5511, 9.9937, city="Hamburg")
    return location, potsdam, hamburg


def test_a_nearby_search_finds_what_is_within_the_radius_nearest_first(sites):
    response = APIClient().get(LIST, {"latitude": 52.40, "longitude": 13.10, "radius": 50})

    assert response.status_code == 200
    assert names(response) == ["Potsdam", "Test site"]
    distances = [row["distance_km"] for row in response.json()["results"]]
    assert distances[0] == pytest.approx(haversine_km(52.40, 13.10, 52.3906, 13.0645), abs=0.01)
    assert distances[1] == pytest.approx(haversine_km(52.40, 13.10, 52.52, 13.40), abs=0.01)
    assert 20 < distances[1] < 30


def test_the_radius_defaults_to_5_km(sites):
    response = APIClient().get(LIST, {"latitude": 52.5219, "longitude": 13.4132})

    assert names(response) == ["Test site"]
    assert response.json()["results"][0]["distance_km"] == pytest.approx(0.9, abs=0.1)


def test_a_nearby_search_reaches_across_the_antimeridian(db):
    make_location("Date line east", -16.5, 179.99)
    make_location("Far away", -16.5, 170.0)

    response = APIClient().get(LIST, {"latitude": -16.5, "longitude": -179.99, "radius": 10})

    assert names(response) == ["Date line east"]
    assert response.json()["results"][0]["distance_km"] == pytest.approx(2.13, abs=0.05)


def test_a_nearby_search_combines_with_filters_and_ordering(sites):
    searched = {"latitude": 52.40, "longitude": 13.10, "radius": 500}
    assert names(APIClient().get(LIST, {**searched, "city": "potsdam"})) == ["Potsdam"]
    assert names(APIClient().get(LIST, {**searched, "ordering": "-distance_km"})) == [
        "Hamburg",
        "Test site",
        "Potsdam",
    ]
    assert names(APIClient().get(LIST, {**searched, "ordering": "name"})) == [
        "Hamburg",
        "Potsdam",
        "Test site",
    ]


def test_ordering_by_distance_without_a_search_is_harmless(sites):
    response = APIClient().get(LIST, {"ordering": "distance_km"})

    assert response.status_code == 200
    assert len(names(response)) == 3


def test_unpublished_locations_stay_hidden_in_a_search(location, hidden):
    response = APIClient().get(LIST, {"latitude": 52.5, "longitude": 13.3, "radius": 50})

    assert names(response) == ["Test site"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"latitude": 52.5}, "longitude"),
        ({"longitude": 13.4}, "latitude"),
        ({"radius": 10}, "radius"),
        ({"latitude": 91, "longitude": 13.4}, "latitude"),
        ({"latitude": 52.5, "longitude": -180.5}, "longitude"),
        ({"latitude": "north", "longitude": 13.4}, "latitude"),
        ({"latitude": "NaN", "longitude": 13.4}, "latitude"),
        ({"latitude": "1e999", "longitude": 13.4}, "latitude"),
        ({"latitude": 52.5, "longitude": 13.4, "radius": 501}, "radius"),
        ({"latitude": 52.5, "longitude": 13.4, "radius": -1}, "radius"),
        ({"latitude": 52.5, "longitude": 13.4, "radius": "far"}, "radius"),
    ],
)
def test_a_bad_search_point_is_answered_400_with_field_errors(location, query, field):
    response = APIClient().get(LIST, query)

    assert response.status_code == 400
    assert field in fields_at_fault(response)


# --- Filters -----------------------------------------------------------------------------------


def test_locations_filter_by_availability_now(location, connector):
    busy = make_location("Busy", 52.0, 13.0)
    charger = ChargePoint.objects.create(chargepoint_id="CP-BUSY", location=busy, connected=True)
    Connector.objects.create(chargepoint=charger, connectorid=1, status=NormalizedStatus.OCCUPIED)
    # Available, but its charger is offline: not available now.
    connector.status = NormalizedStatus.AVAILABLE
    connector.save()
    assert names(APIClient().get(LIST, {"available": "true"})) == []

    connector.chargepoint.connected = True
    connector.chargepoint.save()
    assert names(APIClient().get(LIST, {"available": "true"})) == ["Test site"]
    assert names(APIClient().get(LIST, {"available": "false"})) == ["Busy"]


def test_locations_filter_by_connector_standard_country_and_parking(location, connector):
    elsewhere = make_location(
        "Bangkok", 13.75, 100.5, city="Bangkok", country="TH", parking_type=ParkingType.ON_STREET
    )
    charger = ChargePoint.objects.create(chargepoint_id="CP-TH", location=elsewhere)
    Connector.objects.create(
        chargepoint=charger, connectorid=1, standard=ConnectorType.IEC_62196_T2_COMBO
    )

    assert names(APIClient().get(LIST, {"connector_standard": "IEC_62196_T2_COMBO"})) == ["Bangkok"]
    assert names(APIClient().get(LIST, {"connector_standard": "IEC_62196_T2"})) == ["Test site"]
    assert names(APIClient().get(LIST, {"country": "th"})) == ["Bangkok"]
    assert names(APIClient().get(LIST, {"parking_type": "PARKING_LOT"})) == ["Test site"]
    assert names(APIClient().get(LIST, {"city": "BERLIN"})) == ["Test site"]


@pytest.mark.parametrize(
    "query",
    [
        {"parking_type": "ROOFTOP"},
        {"connector_standard": "USB"},
        {"city": "a\x00b"},
        {"available": "maybe"},
        {"publish": "null"},
    ],
)
def test_an_unknown_filter_value_is_answered_400(location, query):
    response = APIClient().get(LIST, query)

    assert response.status_code == 400
    assert fields_at_fault(response) == set(query)


def test_lists_are_paginated(db):
    for n in range(3):
        make_location(f"Site {n}", 50, 10 + n)

    body = APIClient().get(LIST, {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3
    assert [row["name"] for row in body["results"]] == ["Site 2"]


# --- Operator writes ---------------------------------------------------------------------------

NEW_LOCATION = {
    "name": "New depot",
    "address": "Chaussee 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "coordinates": {"latitude": 52.5304, "longitude": 13.3848},
    "parking_type": "PARKING_GARAGE",
    "time_zone": "Europe/Berlin",
    "country_code": "DE",
    "party_id": "CSM",
    "publish": False,
}


def test_an_operator_creates_a_location(operator_api):
    response = operator_api.post(LIST, NEW_LOCATION, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["coordinates"] == {"latitude": 52.5304, "longitude": 13.3848}
    assert body["publish"] is False
    assert body["chargepoints"] == []
    stored = Location.objects.get(pk=body["id"])
    # OCPI 2.2.1 GeoLocation: strings with 5 to 7 decimals.
    assert stored.coordinates == {"latitude": "52.530400", "longitude": "13.384800"}
    assert str(stored.time_zone) == "Europe/Berlin"
    assert stored.publish is False


def test_an_operator_changes_and_deletes_a_location(operator_api, location, chargepoint):
    response = operator_api.patch(
        detail(location.pk), {"name": "Renamed", "coordinates": {"latitude": 1, "longitude": 2}}
    )
    assert response.status_code == 200, response.json()
    location.refresh_from_db()
    assert location.name == "Renamed"
    assert location.coordinates == {"latitude": "1.000000", "longitude": "2.000000"}

    assert operator_api.delete(detail(location.pk)).status_code == 204
    assert not Location.objects.filter(pk=location.pk).exists()
    chargepoint.refresh_from_db()
    assert chargepoint.location is None


def test_a_change_of_coordinates_gives_both(operator_api, location):
    response = operator_api.patch(detail(location.pk), {"coordinates": {"latitude": 1}})

    assert response.status_code == 400
    assert field_errors(response) == {"coordinates.longitude": ["This field is required."]}
    location.refresh_from_db()
    assert location.coordinates == {"latitude": "52.52", "longitude": "13.40"}


def test_drivers_and_anonymous_callers_cannot_write(driver_api, location):
    assert APIClient().post(LIST, NEW_LOCATION, format="json").status_code == 401
    assert driver_api.post(LIST, NEW_LOCATION, format="json").status_code == 403
    assert driver_api.patch(detail(location.pk), {"name": "x"}).status_code == 403
    assert driver_api.delete(detail(location.pk)).status_code == 403
    assert Location.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"coordinates": {"latitude": 95, "longitude": 13}}, "coordinates"),
        ({"coordinates": {"latitude": "x", "longitude": 13}}, "coordinates"),
        ({"coordinates": "52.5,13.4"}, "coordinates"),
        ({"coordinates": {"latitude": 52}}, "coordinates"),
        ({"coordinates": {"latitude": "52.5", "longitude": 13}}, "coordinates"),
        ({"substation_id": 7}, "substation_id"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": 42}, "time_zone"),
        ({"country": "XX"}, "country"),
        ({"parking_type": "ROOF"}, "parking_type"),
        ({"name": "x" * 300}, "name"),
        ({"name": None}, "name"),
        ({"publish": "perhaps"}, "publish"),
        ({"publish": "true"}, "publish"),
        ({"party_id": "TOOLONG"}, "party_id"),
    ],
)
def test_bad_location_data_is_answered_400_with_field_errors(operator_api, change, field):
    response = operator_api.post(LIST, {**NEW_LOCATION, **change}, format="json")

    assert response.status_code == 400
    assert field in fields_at_fault(response)
    assert not Location.objects.exists()


def test_writes_take_json_only(operator_api):
    response = operator_api.post(LIST, {"name": "Form"}, format="multipart")

    assert response.status_code == 415
    assert not Location.objects.exists()


def test_a_missing_required_field_is_named(operator_api):
    data = {key: value for key, value in NEW_LOCATION.items() if key != "address"}

    response = operator_api.post(LIST, data, format="json")

    assert response.status_code == 400
    assert field_errors(response) == {"address": ["This field is required."]}


@pytest.mark.parametrize("location_id", ["nope", "a\x00b", "x" * 40, "*.*"])
def test_an_unknown_or_odd_location_id_is_404(operator_api, location, location_id):
    response = operator_api.get(f"{LIST}{quote(location_id, safe='')}/")

    assert response.status_code == 404

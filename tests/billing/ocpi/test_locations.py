"""Locations Sender interface: our sites, their chargers as EVSEs, their connectors."""

import datetime

import pytest

from accounts.enums import ConnectorType
from billing.models import Tariff
from chargepoints.enums import AvailabilityType, NormalizedStatus, PowerType
from chargepoints.models import ChargePoint, Connector, Location
from tests.billing.ocpi.conftest import envelope

URL = "/ocpi/2.2.1/locations"


def at(hour: int) -> datetime.datetime:
    return datetime.datetime(2024, 5, 1, hour, tzinfo=datetime.UTC)


@pytest.fixture
def v16(location) -> ChargePoint:
    """An OCPP 1.6 charger with two connectors: two EVSEs."""
    chargepoint = ChargePoint.objects.create(
        chargepoint_id="CP16", location=location, connected=True, max_power=22
    )
    tariff = Tariff.objects.create(id="AC-1", country_code="DE", party_id="CSM", currency="EUR")
    first = Connector.objects.create(
        chargepoint=chargepoint,
        connectorid=1,
        status=NormalizedStatus.AVAILABLE,
        max_voltage=230,
        max_current=32,
        max_power=22,
    )
    first.tariff_ids.add(tariff)
    Connector.objects.create(
        chargepoint=chargepoint, connectorid=2, status=NormalizedStatus.OCCUPIED
    )
    return chargepoint


@pytest.fixture
def v201(location) -> ChargePoint:
    """An OCPP 2.0.1 charger: EVSE 1 with a CCS and a CHAdeMO connector, EVSE 2 with one."""
    chargepoint = ChargePoint.objects.create(
        chargepoint_id="CP201",
        location=location,
        connected=True,
        latitude=52.5201234,
        longitude=13.4051234,
    )
    for connectorid, evse, within, standard, status in [
        (1, 1, 1, ConnectorType.IEC_62196_T2_COMBO, NormalizedStatus.AVAILABLE),
        (2, 1, 2, ConnectorType.CHADEMO, NormalizedStatus.UNAVAILABLE),
        (3, 2, 1, ConnectorType.IEC_62196_T2_COMBO, NormalizedStatus.FAULTED),
    ]:
        Connector.objects.create(
            chargepoint=chargepoint,
            connectorid=connectorid,
            evse_id=evse,
            evse_connector_id=within,
            standard=standard,
            power_type=PowerType.DC,
            max_power=150,
            status=status,
        )
    return chargepoint


def evses_by_uid(location_data: dict) -> dict[str, dict]:
    return {evse["uid"]: evse for evse in location_data["evses"]}


def test_a_location_lists_a_1_6_charger_as_one_evse_per_connector(emsp, v16):
    data = envelope(emsp.get(URL))["data"]

    assert len(data) == 1
    location = data[0]
    assert {k: v for k, v in location.items() if k not in {"evses", "id", "last_updated"}} == {
        "country_code": "DE",
        "party_id": "CSM",
        "publish": True,
        "name": "Test site",
        "address": "Hauptstraße 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DEU",
        "coordinates": {"latitude": "52.520000", "longitude": "13.400000"},
        "parking_type": "PARKING_LOT",
        "time_zone": "Europe/Berlin",
    }
    evses = evses_by_uid(location)
    assert set(evses) == {"CP16*1", "CP16*2"}
    first = evses["CP16*1"]
    assert first["evse_id"] == "DE*CSM*ECP16*1"
    assert first["status"] == "AVAILABLE"
    assert first["capabilities"] == ["REMOTE_START_STOP_CAPABLE", "RESERVABLE"]
    assert "coordinates" not in first
    connector = first["connectors"][0]
    assert {k: v for k, v in connector.items() if k != "last_updated"} == {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "max_electric_power": 22000,
        "tariff_ids": ["AC-1"],
    }
    assert evses["CP16*2"]["status"] == "CHARGING"
    # Unknown ratings: nominal voltage, current from the charger's power over 3 phases.
    second = evses["CP16*2"]["connectors"][0]
    assert (second["max_voltage"], second["max_amperage"]) == (230, 32)
    assert second["max_electric_power"] == 22000


def test_connectors_of_a_2_0_1_evse_form_one_ocpi_evse(emsp, v201):
    location = envelope(emsp.get(URL))["data"][0]

    evses = evses_by_uid(location)
    assert set(evses) == {"CP201*1", "CP201*2"}
    first = evses["CP201*1"]
    assert [c["id"] for c in first["connectors"]] == ["1", "2"]
    assert [c["standard"] for c in first["connectors"]] == ["IEC_62196_T2_COMBO", "CHADEMO"]
    # One working connector is enough for the EVSE to be available.
    assert first["status"] == "AVAILABLE"
    assert first["coordinates"] == {"latitude": "52.520123", "longitude": "13.405123"}
    assert evses["CP201*2"]["status"] == "OUTOFORDER"
    assert evses["CP201*2"]["connectors"][0]["max_electric_power"] == 150000


def test_an_offline_or_inoperative_charger_is_not_available(emsp, v16):
    Connector.objects.filter(chargepoint=v16, connectorid=1).update(
        availability_status=AvailabilityType.INOPERATIVE
    )
    assert envelope(emsp.get(f"{URL}/{v16.location_id}/CP16*1"))["data"]["status"] == "INOPERATIVE"

    v16.connected = False
    v16.save()
    assert envelope(emsp.get(f"{URL}/{v16.location_id}/CP16*2"))["data"]["status"] == "UNKNOWN"


def test_unpublished_locations_are_sent_with_publish_false(emsp, v16):
    Location.objects.filter(pk=v16.location_id).update(publish=False)

    assert envelope(emsp.get(URL))["data"][0]["publish"] is False


def test_a_location_without_chargers_is_not_listed_but_can_be_read(emsp, location):
    assert envelope(emsp.get(URL))["data"] == []

    data = envelope(emsp.get(f"{URL}/{location.id}"))["data"]
    assert data["id"] == location.id
    assert data["evses"] == []


def test_one_location_evse_and_connector(emsp, v201):
    location_id = v201.location_id

    location = envelope(emsp.get(f"{URL}/{location_id}"))["data"]
    evse = envelope(emsp.get(f"{URL}/{location_id}/CP201*1"))["data"]
    connector = envelope(emsp.get(f"{URL}/{location_id}/CP201*1/2"))["data"]

    assert location["id"] == location_id
    assert evse == evses_by_uid(location)["CP201*1"]
    assert connector == evse["connectors"][1]
    assert connector["standard"] == "CHADEMO"


@pytest.mark.parametrize(
    "path",
    [
        "nope",
        "x" * 37,
        "{location}/CP201*9",
        "{location}/CP16*1",
        "{location}/CP201*1/3",
        "{location}/CP201*2/2",
    ],
)
def test_unknown_location_evse_or_connector_is_404_2003(emsp, v201, path):
    response = emsp.get(f"{URL}/" + path.format(location=v201.location_id))

    body = envelope(response, status=404, code=2003)
    assert "data" not in body


def test_a_changed_connector_brings_its_location_into_date_from(emsp, v16, location):
    Location.objects.update(last_updated=at(8))
    ChargePoint.objects.update(last_updated=at(8))
    Connector.objects.update(last_updated=at(8))
    assert envelope(emsp.get(URL, {"date_from": "2024-05-01T09:00:00Z"}))["data"] == []

    Connector.objects.filter(connectorid=2).update(last_updated=at(10))

    data = envelope(emsp.get(URL, {"date_from": "2024-05-01T09:00:00Z"}))["data"]
    assert [row["id"] for row in data] == [location.id]
    assert data[0]["last_updated"] == "2024-05-01T10:00:00Z"
    assert evses_by_uid(data[0])["CP16*2"]["last_updated"] == "2024-05-01T10:00:00Z"
    assert evses_by_uid(data[0])["CP16*1"]["last_updated"] == "2024-05-01T08:00:00Z"
    assert envelope(emsp.get(URL, {"date_to": "2024-05-01T10:00:00Z"}))["data"] == []


def test_the_lengths_of_location_fields_stay_within_the_spec(emsp, location):
    location.postal_code = "1234567890-EXTRA"
    location.save()
    long_id = "A-VERY-LONG-CHARGE-POINT-IDENTITY-0123456789-XY"  # 47 characters
    chargepoint = ChargePoint.objects.create(
        chargepoint_id=long_id, location=location, connected=True
    )
    Connector.objects.create(chargepoint=chargepoint, connectorid=1)

    data = envelope(emsp.get(URL))["data"][0]

    assert len(data["id"]) <= 36
    assert len(data["country_code"]) == 2 and len(data["party_id"]) == 3
    assert len(data["postal_code"]) <= 10
    assert len(data["city"]) <= 45 and len(data["address"]) <= 255
    assert len(data["country"]) == 3
    for evse in data["evses"]:
        assert len(evse["uid"]) <= 36
        assert len(evse["evse_id"]) <= 48
        for connector in evse["connectors"]:
            assert len(connector["id"]) <= 36
            assert all(len(tariff_id) <= 36 for tariff_id in connector["tariff_ids"])
            assert isinstance(connector["max_voltage"], int)
            assert isinstance(connector["max_amperage"], int)
    evse_uid = data["evses"][0]["uid"]
    assert envelope(emsp.get(f"{URL}/{location.id}/{evse_uid}/1"))["data"]["id"] == "1"


def test_the_list_costs_the_same_queries_however_many_chargers(
    emsp, v16, v201, location, django_assert_max_num_queries
):
    # Partner, count, page, and one per prefetched relation: no query per charger.
    with django_assert_max_num_queries(8):
        data = envelope(emsp.get(URL))["data"]

    assert len(data[0]["evses"]) == 4

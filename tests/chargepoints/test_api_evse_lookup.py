"""QR lookup (issue 18, finding 6): GET /api/v1/evses/<printed EVSE id>/.

The id printed on a charger (and held by its QR code) is the eMI3 EVSE id
OCPI shows; the REST API shows it on every connector and finds the EVSE by it.
"""

from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from chargepoints.enums import NormalizedStatus
from chargepoints.models import ChargePoint, Connector, Location
from tests.billing.ocpi.conftest import TOKEN_C, Partner, registered_partner
from tests.rights import OPERATORS, user_in_group
from tests.tokens import api_as


def lookup(evse_id: str, client=None):
    return (client or APIClient()).get(f"/api/v1/evses/{quote(evse_id, safe='')}/")


@pytest.fixture
def online(chargepoint, connector):
    ChargePoint.objects.filter(pk=chargepoint.pk).update(
        connected=True, status=NormalizedStatus.AVAILABLE
    )
    Connector.objects.filter(pk=connector.pk).update(status=NormalizedStatus.AVAILABLE)
    return ChargePoint.objects.get(pk=chargepoint.pk)


def test_anyone_finds_an_evse_by_its_printed_id(online):
    response = lookup("DE*CSM*ECPTEST1*1")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["evse_id"] == "DE*CSM*ECPTEST1*1"
    assert body["status"] == "AVAILABLE"
    assert body["chargepoint"]["chargepoint_id"] == "CP-TEST-1"
    assert body["location"]["name"] == "Test site"
    assert body["location"]["address"] == "Hauptstraße 1"
    assert body["location"]["coordinates"] == {"latitude": 52.52, "longitude": 13.4}
    [connector] = body["connectors"]
    assert connector["connector_id"] == 1
    assert connector["status"] == "AVAILABLE"
    assert connector["standard"] == "IEC_62196_T2"
    assert connector["price_url"] == "/api/v1/charge-points/CP-TEST-1/connectors/1/price/"


@pytest.mark.parametrize(
    "typed",
    ["de*csm*ecptest1*1", "DECSMECPTEST11", "de-csm-ecptest1-1", " DE*CSM*ECPTEST1*1 "],
)
def test_case_and_separators_do_not_matter(online, typed):
    response = lookup(typed)

    assert response.status_code == 200, response.json()
    assert response.json()["evse_id"] == "DE*CSM*ECPTEST1*1"


def test_an_unknown_id_is_a_404_problem(online):
    for typed in ["DE*CSM*ECPTEST1*2", "NL*CSM*ECPTEST1*1", "DE*CSM*ENOPE*1", "x", "DE*CSM*E*1"]:
        response = lookup(typed)
        assert response.status_code == 404, typed
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"


def test_a_charger_id_with_special_characters_is_found(location):
    charger = ChargePoint.objects.create(chargepoint_id="cp-7.a b", location=location)
    Connector.objects.create(chargepoint=charger, connectorid=1)

    # "cp-7.a b" prints as CP7AB.
    assert lookup("DE*CSM*ECP7AB*1").json()["chargepoint"]["chargepoint_id"] == "cp-7.a b"
    assert lookup("decsmecp7ab1").status_code == 200


def test_a_long_charger_id_cut_in_print_is_found(location):
    long_id = "DE*BMW*ETEST1234567890AB-WALLBOX-GARAGE-42"
    charger = ChargePoint.objects.create(chargepoint_id=long_id, location=location)
    Connector.objects.create(chargepoint=charger, connectorid=1)
    printed = (
        APIClient()
        .get(f"/api/v1/charge-points/{quote(long_id, safe='')}/")
        .json()["connectors"][0]["evse_id"]
    )

    assert len(printed) == 48
    assert printed == "DE*CSM*EDE*BMW*ETEST1234567890ABWALLBOXGARAGE4*1"
    assert lookup(printed).json()["chargepoint"]["chargepoint_id"] == long_id


def test_a_201_charger_with_several_evses_answers_the_one_asked(location):
    charger = ChargePoint.objects.create(chargepoint_id="WB-2", location=location, connected=True)
    Connector.objects.create(chargepoint=charger, connectorid=1, evse_id=1, evse_connector_id=1)
    Connector.objects.create(chargepoint=charger, connectorid=2, evse_id=2, evse_connector_id=1)
    Connector.objects.create(chargepoint=charger, connectorid=3, evse_id=2, evse_connector_id=2)

    first = lookup("DE*CSM*EWB2*1").json()
    second = lookup("DE*CSM*EWB2*2").json()

    assert [c["connector_id"] for c in first["connectors"]] == [1]
    assert [c["connector_id"] for c in second["connectors"]] == [2, 3]
    assert {c["evse_id"] for c in second["connectors"]} == {"DE*CSM*EWB2*2"}


def test_a_compact_id_naming_two_evses_is_a_409_naming_them(location):
    # Without separators, "EWB21" is charger WB2's EVSE 1 or charger WB's EVSE 21.
    for chargepoint_id, number in (("WB2", 1), ("WB", 21)):
        charger = ChargePoint.objects.create(chargepoint_id=chargepoint_id, location=location)
        Connector.objects.create(chargepoint=charger, connectorid=number)

    response = lookup("DECSMEWB21")

    assert response.status_code == 409
    assert response.json()["code"] == "evse_id_ambiguous"
    assert response.json()["candidates"] == ["DE*CSM*EWB*21", "DE*CSM*EWB2*1"]
    assert lookup("DE*CSM*EWB*21").json()["chargepoint"]["chargepoint_id"] == "WB"


def test_evses_at_unpublished_locations_are_for_operators_only(location):
    hidden = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Hidden",
        address="x",
        city="Berlin",
        country="DE",
        coordinates={"latitude": "52.5", "longitude": "13.4"},
        publish=False,
    )
    charger = ChargePoint.objects.create(chargepoint_id="CP-HIDDEN", location=hidden)
    Connector.objects.create(chargepoint=charger, connectorid=1)
    operator = user_in_group(OPERATORS, username="operator")

    assert lookup("DE*CSM*ECPHIDDEN*1").status_code == 404
    assert lookup("DE*CSM*ECPHIDDEN*1", api_as(operator)).status_code == 200


def test_rest_prints_the_evse_id_ocpi_shows(online):
    registered_partner("Roaming eMSP", "NL", "EMS", ("their-token-b", TOKEN_C), "emsp.example")
    [location] = Partner(TOKEN_C).get("/ocpi/2.2.1/locations").json()["data"]
    [evse] = location["evses"]

    rest = APIClient().get(f"/api/v1/locations/{online.location_id}/").json()

    assert rest["chargepoints"][0]["connectors"][0]["evse_id"] == evse["evse_id"]
    assert lookup(evse["evse_id"]).json()["status"] == evse["status"] == "AVAILABLE"

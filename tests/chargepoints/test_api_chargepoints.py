"""REST API for charge points and their connectors: public and operator views, writes, energy."""

import datetime
import zoneinfo
from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import check_password
from rest_framework.test import APIClient

from billing.models import Tariff
from chargepoints.api.sites import views
from chargepoints.enums import NormalizedStatus, ParkingType
from chargepoints.models import ChargePoint, Connector, Location, Transaction
from chargepoints.selectors import chargepoint_energy_totals
from tests.problems import fields_at_fault
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

LIST = "/api/v1/charge-points/"
BMW = "DE*BMW*ETEST1234567890AB"
GOOD_PASSWORD = "sixteen chars ok"
OPERATOR_ONLY = [
    "chargepoint_vendor",
    "chargepoint_model",
    "chargepoint_serial_number",
    "chargebox_serial_number",
    "firmware_version",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
    "ip_address",
    "registration_status",
    "has_password",
    "last_boot_at",
    "boot_reason",
    "created_at",
    "last_updated",
]


def detail(chargepoint_id: str) -> str:
    return f"{LIST}{quote(chargepoint_id, safe='')}/"


def connectors(chargepoint_id: str, connectorid=None) -> str:
    url = f"{detail(chargepoint_id)}connectors/"
    return url if connectorid is None else f"{url}{connectorid}/"


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


@pytest.fixture
def reported(connector):
    """The charger has booted and reported: serials, address, status."""
    chargepoint = connector.chargepoint
    chargepoint.chargepoint_vendor = "BMW"
    chargepoint.chargepoint_serial_number = "SN-123"
    chargepoint.firmware_version = "1.2.3"
    chargepoint.ip_address = "10.0.0.7"
    chargepoint.connected = True
    chargepoint.status = NormalizedStatus.AVAILABLE
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.save()
    connector.status = NormalizedStatus.AVAILABLE
    connector.current_limit = 16
    connector.save()
    return chargepoint


@pytest.fixture
def unpublished(db) -> ChargePoint:
    hidden = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Hidden",
        address="x",
        city="Berlin",
        country="DE",
        coordinates={"latitude": "52.5", "longitude": "13.3"},
        parking_type=ParkingType.PARKING_LOT,
        publish=False,
    )
    return ChargePoint.objects.create(chargepoint_id="CP-HIDDEN", location=hidden)


@pytest.fixture
def unplaced(db) -> ChargePoint:
    return ChargePoint.objects.create(chargepoint_id="CP-NEW")


def ids(response) -> list[str]:
    return [row["chargepoint_id"] for row in response.json()["results"]]


def transaction_at(connector) -> Transaction:
    return Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        start_transaction_timestamp=datetime.datetime(2026, 3, 18, 8, tzinfo=datetime.UTC),
    )


# --- Who sees what -----------------------------------------------------------------------------


def test_the_public_sees_chargers_at_published_locations_only(reported, unpublished, unplaced):
    response = APIClient().get(LIST)

    assert response.status_code == 200
    assert ids(response) == ["CP-TEST-1"]
    assert APIClient().get(detail("CP-HIDDEN")).status_code == 404
    assert APIClient().get(detail("CP-NEW")).status_code == 404


def test_a_driver_gets_the_public_fields_only(driver_api, reported):
    body = driver_api.get(detail("CP-TEST-1")).json()

    assert body["status"] == "AVAILABLE"
    assert body["connected"] is True
    assert body["location"] == reported.location_id
    assert body["ocpp_version"] == "ocpp2.0.1"
    for field in [*OPERATOR_ONLY, "password"]:
        assert field not in body
    [connector] = body["connectors"]
    assert connector["connector_id"] == 1
    assert connector["evse_id"] == "DE*CSM*ECPTEST1*1"
    assert connector["status"] == "AVAILABLE"
    assert "current_limit" not in connector


def test_operators_see_every_charger_with_all_fields(operator_api, reported, unpublished, unplaced):
    assert ids(operator_api.get(LIST)) == ["CP-HIDDEN", "CP-NEW", "CP-TEST-1"]

    body = operator_api.get(detail("CP-TEST-1")).json()
    assert body["chargepoint_serial_number"] == "SN-123"
    assert body["ip_address"] == "10.0.0.7"
    assert body["firmware_version"] == "1.2.3"
    assert body["has_password"] is False
    assert "password" not in body
    assert body["connectors"][0]["current_limit"] == 16
    assert operator_api.get(detail("CP-NEW")).json()["location"] is None


def test_charge_points_filter_and_order(operator_api, reported, unpublished, unplaced):
    assert ids(operator_api.get(LIST, {"connected": "true"})) == ["CP-TEST-1"]
    assert ids(operator_api.get(LIST, {"status": "AVAILABLE"})) == ["CP-TEST-1"]
    assert ids(operator_api.get(LIST, {"location": reported.location_id})) == ["CP-TEST-1"]
    assert ids(operator_api.get(LIST, {"ocpp_version": "ocpp2.0.1"})) == ["CP-TEST-1"]
    assert ids(operator_api.get(LIST, {"ordering": "-chargepoint_id"})) == [
        "CP-TEST-1",
        "CP-NEW",
        "CP-HIDDEN",
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "Sleeping"},
        {"ocpp_version": "ocpp9"},
        {"location": "a\x00"},
        {"connected": "yes"},
    ],
)
def test_an_unknown_filter_value_is_answered_400(operator_api, chargepoint, query):
    response = operator_api.get(LIST, query)

    assert response.status_code == 400
    assert set(fields_at_fault(response)) == set(query)


def test_a_charger_id_with_odd_characters_is_found_by_its_url(db, location):
    ChargePoint.objects.create(chargepoint_id=BMW, location=location)
    ChargePoint.objects.create(chargepoint_id="CP 1.0+x", location=location)

    assert APIClient().get(detail(BMW)).json()["chargepoint_id"] == BMW
    assert APIClient().get(detail("CP 1.0+x")).json()["chargepoint_id"] == "CP 1.0+x"


@pytest.mark.parametrize("chargepoint_id", ["CP-NONE", "a\x00b", "a\x7fb", "x" * 300])
def test_an_unknown_or_odd_charger_id_is_404(operator_api, chargepoint, chargepoint_id):
    assert operator_api.get(detail(chargepoint_id)).status_code == 404
    assert operator_api.get(connectors(chargepoint_id)).status_code == 404


# --- Operator writes ---------------------------------------------------------------------------


def test_an_operator_creates_a_charger_with_a_hashed_password(operator_api, location):
    response = operator_api.post(
        LIST,
        {
            "chargepoint_id": BMW,
            "name": "Wallbox",
            "location": location.pk,
            "max_power": 22,
            "password": GOOD_PASSWORD,
            "registration_status": "Pending",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["has_password"] is True
    assert "password" not in body
    stored = ChargePoint.objects.get(pk=BMW)
    assert stored.password != GOOD_PASSWORD
    assert check_password(GOOD_PASSWORD, stored.password)
    assert stored.location == location
    assert stored.registration_status == "Pending"
    assert APIClient().get(detail(BMW)).status_code == 200


def test_a_charger_created_without_a_password_needs_none(operator_api):
    response = operator_api.post(
        LIST, {"chargepoint_id": "CP-2", "password": "", "location": None}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert ChargePoint.objects.get(pk="CP-2").password == ""


def test_what_the_charger_reports_cannot_be_written(operator_api, chargepoint):
    response = operator_api.patch(
        detail("CP-TEST-1"),
        {"name": "Renamed", "connected": True, "status": "Faulted", "firmware_version": "hax"},
        format="json",
    )

    assert response.status_code == 200
    chargepoint.refresh_from_db()
    assert chargepoint.name == "Renamed"
    assert (chargepoint.connected, chargepoint.status) == (False, "Unknown")
    assert chargepoint.firmware_version == ""


def test_a_password_is_set_kept_and_removed(operator_api, chargepoint):
    operator_api.patch(detail("CP-TEST-1"), {"password": GOOD_PASSWORD}, format="json")
    chargepoint.refresh_from_db()
    hashed = chargepoint.password
    assert check_password(GOOD_PASSWORD, hashed)

    operator_api.patch(detail("CP-TEST-1"), {"name": "x"}, format="json")
    chargepoint.refresh_from_db()
    assert chargepoint.password == hashed

    response = operator_api.patch(detail("CP-TEST-1"), {"password": None}, format="json")
    assert response.json()["has_password"] is False
    chargepoint.refresh_from_db()
    assert chargepoint.password == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"chargepoint_id": "CP-TEST-1"}, "chargepoint_id"),  # taken
        ({"chargepoint_id": "a/b"}, "chargepoint_id"),
        ({"chargepoint_id": "a\x00b"}, "chargepoint_id"),
        ({"chargepoint_id": "x" * 49}, "chargepoint_id"),
        ({"chargepoint_id": ""}, "chargepoint_id"),
        ({"chargepoint_id": "CP-9", "password": "short"}, "password"),
        ({"chargepoint_id": "CP-9", "password": "x" * 41}, "password"),
        ({"chargepoint_id": "CP-9", "location": "nowhere"}, "location"),
        ({"chargepoint_id": "CP-9", "location": "a\x00"}, "location"),
        ({"chargepoint_id": "CP-9", "location": 7}, "location"),
        ({"chargepoint_id": "CP-9", "location": ""}, "location"),
        ({"chargepoint_id": "CP-9", "latitude": 91}, "latitude"),
        ({"chargepoint_id": "CP-9", "max_power": "lots"}, "max_power"),
        ({"chargepoint_id": "CP-9", "max_power": "22"}, "max_power"),
        ({"chargepoint_id": "CP-9", "max_power": True}, "max_power"),
        ({"chargepoint_id": "CP-9", "name": 42}, "name"),
        ({"chargepoint_id": 9}, "chargepoint_id"),
        ({"chargepoint_id": "CP-9", "connector_count": 10**30}, "connector_count"),
        ({"chargepoint_id": "CP-9", "registration_status": "Maybe"}, "registration_status"),
    ],
)
def test_bad_charger_data_is_answered_400_with_field_errors(operator_api, chargepoint, data, field):
    response = operator_api.post(LIST, data, format="json")

    assert response.status_code == 400
    assert field in fields_at_fault(response)
    assert list(ChargePoint.objects.values_list("pk", flat=True)) == ["CP-TEST-1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"chargepoint_id": "CP-9", "max_power": 1e400}', "max_power"),
        ('{"chargepoint_id": "CP-9", "max_power": NaN}', "parse_error"),
        ('{"chargepoint_id": "CP-9",', "parse_error"),
        ('["CP-9"]', "non_field_errors"),
    ],
)
def test_a_body_that_is_not_a_sound_json_object_is_answered_400(operator_api, body, field):
    response = operator_api.post(LIST, body, content_type="application/json")

    assert response.status_code == 400
    assert field in fields_at_fault(response) or response.json()["code"] == field
    assert not ChargePoint.objects.exists()


def test_a_charger_id_cannot_change(operator_api, chargepoint):
    response = operator_api.put(detail("CP-TEST-1"), {"chargepoint_id": "CP-OTHER"}, format="json")

    assert response.status_code == 400
    assert "chargepoint_id" in fields_at_fault(response)
    assert ChargePoint.objects.filter(pk="CP-TEST-1").exists()


def test_an_operator_deletes_a_charger_without_transactions(operator_api, connector):
    assert operator_api.delete(detail("CP-TEST-1")).status_code == 204
    assert not ChargePoint.objects.exists()
    assert not Connector.objects.exists()


def test_a_charger_with_transactions_is_not_deleted(operator_api, connector):
    transaction_at(connector)

    response = operator_api.delete(detail("CP-TEST-1"))

    assert response.status_code == 409
    assert "transactions" in response.json()["detail"]
    assert ChargePoint.objects.filter(pk="CP-TEST-1").exists()


def test_drivers_and_anonymous_callers_cannot_write_chargers(driver_api, chargepoint):
    assert APIClient().post(LIST, {"chargepoint_id": "X"}, format="json").status_code == 401
    assert driver_api.post(LIST, {"chargepoint_id": "X"}, format="json").status_code == 403
    assert driver_api.delete(detail("CP-TEST-1")).status_code == 403
    assert list(ChargePoint.objects.values_list("pk", flat=True)) == ["CP-TEST-1"]


# --- Connectors --------------------------------------------------------------------------------


@pytest.fixture
def tariff(db) -> Tariff:
    return Tariff.objects.create(id="AC-1", country_code="DE", party_id="CSM", currency="EUR")


def test_connectors_are_read_by_their_number(connector):
    Connector.objects.create(chargepoint=connector.chargepoint, connectorid=2)

    listed = APIClient().get(connectors("CP-TEST-1")).json()
    assert [row["connector_id"] for row in listed["results"]] == [1, 2]
    body = APIClient().get(connectors("CP-TEST-1", 2)).json()
    assert body["connector_id"] == 2
    assert "current_limit" not in body
    assert APIClient().get(connectors("CP-TEST-1", 3)).status_code == 404
    assert APIClient().get(connectors("CP-TEST-1", 10**9 * 9)).status_code == 404
    assert APIClient().get(connectors("CP-TEST-1", "99999999999999999999")).status_code == 404


def test_connectors_of_an_unpublished_charger_are_hidden(driver_api, operator_api, unpublished):
    Connector.objects.create(chargepoint=unpublished, connectorid=1)

    assert driver_api.get(connectors("CP-HIDDEN")).status_code == 404
    assert operator_api.get(connectors("CP-HIDDEN")).json()["count"] == 1


def test_an_operator_adds_a_connector_with_tariffs(operator_api, chargepoint, tariff):
    response = operator_api.post(
        connectors("CP-TEST-1"),
        {
            "connector_id": 1,
            "evse_number": 1,
            "evse_connector_id": 1,
            "standard": "IEC_62196_T2_COMBO",
            "format": "CABLE",
            "power_type": "DC",
            "max_power": 150,
            "tariff_ids": ["AC-1"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["tariff_ids"] == ["AC-1"]
    stored = Connector.objects.get(chargepoint=chargepoint, connectorid=1)
    assert (stored.standard, stored.power_type, stored.max_power) == (
        "IEC_62196_T2_COMBO",
        "DC",
        150,
    )
    assert list(stored.tariff_ids.values_list("pk", flat=True)) == ["AC-1"]


def test_an_operator_changes_and_deletes_a_connector(operator_api, connector, tariff):
    response = operator_api.patch(
        connectors("CP-TEST-1", 1), {"connector_id": 3, "tariff_ids": ["AC-1"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    connector.refresh_from_db()
    assert connector.connectorid == 3
    assert connector.tariff_ids.count() == 1

    operator_api.patch(connectors("CP-TEST-1", 3), {"tariff_ids": []}, format="json")
    assert connector.tariff_ids.count() == 0

    assert operator_api.delete(connectors("CP-TEST-1", 3)).status_code == 204
    assert not Connector.objects.exists()


def test_a_connector_with_transactions_is_not_deleted(operator_api, connector):
    transaction_at(connector)

    response = operator_api.delete(connectors("CP-TEST-1", 1))

    assert response.status_code == 409
    assert "transactions" in response.json()["detail"]
    assert Connector.objects.filter(pk=connector.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"connector_id": 1}, "connector_id"),  # taken
        ({"connector_id": 0}, "connector_id"),
        ({"connector_id": -1}, "connector_id"),
        ({"connector_id": 2**31}, "connector_id"),
        ({"connector_id": 10**40}, "connector_id"),
        ({"connector_id": "two"}, "connector_id"),
        ({"connector_id": "2"}, "connector_id"),
        ({"connector_id": True}, "connector_id"),
        ({}, "connector_id"),
        ({"connector_id": 2, "evse_number": 1, "evse_connector_id": 1}, "evse_connector_id"),
        ({"connector_id": 2, "evse_connector_id": 1}, "evse_number"),
        ({"connector_id": 2, "standard": "USB_C"}, "standard"),
        ({"connector_id": 2, "format": "PLUG"}, "format"),
        ({"connector_id": 2, "power_type": "AC"}, "power_type"),
        ({"connector_id": 2, "max_power": -5}, "max_power"),
        ({"connector_id": 2, "tariff_ids": ["NOPE"]}, "tariff_ids"),
        ({"connector_id": 2, "tariff_ids": [{"id": "AC-1"}]}, "tariff_ids"),
        ({"connector_id": 2, "tariff_ids": ["a\x00"]}, "tariff_ids"),
        ({"connector_id": 2, "tariff_ids": "AC-1"}, "tariff_ids"),
        ({"connector_id": 2, "tariff_ids": {"AC-1": 1}}, "tariff_ids"),
    ],
)
def test_bad_connector_data_is_answered_400_with_field_errors(
    operator_api, connector, tariff, data, field
):
    connector.evse_id, connector.evse_connector_id = 1, 1
    connector.save()

    response = operator_api.post(connectors("CP-TEST-1"), data, format="json")

    assert response.status_code == 400
    assert field in fields_at_fault(response)
    assert Connector.objects.count() == 1


def test_drivers_cannot_write_connectors(driver_api, connector):
    assert driver_api.post(connectors("CP-TEST-1"), {"connector_id": 2}).status_code == 403
    assert driver_api.delete(connectors("CP-TEST-1", 1)).status_code == 403
    assert Connector.objects.count() == 1


def test_connectors_filter_by_status(connector):
    # The public status: an offline charger's connectors are UNKNOWN, whatever they said.
    ChargePoint.objects.filter(pk=connector.chargepoint_id).update(connected=True)
    Connector.objects.create(
        chargepoint=connector.chargepoint, connectorid=2, status=NormalizedStatus.AVAILABLE
    )

    listed = APIClient().get(connectors("CP-TEST-1"), {"status": "AVAILABLE"}).json()

    assert [row["connector_id"] for row in listed["results"]] == [2]


# --- Energy ------------------------------------------------------------------------------------

NOW = datetime.datetime(2026, 3, 18, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))


def test_operators_read_a_chargers_energy_in_its_locations_time_zone(
    operator_api, connector, monkeypatch
):
    monkeypatch.setattr(
        views,
        "chargepoint_energy_totals",
        lambda *, chargepoint: chargepoint_energy_totals(chargepoint=chargepoint, now=NOW),
    )
    tx = transaction_at(connector)
    tx.start_transaction_timestamp = NOW - datetime.timedelta(hours=3)
    tx.stop_transaction_timestamp = NOW - datetime.timedelta(hours=2)
    tx.wh_meter_start, tx.wh_meter_stop = 1_000, 3_500
    tx.save()

    response = operator_api.get(f"{detail('CP-TEST-1')}energy/")

    assert response.status_code == 200
    assert response.json() == {
        "day": 2.5,
        "week": 2.5,
        "month": 2.5,
        "year": 2.5,
        "timezone": "Europe/Berlin",
    }


def test_an_unplaced_chargers_energy_is_reckoned_in_the_servers_zone(operator_api, unplaced):
    body = operator_api.get(f"{detail('CP-NEW')}energy/").json()

    assert body == {"day": 0.0, "week": 0.0, "month": 0.0, "year": 0.0, "timezone": "UTC"}


def test_energy_is_for_operators_only(driver_api, chargepoint):
    assert APIClient().get(f"{detail('CP-TEST-1')}energy/").status_code == 401
    assert driver_api.get(f"{detail('CP-TEST-1')}energy/").status_code == 403

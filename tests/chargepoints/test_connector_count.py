"""Issue 16: a charge point's connector_count follows what the charger reports.

It is never below the connectors the charger has shown, follows the count
the charger gives of itself (1.6 NumberOfConnectors, 2.0.1 EVSE and
Connector components of its device model), and costs nothing per frame.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chargepoints.models import ChargePoint
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.command_helpers import ScriptedCharger, command_issue
from tests.ocpp_gateway.helpers import Wire

T0 = "2025-03-01T10:00:00Z"


def status16(connector_id: int, status: str = "Available") -> dict:
    return {"connectorId": connector_id, "errorCode": "NoError", "status": status}


def status201(evse_id: int, connector_id: int = 1) -> dict:
    return {
        "timestamp": T0,
        "connectorStatus": "Available",
        "evseId": evse_id,
        "connectorId": connector_id,
    }


def count(chargepoint) -> int:
    return ChargePoint.objects.get(pk=chargepoint.pk).connector_count


@pytest.fixture
def wire16(chargepoint) -> Wire:
    return Wire(ChargePoint16, chargepoint.pk)


@pytest.fixture
def wire201(chargepoint) -> Wire:
    return Wire(ChargePoint201, chargepoint.pk)


def test_a_two_connector_16_station_counts_two(wire16, chargepoint):
    # Connector 0 is the charger itself (OCPP 1.6 §4.9), not an outlet.
    for connector_id in (0, 1, 2):
        assert wire16.result("StatusNotification", status16(connector_id), f"s{connector_id}") == {}

    assert count(chargepoint) == 2


def test_a_201_station_with_two_evses_counts_two(wire201, chargepoint):
    wire201.result("StatusNotification", status201(1), "s1")
    wire201.result("StatusNotification", status201(2), "s2")

    assert count(chargepoint) == 2


def test_a_transaction_on_a_connector_not_seen_before_counts_it(wire16, chargepoint):
    wire16.result("StatusNotification", status16(1), "s1")
    wire16.result(
        "StartTransaction",
        {"connectorId": 3, "idTag": "TAG1", "meterStart": 0, "timestamp": T0},
        "start",
    )

    assert count(chargepoint) == 2


def test_a_count_set_higher_by_hand_is_kept_by_what_is_seen(wire16, chargepoint):
    chargepoint.connector_count = 4
    chargepoint.save()

    wire16.result("StatusNotification", status16(1), "s1")
    wire16.result("StatusNotification", status16(2), "s2")

    assert count(chargepoint) == 4


def test_reports_about_a_known_connector_never_touch_the_count(wire16, chargepoint):
    # docs/architecture.md rule 10: the count is kept when a connector is
    # created or a report arrives, not on every frame.
    wire16.result("StatusNotification", status16(1), "s1")

    with CaptureQueriesContext(connection) as queries:
        wire16.result("StatusNotification", status16(1, "Preparing"), "s2")

    assert not [q["sql"] for q in queries if "connector_count" in q["sql"]]


@pytest.fixture
def online16(chargepoint) -> ChargePoint:
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


def get_configuration(chargepoint, keys: list[dict]):
    charger = ScriptedCharger(ChargePoint16, chargepoint.pk)
    command = command_issue(ChargePoint.objects.get(pk=chargepoint.pk), "get_configuration", {})
    charger.command(command, {"configurationKey": keys})
    return command


def test_the_16_number_of_connectors_sets_the_count(online16):
    get_configuration(
        online16,
        [
            {"key": "NumberOfConnectors", "readonly": True, "value": "3"},
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        ],
    )

    assert count(online16) == 3


def test_the_16_number_of_connectors_corrects_a_count_set_too_high(online16):
    online16.connector_count = 4
    online16.save()

    get_configuration(online16, [{"key": "NumberOfConnectors", "readonly": True, "value": "2"}])

    assert count(online16) == 2


def test_the_16_number_of_connectors_never_goes_below_the_connectors_seen(online16, wire16):
    for connector_id in (1, 2, 3):
        wire16.result("StatusNotification", status16(connector_id), f"s{connector_id}")

    get_configuration(online16, [{"key": "NumberOfConnectors", "readonly": True, "value": "1"}])

    assert count(online16) == 3


@pytest.mark.parametrize("value", ["two", "0", "-1", ""])
def test_a_16_number_of_connectors_that_is_no_count_is_ignored(online16, value):
    command = get_configuration(
        online16, [{"key": "NumberOfConnectors", "readonly": True, "value": value}]
    )

    assert command.status == "accepted"
    assert count(online16) == 1


def component(name: str, evse_id: int | None = None, connector_id: int | None = None) -> dict:
    found = {"name": name}
    if evse_id is not None:
        found["evse"] = {"id": evse_id}
        if connector_id is not None:
            found["evse"]["connectorId"] = connector_id
    return found


def report_item(name: str, variable: str, value: str, **address) -> dict:
    return {
        "component": component(name, **address),
        "variable": {"name": variable},
        "variableAttribute": [{"type": "Actual", "value": value, "mutability": "ReadOnly"}],
    }


def notify_report(items: list[dict], seq_no: int = 0, tbc: bool = False) -> dict:
    payload = {"requestId": 1, "generatedAt": T0, "seqNo": seq_no, "reportData": items}
    if tbc:
        payload["tbc"] = True
    return payload


def test_a_201_device_model_report_counts_its_connectors(wire201, chargepoint):
    items = [
        report_item("ChargingStation", "Model", "Wallbox"),
        report_item("EVSE", "Power", "22000", evse_id=1),
        report_item("EVSE", "Power", "22000", evse_id=2),
        report_item("Connector", "ConnectorType", "cType2", evse_id=1, connector_id=1),
        # An EVSE with two connectors (one used at a time) has two outlets.
        report_item("Connector", "ConnectorType", "cCCS2", evse_id=2, connector_id=1),
        report_item("Connector", "ConnectorType", "cCCS1", evse_id=2, connector_id=2),
    ]

    assert wire201.result("NotifyReport", notify_report(items)) == {}

    assert count(chargepoint) == 3


def test_a_201_report_in_parts_never_lowers_the_count(wire201, chargepoint):
    first = [
        report_item("EVSE", "Power", "11000", evse_id=1),
        report_item("EVSE", "Power", "11000", evse_id=2),
    ]
    second = [report_item("Connector", "ConnectorType", "cType2", evse_id=2, connector_id=1)]

    wire201.result("NotifyReport", notify_report(first, seq_no=0, tbc=True), "r0")
    wire201.result("NotifyReport", notify_report(second, seq_no=1), "r1")

    assert count(chargepoint) == 2

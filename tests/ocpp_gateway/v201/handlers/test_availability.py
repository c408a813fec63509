"""OCPP 2.0.1 block G Availability: StatusNotification."""

from chargepoints.models import Connector, StatusNotification
from tests.ocpp_gateway.v201.handlers.helpers import CHARGEPOINT_ID, T0, T1, utc


def status(connector_status: str, timestamp: str = T0, evse_id: int = 1) -> dict:
    return {
        "timestamp": timestamp,
        "connectorStatus": connector_status,
        "evseId": evse_id,
        "connectorId": 1,
    }


def test_it_creates_the_evse_connector_on_its_first_status_report(wire):
    wire.result("StatusNotification", status("Occupied"))

    connector = Connector.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (connector.connectorid, connector.evse_id, connector.evse_connector_id) == (1, 1, 1)
    assert connector.connector_status == "Occupied"
    assert connector.status == "Occupied"
    assert connector.status_timestamp == utc(T0)
    report = StatusNotification.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (report.connector, report.evse_id, report.status_reported, report.timestamp) == (
        connector,
        1,
        "Occupied",
        utc(T0),
    )


def test_it_keeps_every_status_report_on_the_same_connector(wire):
    wire.result("StatusNotification", status("Available", T0), unique_id="1")
    wire.result("StatusNotification", status("Occupied", T1), unique_id="2")

    connector = Connector.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert connector.connector_status == "Occupied"
    assert StatusNotification.objects.filter(connector=connector).count() == 2


def test_it_keeps_an_older_status_report_without_letting_it_overwrite_a_newer_one(wire):
    wire.result("StatusNotification", status("Occupied", T1), unique_id="1")
    wire.result("StatusNotification", status("Available", T0), unique_id="2")

    assert Connector.objects.get(chargepoint_id=CHARGEPOINT_ID).connector_status == "Occupied"
    assert StatusNotification.objects.count() == 2


def test_it_numbers_a_second_evse_as_a_second_connector(wire):
    wire.result("StatusNotification", status("Available", evse_id=1), unique_id="1")
    wire.result("StatusNotification", status("Faulted", evse_id=2), unique_id="2")

    connectors = Connector.objects.filter(chargepoint_id=CHARGEPOINT_ID).order_by("connectorid")
    assert [(c.connectorid, c.evse_id, c.status) for c in connectors] == [
        (1, 1, "Available"),
        (2, 2, "Faulted"),
    ]

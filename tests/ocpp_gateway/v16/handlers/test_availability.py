"""OCPP 1.6J StatusNotification (Core; 2.0.1 block G)."""

from django.utils import timezone

from chargepoints.models import Connector, StatusNotification
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v16.handlers.helpers import T0, T1, T2, call, utc


def status(wire: Wire, status_: str, *, connector_id=1, unique_id="sn", **optional) -> None:
    payload = {"connectorId": connector_id, "errorCode": "NoError", "status": status_, **optional}
    assert call(wire, "StatusNotification", payload, unique_id) == [3, unique_id, {}]


def test_it_keeps_a_connectors_status_as_reported_and_normalised(wire, connector):
    status(
        wire,
        "Charging",
        timestamp=T0,
        info="cable locked",
        vendorId="com.alfen",
        vendorErrorCode="E0",
    )

    connector.refresh_from_db()
    assert connector.connector_status == "Charging"
    assert connector.status == "Occupied"
    assert connector.error_code == "NoError"
    assert connector.status_timestamp == utc(T0)
    report = StatusNotification.objects.get()
    assert report.connector == connector
    assert (report.status_reported, report.error_code, report.timestamp) == (
        "Charging",
        "NoError",
        utc(T0),
    )
    assert (report.info, report.vendor_id, report.vendor_error_code) == (
        "cable locked",
        "com.alfen",
        "E0",
    )


def test_it_keeps_the_error_a_connector_reports(wire, connector):
    call(
        wire,
        "StatusNotification",
        {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted", "timestamp": T0},
        "sn-1",
    )

    connector.refresh_from_db()
    assert (connector.connector_status, connector.status, connector.error_code) == (
        "Faulted",
        "Faulted",
        "GroundFailure",
    )


def test_it_creates_a_connector_on_its_first_status_report(wire, chargepoint):
    status(wire, "Available", connector_id=2, timestamp=T0)

    connector = Connector.objects.get(chargepoint=chargepoint, connectorid=2)
    assert (connector.connector_status, connector.status) == ("Available", "Available")


def test_it_takes_connector_0_as_the_whole_charger(wire, chargepoint):
    status(wire, "Unavailable", connector_id=0, timestamp=T0)

    chargepoint.refresh_from_db()
    assert (chargepoint.chargepoint_status, chargepoint.status) == ("Unavailable", "Unavailable")
    assert not Connector.objects.exists()
    assert StatusNotification.objects.get().connector is None


def test_it_uses_the_reception_time_when_a_status_has_none(wire, connector):
    before = timezone.now()

    status(wire, "Preparing")

    connector.refresh_from_db()
    assert before <= connector.status_timestamp <= timezone.now()
    assert StatusNotification.objects.get().timestamp == connector.status_timestamp


def test_it_keeps_an_older_status_in_history_without_making_it_current(wire, connector):
    status(wire, "Charging", timestamp=T2, unique_id="sn-1")

    # Replayed after an outage: a report older than the one in force.
    status(wire, "Available", timestamp=T1, unique_id="sn-2")

    connector.refresh_from_db()
    assert (connector.connector_status, connector.status) == ("Charging", "Occupied")
    assert connector.status_timestamp == utc(T2)
    history = StatusNotification.objects.filter(connector=connector).order_by("timestamp")
    assert [(r.status_reported, r.timestamp) for r in history] == [
        ("Available", utc(T1)),
        ("Charging", utc(T2)),
    ]


def test_it_makes_a_newer_status_current(wire, connector):
    status(wire, "Charging", timestamp=T1, unique_id="sn-1")

    status(wire, "Finishing", timestamp=T2, unique_id="sn-2")

    connector.refresh_from_db()
    assert (connector.connector_status, connector.status) == ("Finishing", "Occupied")
    assert StatusNotification.objects.filter(connector=connector).count() == 2


def test_it_does_not_let_an_older_charger_status_overwrite_a_newer_one(wire, chargepoint):
    status(wire, "Available", connector_id=0, timestamp=T2, unique_id="sn-1")

    status(wire, "Unavailable", connector_id=0, timestamp=T1, unique_id="sn-2")

    chargepoint.refresh_from_db()
    assert chargepoint.chargepoint_status == "Available"

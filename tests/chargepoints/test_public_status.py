"""One public status per connector (issue 18, finding 4): REST and OCPI tell the same.

The status an app reads combines the charger's connection, its availability
and connector 0, the connector's own availability and last report, an open
transaction and an active reservation (chargepoints/status_selectors.py).
"""

import datetime
import itertools

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chargepoints.enums import (
    AvailabilityType,
    ChargePointStatus,
    NormalizedStatus,
    PublicStatus,
    ReservationStatus,
    TransactionStatus,
)
from chargepoints.models import ChargePoint, Connector, Reservation, Transaction
from chargepoints.status_selectors import (
    connector_public_status,
    connectors_with_activity,
    public_status_expression,
)
from tests.billing.ocpi.conftest import TOKEN_C, Partner, registered_partner
from tests.rights import OPERATORS, user_in_group
from tests.tokens import api_as

CHARGER = "/api/v1/charge-points/CP-TEST-1/"
CONNECTORS = "/api/v1/charge-points/CP-TEST-1/connectors/"
T0 = datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)


@pytest.fixture
def online(chargepoint, connector):
    """A connected charger whose connector said Available."""
    chargepoint.connected = True
    chargepoint.status = NormalizedStatus.AVAILABLE
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.last_heartbeat = T0 + datetime.timedelta(minutes=5)
    chargepoint.save()
    connector.status = NormalizedStatus.AVAILABLE
    connector.connector_status = ChargePointStatus.AVAILABLE
    connector.status_timestamp = T0
    connector.save()
    return chargepoint


@pytest.fixture
def emsp(db):
    registered_partner("Roaming eMSP", "NL", "EMS", ("their-token-b", TOKEN_C), "emsp.example")
    return Partner(TOKEN_C)


def rest_connector() -> dict:
    return APIClient().get(CONNECTORS).json()["results"][0]


def ocpi_evse_status(emsp) -> str:
    [location] = emsp.get("/ocpi/2.2.1/locations").json()["data"]
    [evse] = location["evses"]
    return evse["status"]


def both(emsp) -> tuple[str, str, str]:
    """(REST connector status, REST charge point status, OCPI EVSE status)."""
    return (
        rest_connector()["status"],
        APIClient().get(CHARGER).json()["status"],
        ocpi_evse_status(emsp),
    )


def test_a_connected_charger_that_reported_is_available_and_says_when(online, emsp):
    assert both(emsp) == ("AVAILABLE", "AVAILABLE", "AVAILABLE")
    shown = rest_connector()
    # The heartbeat after the report confirms it.
    assert shown["status_confirmed_at"] == "2026-03-01T10:05:00Z"
    assert APIClient().get(CHARGER).json()["status_confirmed_at"] == "2026-03-01T10:05:00Z"


def test_an_offline_charger_is_unknown_though_its_connector_said_available(online, emsp):
    ChargePoint.objects.filter(pk=online.pk).update(connected=False)

    assert both(emsp) == ("UNKNOWN", "UNKNOWN", "UNKNOWN")


def test_a_charger_set_inoperative_makes_every_connector_inoperative(online, emsp):
    ChargePoint.objects.filter(pk=online.pk).update(
        availability_status=AvailabilityType.INOPERATIVE
    )

    assert both(emsp) == ("INOPERATIVE", "INOPERATIVE", "INOPERATIVE")


def test_a_connector_set_inoperative_is_inoperative(online, connector, emsp):
    Connector.objects.filter(pk=connector.pk).update(
        availability_status=AvailabilityType.INOPERATIVE
    )

    assert both(emsp) == ("INOPERATIVE", "INOPERATIVE", "INOPERATIVE")


def test_a_faulted_charger_or_connector_is_out_of_order(online, connector, emsp):
    Connector.objects.filter(pk=connector.pk).update(status=NormalizedStatus.FAULTED)
    assert both(emsp) == ("OUTOFORDER", "OUTOFORDER", "OUTOFORDER")

    Connector.objects.filter(pk=connector.pk).update(status=NormalizedStatus.AVAILABLE)
    ChargePoint.objects.filter(pk=online.pk).update(status=NormalizedStatus.FAULTED)
    assert both(emsp) == ("OUTOFORDER", "OUTOFORDER", "OUTOFORDER")


def test_an_open_transaction_is_charging_though_the_last_report_said_available(
    online, connector, emsp
):
    # A 2.0.1 charger reports Occupied at most, and some report nothing.
    Transaction.objects.create(
        chargepoint=online, connector=connector, start_transaction_timestamp=timezone.now()
    )

    assert both(emsp) == ("CHARGING", "CHARGING", "CHARGING")


def test_an_active_reservation_is_reserved_and_an_expired_one_is_not(online, connector, emsp):
    now = timezone.now()
    reservation = Reservation.objects.create(
        reservation_id=7,
        chargepoint=online,
        connector=connector,
        start_time=now - datetime.timedelta(minutes=1),
        expiry_date=now + datetime.timedelta(minutes=14),
    )
    assert both(emsp) == ("RESERVED", "RESERVED", "RESERVED")

    Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.EXPIRED)
    assert both(emsp) == ("AVAILABLE", "AVAILABLE", "AVAILABLE")


def test_the_charge_point_is_available_while_one_connector_is(online, connector, emsp):
    Connector.objects.create(chargepoint=online, connectorid=2, status=NormalizedStatus.OCCUPIED)

    statuses = [c["status"] for c in APIClient().get(CONNECTORS).json()["results"]]

    assert statuses == ["AVAILABLE", "CHARGING"]
    assert APIClient().get(CHARGER).json()["status"] == "AVAILABLE"


def test_a_connected_charger_without_connector_reports_speaks_for_them(online, connector):
    Connector.objects.filter(pk=connector.pk).update(status=NormalizedStatus.UNKNOWN)

    assert rest_connector()["status"] == "AVAILABLE"
    assert APIClient().get(CHARGER).json()["status"] == "AVAILABLE"


def test_operators_still_read_what_the_charger_said(online, connector):
    operator = user_in_group(OPERATORS, username="operator")
    body = api_as(operator).get(CHARGER).json()

    assert body["connectors"][0]["ocpp_status"] == "Available"
    assert body["ocpp_status"] == "Unknown"
    assert "ocpp_status" not in APIClient().get(CHARGER).json()["connectors"][0]


def test_the_status_filters_use_the_public_status(online, connector):
    Transaction.objects.create(
        chargepoint=online, connector=connector, start_transaction_timestamp=timezone.now()
    )
    Connector.objects.create(chargepoint=online, connectorid=2, status=NormalizedStatus.AVAILABLE)

    charging = APIClient().get(CONNECTORS, {"status": "CHARGING"}).json()["results"]
    available = APIClient().get("/api/v1/charge-points/", {"status": "AVAILABLE"}).json()

    assert [c["connector_id"] for c in charging] == [1]
    assert [c["chargepoint_id"] for c in available["results"]] == ["CP-TEST-1"]
    assert APIClient().get("/api/v1/charge-points/", {"status": "CHARGING"}).json()["results"] == []


@pytest.mark.django_db
def test_the_database_rule_and_the_python_rule_agree(location):
    """Every combination of what decides the status, through both rules."""
    now = timezone.now()
    cases = itertools.product(
        [True, False],  # connected
        [NormalizedStatus.AVAILABLE, NormalizedStatus.FAULTED, NormalizedStatus.UNKNOWN],
        [AvailabilityType.OPERATIVE, AvailabilityType.INOPERATIVE],  # charger
        NormalizedStatus.values,  # connector
        [AvailabilityType.OPERATIVE, AvailabilityType.INOPERATIVE],  # connector
        [False, True],  # open transaction
        [False, True],  # reservation
    )
    for number, (connected, cp_status, cp_av, c_status, c_av, tx, reserved) in enumerate(cases):
        charger = ChargePoint.objects.create(
            chargepoint_id=f"CP-{number}",
            location=location,
            connected=connected,
            status=cp_status,
            availability_status=cp_av,
        )
        connector = Connector.objects.create(
            chargepoint=charger, connectorid=1, status=c_status, availability_status=c_av
        )
        if tx:
            Transaction.objects.create(
                chargepoint=charger,
                connector=connector,
                start_transaction_timestamp=now,
                transaction_status=TransactionStatus.ACTIVE,
            )
        if reserved:
            Reservation.objects.create(
                reservation_id=number + 1,
                chargepoint=charger,
                start_time=now,
                expiry_date=now + datetime.timedelta(hours=1),
            )
    rows = connectors_with_activity(
        Connector.objects.select_related("chargepoint").annotate(
            in_database=public_status_expression()
        )
    )
    seen = set()
    for row in rows:
        assert row.in_database == connector_public_status(row).status, row
        seen.add(row.in_database)
    assert seen == set(PublicStatus.values) - {"BLOCKED", "PLANNED", "REMOVED"}

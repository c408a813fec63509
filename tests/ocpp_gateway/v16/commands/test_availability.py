"""OCPP 1.6 ChangeAvailability (Core; 2.0.1 block G Availability)."""

import pytest

from chargepoints.enums import CommandStatus
from chargepoints.models import ChargePoint, Connector
from tests.ocpp_gateway.v16.commands.helpers import ACCEPTED, REJECTED, assert_answer, assert_frame


@pytest.fixture
def two_connectors(online, connector) -> tuple[Connector, Connector]:
    return connector, Connector.objects.create(chargepoint=online, connectorid=2)


def availability(chargepoint: ChargePoint) -> tuple[str, list[str]]:
    """The charger's availability and its connectors', in connector order."""
    chargepoint.refresh_from_db()
    connectors = chargepoint.connectors.order_by("connectorid")
    return chargepoint.availability_status, [c.availability_status for c in connectors]


@pytest.mark.parametrize("answer", [ACCEPTED, {"status": "Scheduled"}])
def test_it_takes_the_whole_charger_out_of_service_with_connector_0(
    exchange, online, two_connectors, answer
):
    # OCPP 1.6 §5.2: connector 0 is the charge point and every connector on it.
    command, sent = exchange(
        "change_availability", {"type": "Inoperative", "connector_id": 0}, answer
    )
    assert_frame(command, sent, "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
    assert_answer(command, CommandStatus.ACCEPTED, answer)
    assert availability(online) == ("Inoperative", ["Inoperative", "Inoperative"])


def test_it_takes_one_connector_out_of_service(exchange, online, two_connectors):
    command, sent = exchange("change_availability", {"type": "unavailable", "connector_id": 2})
    assert_frame(command, sent, "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert command.connector == two_connectors[1]
    assert availability(online) == ("Operative", ["Operative", "Inoperative"])


@pytest.mark.parametrize("connector_id", [0, 2])
def test_it_changes_no_availability_when_refused(exchange, online, two_connectors, connector_id):
    command, _ = exchange(
        "change_availability", {"type": "Inoperative", "connector_id": connector_id}, REJECTED
    )
    assert_answer(command, CommandStatus.REJECTED, REJECTED)
    assert availability(online) == ("Operative", ["Operative", "Operative"])

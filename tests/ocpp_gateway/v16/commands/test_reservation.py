"""OCPP 1.6 Reservation profile (2.0.1 block H): ReserveNow, CancelReservation."""

import pytest
from django.utils import timezone

from accounts.models import IdTag
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandStatus, ReservationStatus
from chargepoints.models import Command, Reservation
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v16.commands.helpers import (
    ACCEPTED,
    REJECTED,
    T_RESERVATION_EXPIRY,
    assert_answer,
    assert_fields,
    assert_frame,
    utc,
)


@pytest.mark.parametrize("connector_id, wire_connector", [(1, 1), (None, 0)])
def test_it_reserves_and_records_an_active_reservation(
    exchange, online, connector, tag, driver, connector_id, wire_connector
):
    params = {"id_tag": "TAG-0001", "expiry_date": T_RESERVATION_EXPIRY}
    if connector_id is not None:
        params["connector_id"] = connector_id
    command, sent = exchange("reserve_now", params)
    assert_frame(
        command,
        sent,
        "ReserveNow",
        {
            "connectorId": wire_connector,
            "expiryDate": T_RESERVATION_EXPIRY,
            "idTag": "TAG-0001",
            "reservationId": command.request_id,
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert_fields(
        Reservation.objects.get(),
        reservation_id=command.request_id,
        chargepoint=online,
        connector=connector if connector_id else None,
        id_tag=tag,
        user=driver,
        status=ReservationStatus.ACTIVE,
        expiry_date=utc(T_RESERVATION_EXPIRY),
    )


def test_it_reserves_for_a_group_with_the_parent_tag(exchange, connector):
    parent = IdTag.objects.create(idToken="FLEET-1")
    IdTag.objects.create(idToken="DRIVER-7", parent_id_tag=parent)
    _, sent = exchange(
        "reserve_now",
        {"id_tag": "DRIVER-7", "expiry_date": T_RESERVATION_EXPIRY, "connector_id": 1},
    )
    assert sent[3]["parentIdTag"] == "FLEET-1"
    assert Reservation.objects.get().id_tag_id == "DRIVER-7"


@pytest.mark.parametrize("refusal", ["Occupied", "Faulted", "Unavailable", "Rejected"])
def test_it_records_no_reservation_when_refused(exchange, connector, tag, refusal):
    command, _ = exchange(
        "reserve_now",
        {"id_tag": "TAG-0001", "expiry_date": T_RESERVATION_EXPIRY, "connector_id": 1},
        {"status": refusal},
    )
    assert_answer(command, CommandStatus.REJECTED, {"status": refusal})
    assert not Reservation.objects.exists()


@pytest.fixture
def reservation(online, connector, tag) -> Reservation:
    return Reservation.objects.create(
        reservation_id=4711,
        chargepoint=online,
        connector=connector,
        id_tag=tag,
        start_time=timezone.now(),
        expiry_date=utc(T_RESERVATION_EXPIRY),
    )


@pytest.mark.parametrize(
    "answer, status, left",
    [
        (ACCEPTED, CommandStatus.ACCEPTED, ReservationStatus.CANCELED),
        (REJECTED, CommandStatus.REJECTED, ReservationStatus.ACTIVE),
    ],
)
def test_it_cancels_a_reservation(exchange, reservation, answer, status, left):
    command, sent = exchange("cancel_reservation", {"reservation_id": 4711}, answer)
    assert_frame(command, sent, "CancelReservation", {"reservationId": 4711})
    assert_answer(command, status, answer)
    assert_fields(reservation, status=left)


def test_it_refuses_to_cancel_a_reservation_that_is_not_active(online, reservation):
    Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.CANCELED)
    with pytest.raises(CommandInvalid) as refused:
        command_issue(online, "cancel_reservation", {"reservation_id": 4711})
    assert list(refused.value.errors) == ["reservation_id"]
    assert Command.objects.count() == 0

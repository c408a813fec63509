"""OCPP 2.0.1 block H Reservation: ReserveNow, CancelReservation."""

import datetime

import pytest
from django.utils import timezone

from chargepoints.enums import CommandStatus, ReservationStatus
from chargepoints.models import Reservation
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import iso, refused


def test_it_reserves_an_evse_for_a_driver(online, evse, rfid, driver, charger):
    expiry = (timezone.now() + datetime.timedelta(hours=1)).replace(microsecond=0)
    command = command_issue(
        online, "reserve_now", {"id_tag": "rfid-0042", "expiry_date": expiry, "connector_id": 1}
    )

    sent = charger.command(command, {"status": "Accepted"})

    reservation_id = command.request_id
    assert sent == [
        2,
        command.message_id,
        "ReserveNow",
        {
            "id": reservation_id,
            "expiryDateTime": iso(expiry),
            "idToken": {"idToken": "RFID-0042", "type": "ISO14443"},
            "evseId": 1,
            "groupIdToken": {"idToken": "FAMILY", "type": "Central"},
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    reservation = Reservation.objects.get(reservation_id=reservation_id)
    assert reservation.status == ReservationStatus.ACTIVE
    assert reservation.chargepoint == online
    assert reservation.connector == evse
    assert reservation.id_tag == rfid
    assert reservation.user == driver
    assert reservation.expiry_date == expiry


def test_it_reserves_any_evse_when_none_is_named(online, evse, rfid, charger):
    expiry = (timezone.now() + datetime.timedelta(hours=1)).replace(microsecond=0)
    command = command_issue(online, "reserve_now", {"id_tag": "RFID-0042", "expiry_date": expiry})

    sent = charger.command(command, {"status": "Accepted"})

    assert "evseId" not in sent[3]
    assert Reservation.objects.get(reservation_id=command.request_id).connector is None


def test_it_makes_no_reservation_the_charger_refused(online, evse, rfid, charger):
    expiry = timezone.now() + datetime.timedelta(hours=1)
    command = command_issue(
        online, "reserve_now", {"id_tag": "RFID-0042", "expiry_date": expiry, "connector_id": 1}
    )

    charger.command(command, {"status": "Occupied"})

    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "Occupied"}
    assert not Reservation.objects.exists()


def test_it_refuses_to_reserve_for_an_unknown_tag(online, evse):
    expiry = timezone.now() + datetime.timedelta(hours=1)

    errors = refused(online, "reserve_now", {"id_tag": "NOBODY", "expiry_date": expiry})

    assert list(errors) == ["id_tag"]


@pytest.fixture
def reservation(online, evse, rfid) -> Reservation:
    now = timezone.now()
    return Reservation.objects.create(
        reservation_id=77,
        chargepoint=online,
        connector=evse,
        id_tag=rfid,
        start_time=now,
        expiry_date=now + datetime.timedelta(hours=1),
    )


@pytest.mark.parametrize(
    "answer, status, reservation_status",
    [
        ("Accepted", CommandStatus.ACCEPTED, ReservationStatus.CANCELED),
        ("Rejected", CommandStatus.REJECTED, ReservationStatus.ACTIVE),
    ],
)
def test_it_cancels_a_reservation(online, reservation, charger, answer, status, reservation_status):
    command = command_issue(online, "cancel_reservation", {"reservation_id": 77})

    sent = charger.command(command, {"status": answer})

    assert sent == [2, command.message_id, "CancelReservation", {"reservationId": 77}]
    assert command.status == status
    assert command.request_id == 77
    reservation.refresh_from_db()
    assert reservation.status == reservation_status


def test_it_refuses_to_cancel_a_reservation_that_is_not_active(online, reservation):
    Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.CANCELED)

    errors = refused(online, "cancel_reservation", {"reservation_id": 77})

    assert list(errors) == ["reservation_id"]

"""OCPP 2.0.1 block H Reservation: ReservationStatusUpdate."""

import datetime

import pytest

from chargepoints.enums import ChargerEventKind, ReservationStatus
from chargepoints.models import ChargerEvent, Reservation
from tests.ocpp_gateway.v201.handlers.helpers import REQUESTS


@pytest.mark.parametrize(
    ("update", "status"),
    [("Expired", ReservationStatus.EXPIRED), ("Removed", ReservationStatus.CANCELED)],
)
def test_it_ends_a_reservation_the_charger_reports_ended(wire, chargepoint, now, update, status):
    reservation = Reservation.objects.create(
        reservation_id=42,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(minutes=30),
    )

    payload = {"reservationId": 42, "reservationUpdateStatus": update}
    assert wire.result("ReservationStatusUpdate", payload) == {}

    reservation.refresh_from_db()
    assert reservation.status == status
    event = ChargerEvent.objects.get(kind=ChargerEventKind.RESERVATION_STATUS)
    assert (event.status, event.payload) == (update, payload)


def test_it_leaves_a_completed_reservation_alone(wire, chargepoint, now):
    reservation = Reservation.objects.create(
        reservation_id=42,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(minutes=30),
        status=ReservationStatus.COMPLETED,
    )

    wire.result("ReservationStatusUpdate", REQUESTS["ReservationStatusUpdate"])

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED

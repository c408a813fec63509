from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from accounts.models import IdTag
from chargepoints.enums import ChargePointStatus
from chargepoints.models import (
    ChargePoint,
    ChargerEvent,
    ChargingProfile,
    ChargingSession,
    ConfigurationVariable,
    Connector,
    Heartbeat,
    Location,
    Reservation,
    SampledValue,
    StatusNotification,
    Transaction,
)
from ocpp_gateway.models import OCPPMessage


def test_a_second_connector_with_the_same_id_on_one_charge_point_is_refused(connector):
    with pytest.raises(IntegrityError), transaction.atomic():
        Connector.objects.create(chargepoint=connector.chargepoint, connectorid=1)
    assert Connector.objects.filter(chargepoint=connector.chargepoint).count() == 1


def test_the_same_connector_id_on_two_charge_points_is_fine(connector, location):
    other = ChargePoint.objects.create(chargepoint_id="CP-TEST-2", location=location)
    Connector.objects.create(chargepoint=other, connectorid=1)
    assert Connector.objects.filter(connectorid=1).count() == 2


def test_an_evse_connector_is_unique_per_charge_point(chargepoint):
    Connector.objects.create(chargepoint=chargepoint, connectorid=1, evse_id=1, evse_connector_id=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Connector.objects.create(
            chargepoint=chargepoint, connectorid=2, evse_id=1, evse_connector_id=1
        )


def test_a_new_connector_reports_unknown_status_until_the_charger_speaks(connector):
    assert connector.connector_status == ChargePointStatus.UNKNOWN
    assert connector.availability_status == "Operative"


@pytest.mark.parametrize(
    "chargepoint_id", ["DE*BMW*ETEST1234567890AB", "CP-1", "äöü#1:2", "with space", "x" * 48]
)
def test_charge_point_ids_may_hold_any_printable_character(chargepoint_id, location):
    ChargePoint(chargepoint_id=chargepoint_id, location=location).full_clean()


@pytest.mark.parametrize("chargepoint_id", ["a/b", "tab\there", "new\nline", "x" * 49])
def test_charge_point_ids_refuse_slashes_control_characters_and_length(chargepoint_id):
    with pytest.raises(ValidationError) as exc:
        ChargePoint(chargepoint_id=chargepoint_id).full_clean()
    assert "chargepoint_id" in exc.value.message_dict


def _reported_history(chargepoint, connector, now):
    ChargerEvent.objects.create(
        chargepoint=chargepoint, kind="SECURITY_EVENT", status="ResetOrReboot", timestamp=now
    )
    Reservation.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        reservation_id=7,
        start_time=now,
        expiry_date=now + timedelta(minutes=10),
    )
    ChargingProfile.objects.create(
        chargingprofile_id=1,
        name="Night",
        chargepoint=chargepoint,
        chargingprofile_purpose="TxDefaultProfile",
    )
    ChargingSession.objects.create(chargepoint=chargepoint, connector=connector)
    StatusNotification.objects.create(
        chargepoint=chargepoint, connector=connector, status_reported="Available", timestamp=now
    )
    Heartbeat.objects.create(chargepoint=chargepoint, timestamp=now)
    SampledValue.objects.create(chargepoint=chargepoint, timestamp=now, value="12.5")
    ConfigurationVariable.objects.create(
        chargepoint=chargepoint, component="ChargingStation", variable="StatusLedBrightness"
    )
    OCPPMessage.objects.create(
        chargepoint=chargepoint,
        message_id="boot-001",
        direction="INBOUND",
        message_type=2,
        action="BootNotification",
        payload={},
    )


def test_deleting_a_charge_point_removes_its_connectors_and_history(connector, now):
    chargepoint = connector.chargepoint
    _reported_history(chargepoint, connector, now)

    chargepoint.delete()

    assert not Connector.objects.exists()
    assert not StatusNotification.objects.exists()
    assert not Heartbeat.objects.exists()
    assert not SampledValue.objects.exists()
    assert not ConfigurationVariable.objects.exists()
    assert not OCPPMessage.objects.exists()
    assert not ChargerEvent.objects.exists()
    assert not Reservation.objects.exists()
    assert not ChargingProfile.objects.exists()
    assert not ChargingSession.objects.exists()
    assert Location.objects.count() == 1, "the location stays"


def test_a_charge_point_with_transactions_cannot_be_deleted(connector, now):
    chargepoint = connector.chargepoint
    Transaction.objects.create(
        chargepoint=chargepoint, connector=connector, start_transaction_timestamp=now
    )
    with pytest.raises(ProtectedError):
        chargepoint.delete()
    assert ChargePoint.objects.filter(pk=chargepoint.pk).exists()
    assert Connector.objects.filter(pk=connector.pk).exists()


def test_deleting_a_location_keeps_its_charge_points_unplaced(chargepoint):
    chargepoint.location.delete()
    chargepoint.refresh_from_db()
    assert chargepoint.location is None


def test_two_transactions_without_a_charger_id_do_not_collide(connector, now):
    for _ in range(2):
        Transaction.objects.create(
            chargepoint=connector.chargepoint, connector=connector, start_transaction_timestamp=now
        )
    assert Transaction.objects.count() == 2


def test_a_charger_transaction_id_is_unique_per_charge_point(connector, location, now):
    Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        charger_transaction_id="tx-1",
        start_transaction_timestamp=now,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            chargepoint=connector.chargepoint,
            connector=connector,
            charger_transaction_id="tx-1",
            start_transaction_timestamp=now,
        )
    other = ChargePoint.objects.create(chargepoint_id="CP-OTHER", location=location)
    Transaction.objects.create(
        chargepoint=other, charger_transaction_id="tx-1", start_transaction_timestamp=now
    )


def test_transaction_energy_is_meter_stop_minus_meter_start(connector, now):
    tx = Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        start_transaction_timestamp=now,
        wh_meter_start=12500,
        wh_meter_last=14000,
    )
    assert tx.energy_wh == 1500
    tx.wh_meter_stop = 15250
    assert tx.energy_wh == 2750


def test_an_id_tag_used_by_a_transaction_cannot_be_deleted(connector, now):
    tag = IdTag.objects.create(idToken="RFID-1")
    Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        id_tag=tag,
        start_transaction_timestamp=now,
    )
    with pytest.raises(ProtectedError):
        tag.delete()


def test_a_reservation_must_end_after_it_starts(chargepoint, now):
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(
            chargepoint=chargepoint, reservation_id=1, start_time=now, expiry_date=now
        )


@pytest.mark.parametrize(
    "coordinates",
    [
        {"latitude": "91", "longitude": "0"},
        {"latitude": "0", "longitude": "-181"},
        {"latitude": "north", "longitude": "0"},
        {"lat": "1", "lng": "2"},
        ["52.5", "13.4"],
    ],
)
def test_location_coordinates_must_be_an_ocpi_geolocation(location, coordinates):
    location.coordinates = coordinates
    with pytest.raises(ValidationError) as exc:
        location.full_clean()
    assert "coordinates" in exc.value.message_dict


def test_configuration_variables_are_unique_per_component_variable_and_attribute(chargepoint):
    ConfigurationVariable.objects.create(
        chargepoint=chargepoint, component="ChargingStation", variable="StatusLedBrightness"
    )
    ConfigurationVariable.objects.create(
        chargepoint=chargepoint,
        component="ChargingStation",
        variable="StatusLedBrightness",
        attribute_type="MaxSet",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ConfigurationVariable.objects.create(
            chargepoint=chargepoint, component="ChargingStation", variable="StatusLedBrightness"
        )

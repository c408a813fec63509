"""Status reports, boots and heartbeats, through their services."""

import datetime

import pytest

from accounts.enums import NotificationType
from accounts.models import IdTag, Notification
from chargepoints.enums import RegistrationStatus, TransactionStatus
from chargepoints.models import ChargePoint, Heartbeat, StatusNotification, Transaction
from chargepoints.services.boot import BootInfo, chargepoint_boot, chargepoint_heartbeat
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.status import status_report

T0 = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)
CONNECTOR_1 = ConnectorRef(connectorid=1)


def report(chargepoint, status, *, at=T0, ref=CONNECTOR_1, **fields):
    return status_report(
        chargepoint_id=chargepoint.pk, ref=ref, status=status, timestamp=at, **fields
    )


def test_a_report_is_kept_and_becomes_the_normalised_status(connector):
    report(connector.chargepoint, "Preparing", error_code="NoError")

    connector.refresh_from_db()
    # OCPP 1.6 Preparing is OCPP 2.0.1 Occupied: what apps and OCPI read.
    assert (connector.connector_status, connector.status) == ("Preparing", "Occupied")
    assert StatusNotification.objects.get().status_reported == "Preparing"


def test_an_older_report_is_history_not_the_current_status(connector):
    report(connector.chargepoint, "Available", at=T0)
    report(connector.chargepoint, "Faulted", at=T0 - MINUTE, error_code="GroundFailure")

    connector.refresh_from_db()
    assert (connector.status, connector.error_code) == ("Available", "NoError")
    assert StatusNotification.objects.count() == 2


def test_connector_zero_is_the_whole_charger(connector):
    report(connector.chargepoint, "Unavailable", ref=ConnectorRef(connectorid=0))

    chargepoint = ChargePoint.objects.get()
    connector.refresh_from_db()
    assert (chargepoint.chargepoint_status, chargepoint.status) == ("Unavailable", "Unavailable")
    assert connector.status == "Unknown"


def test_a_16_pause_while_charging_tells_the_driver_and_marks_parking_time(connector, driver):
    tag = IdTag.objects.create(idToken="TAG-1", user=driver)
    tx = Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        id_tag=tag,
        user=driver,
        start_transaction_timestamp=T0,
        transaction_status=TransactionStatus.ACTIVE,
    )
    report(connector.chargepoint, "Charging", at=T0)
    report(connector.chargepoint, "SuspendedEV", at=T0 + MINUTE)

    tx.refresh_from_db()
    assert [entry["state"] for entry in tx.charging_states] == ["Charging", "SuspendedEV"]
    assert Notification.objects.get().type == NotificationType.CHARGING_STOPPED


@pytest.mark.parametrize(
    "decision, interval",
    [(RegistrationStatus.ACCEPTED, 300), (RegistrationStatus.PENDING, 60)],
)
def test_a_boot_is_answered_with_the_operators_decision(chargepoint, settings, decision, interval):
    settings.CSMS_HEARTBEAT_INTERVAL, settings.CSMS_BOOT_RETRY_INTERVAL = 300, 60
    chargepoint.registration_status = decision
    chargepoint.save()

    result = chargepoint_boot(
        chargepoint_id=chargepoint.pk,
        info=BootInfo(vendor="BMW", model="Wallbox", firmware_version="1.2"),
        at=T0,
    )

    # Accepted: beat this often. Pending: boot again after this long (OCPP 1.6 §4.2).
    assert (result.status, result.interval) == (decision, interval)
    chargepoint.refresh_from_db()
    assert (chargepoint.chargepoint_vendor, chargepoint.firmware_version) == ("BMW", "1.2")
    assert chargepoint.last_boot_at == T0


def test_every_heartbeat_is_kept(chargepoint):
    for minutes in (0, 5):
        chargepoint_heartbeat(chargepoint_id=chargepoint.pk, at=T0 + minutes * MINUTE)

    assert Heartbeat.objects.count() == 2
    chargepoint.refresh_from_db()
    assert chargepoint.last_heartbeat == T0 + 5 * MINUTE

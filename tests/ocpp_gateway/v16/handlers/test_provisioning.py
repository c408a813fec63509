"""OCPP 1.6J BootNotification and Heartbeat (Core; 2.0.1 block B)."""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone

from chargepoints.models import Heartbeat
from ocpp_gateway.timefmt import ocpp_datetime
from tests.ocpp_gateway.v16.handlers.helpers import call, utc

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def assert_ocpp_time(value: str) -> datetime.datetime:
    assert ISO_UTC.match(value), value
    return utc(value)


# -- BootNotification ---------------------------------------------------------


def test_it_stores_everything_a_charger_says_about_itself_at_boot(wire, chargepoint):
    before = timezone.now()
    frame = call(
        wire,
        "BootNotification",
        {
            "chargePointVendor": "Alfen BV",
            "chargePointModel": "NG920-61",
            "chargePointSerialNumber": "ACE0123456",
            "chargeBoxSerialNumber": "BOX-987",
            "firmwareVersion": "6.1.0-4157",
            "iccid": "8931081234567890123",
            "imsi": "204080123456789",
            "meterType": "Eastron SDM630",
            "meterSerialNumber": "MTR-42",
        },
        "boot-1",
    )

    assert frame == [
        3,
        "boot-1",
        {
            "currentTime": frame[2]["currentTime"],
            "interval": settings.CSMS_HEARTBEAT_INTERVAL,
            "status": "Accepted",
        },
    ]
    assert_ocpp_time(frame[2]["currentTime"])
    chargepoint.refresh_from_db()
    assert chargepoint.chargepoint_vendor == "Alfen BV"
    assert chargepoint.chargepoint_model == "NG920-61"
    assert chargepoint.chargepoint_serial_number == "ACE0123456"
    assert chargepoint.chargebox_serial_number == "BOX-987"
    assert chargepoint.firmware_version == "6.1.0-4157"
    assert chargepoint.iccid == "8931081234567890123"
    assert chargepoint.imsi == "204080123456789"
    assert chargepoint.meter_type == "Eastron SDM630"
    assert chargepoint.meter_serial_number == "MTR-42"
    assert before <= chargepoint.last_boot_at <= timezone.now()


def test_it_clears_boot_details_a_charger_no_longer_reports(wire, chargepoint):
    chargepoint.firmware_version = "1.0"
    chargepoint.iccid = "8931081234567890123"
    chargepoint.save()

    call(
        wire,
        "BootNotification",
        {"chargePointVendor": "Alfen BV", "chargePointModel": "NG920-61"},
        "boot-1",
    )

    chargepoint.refresh_from_db()
    assert (chargepoint.firmware_version, chargepoint.iccid) == ("", "")


@pytest.mark.parametrize(
    ("registration", "interval_setting"),
    [
        ("Accepted", "CSMS_HEARTBEAT_INTERVAL"),
        ("Pending", "CSMS_BOOT_RETRY_INTERVAL"),
        ("Rejected", "CSMS_BOOT_RETRY_INTERVAL"),
    ],
)
def test_it_answers_a_boot_with_the_operators_registration_decision(
    wire, chargepoint, settings, registration, interval_setting
):
    settings.CSMS_HEARTBEAT_INTERVAL = 240
    settings.CSMS_BOOT_RETRY_INTERVAL = 45
    chargepoint.registration_status = registration
    chargepoint.save()

    frame = call(
        wire, "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}, "boot-1"
    )

    assert frame == [
        3,
        "boot-1",
        {
            "currentTime": frame[2]["currentTime"],
            "interval": getattr(settings, interval_setting),
            "status": registration,
        },
    ]
    assert_ocpp_time(frame[2]["currentTime"])


# -- Heartbeat ----------------------------------------------------------------


def test_it_answers_a_heartbeat_with_the_time_it_recorded(wire, chargepoint):
    frame = call(wire, "Heartbeat", {}, "hb-1")

    heartbeat = Heartbeat.objects.get(chargepoint=chargepoint)
    assert frame == [3, "hb-1", {"currentTime": ocpp_datetime(heartbeat.timestamp)}]
    assert_ocpp_time(frame[2]["currentTime"])
    chargepoint.refresh_from_db()
    assert chargepoint.last_heartbeat == heartbeat.timestamp


def test_it_keeps_every_heartbeat(wire, chargepoint):
    call(wire, "Heartbeat", {}, "hb-1")
    call(wire, "Heartbeat", {}, "hb-2")

    assert Heartbeat.objects.filter(chargepoint=chargepoint).count() == 2
    chargepoint.refresh_from_db()
    assert chargepoint.last_heartbeat == Heartbeat.objects.latest("timestamp").timestamp

"""BootNotification and Heartbeat."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from chargepoints.enums import RegistrationStatus
from chargepoints.models import ChargePoint, Heartbeat


@dataclass(frozen=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str = ""
    chargebox_serial_number: str = ""
    firmware_version: str = ""
    iccid: str = ""
    imsi: str = ""
    meter_type: str = ""
    meter_serial_number: str = ""
    reason: str = ""


@dataclass(frozen=True)
class BootResult:
    status: str
    interval: int


@transaction.atomic
def chargepoint_boot(*, chargepoint_id: str, info: BootInfo, at: datetime.datetime) -> BootResult:
    """Store what the charger says about itself; answer with the operator's decision."""
    chargepoint = ChargePoint.objects.select_for_update().get(pk=chargepoint_id)
    chargepoint.chargepoint_vendor = info.vendor
    chargepoint.chargepoint_model = info.model
    chargepoint.chargepoint_serial_number = info.serial_number
    chargepoint.chargebox_serial_number = info.chargebox_serial_number
    chargepoint.firmware_version = info.firmware_version
    chargepoint.iccid = info.iccid
    chargepoint.imsi = info.imsi
    chargepoint.meter_type = info.meter_type
    chargepoint.meter_serial_number = info.meter_serial_number
    chargepoint.boot_reason = info.reason
    chargepoint.last_boot_at = at
    chargepoint.save()
    status = chargepoint.registration_status
    # Accepted: the heartbeat interval. Pending / Rejected: when to boot again.
    interval = (
        settings.CSMS_HEARTBEAT_INTERVAL
        if status == RegistrationStatus.ACCEPTED
        else settings.CSMS_BOOT_RETRY_INTERVAL
    )
    return BootResult(status=status, interval=interval)


@transaction.atomic
def chargepoint_heartbeat(*, chargepoint_id: str, at: datetime.datetime) -> datetime.datetime:
    Heartbeat.objects.create(chargepoint_id=chargepoint_id, timestamp=at)
    ChargePoint.objects.filter(pk=chargepoint_id).update(last_heartbeat=at)
    return at

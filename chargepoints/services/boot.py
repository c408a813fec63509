"""BootNotification and Heartbeat."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from chargepoints.enums import RegistrationStatus
from chargepoints.models import ChargePoint, Heartbeat
from chargepoints.services.locks import chargepoint_locked
from csms.rows import RowReader, row_update, rows_insert


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


# ChargePoint field <- BootInfo attribute. A fleet boots together after an
# outage: only the operator's decision is read, and these are written with
# one UPDATE built once (csms/rows.py).
_DESCRIPTION = {
    "chargepoint_vendor": "vendor",
    "chargepoint_model": "model",
    "chargepoint_serial_number": "serial_number",
    "chargebox_serial_number": "chargebox_serial_number",
    "firmware_version": "firmware_version",
    "iccid": "iccid",
    "imsi": "imsi",
    "meter_type": "meter_type",
    "meter_serial_number": "meter_serial_number",
    "boot_reason": "reason",
}


@transaction.atomic
def chargepoint_boot(*, chargepoint_id: str, info: BootInfo, at: datetime.datetime) -> BootResult:
    """Store what the charger says about itself; answer with the operator's decision."""
    chargepoint = chargepoint_locked(chargepoint_id, fields=("registration_status",))
    for field, attribute in _DESCRIPTION.items():
        setattr(chargepoint, field, getattr(info, attribute))
    chargepoint.last_boot_at = at
    row_update(chargepoint, [*_DESCRIPTION, "last_boot_at"])
    status = chargepoint.registration_status
    # Accepted: the heartbeat interval. Pending / Rejected: when to boot again.
    interval = (
        settings.CSMS_HEARTBEAT_INTERVAL
        if status == RegistrationStatus.ACCEPTED
        else settings.CSMS_BOOT_RETRY_INTERVAL
    )
    return BootResult(status=status, interval=interval)


# A connection asks once, at its first Authorize; its boot answers renew it.
_REGISTRATION = RowReader(ChargePoint, ["pk"], fields=["registration_status"])


def chargepoint_registration(*, chargepoint_id: str) -> str:
    """The operator's decision about the charger (Accepted, Pending, Rejected).

    A connection keeps the answer (docs/architecture.md rule 10) with the
    status its boots are answered with: in OCPP the charger's registration
    changes only with that answer (1.6 §4.2, 2.0.1 B02, B03). Transaction
    starts read it afresh under the charger's lock.
    """
    chargepoint = _REGISTRATION.get(chargepoint_id)
    if chargepoint is None:
        # Deleted while connected: it may do nothing.
        return RegistrationStatus.REJECTED
    return chargepoint.registration_status


@transaction.atomic
def chargepoint_heartbeat(*, chargepoint_id: str, at: datetime.datetime) -> datetime.datetime:
    # Every charger, every interval: written without the ORM (csms/rows.py).
    rows_insert([Heartbeat(chargepoint_id=chargepoint_id, timestamp=at)])
    row_update(ChargePoint(pk=chargepoint_id, last_heartbeat=at), ["last_heartbeat"])
    return at

"""OCPP 1.6 command tests: what to expect on the wire and in the records."""

import datetime

from django.utils import timezone

from chargepoints.enums import CommandStatus
from chargepoints.models import Command

ACCEPTED = {"status": "Accepted"}
REJECTED = {"status": "Rejected"}

# Dates in the future whenever the suite runs: a reservation must expire later.
FUTURE_YEAR = timezone.now().year + 2
T_RETRIEVE = f"{FUTURE_YEAR}-01-01T00:00:00Z"
T_INSTALL = f"{FUTURE_YEAR}-01-01T02:00:00Z"
T_EXPIRY = f"{FUTURE_YEAR}-01-01T12:00:00Z"
# A reservation ends within CSMS_RESERVATION_MAX_HOURS (24 by default).
T_RESERVATION_EXPIRY = (timezone.now() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
FIRMWARE_URL = "https://fw.example.com/wallbox-2.1.bin"
UPLOAD_URL = "ftp://diag.example.com/upload/"
SIGNED = {
    "location": FIRMWARE_URL,
    "retrieve_date": T_RETRIEVE,
    "install_date": T_INSTALL,
    "signing_certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "signature": "c2lnbmF0dXJl",
    "retries": 2,
}


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def assert_frame(command: Command, sent: list, action: str, payload: dict) -> None:
    """The CALL on the wire is exactly the recorded request."""
    assert sent == [2, command.message_id, action, payload]
    assert (command.action, command.request) == (action, payload)


def assert_answer(command: Command, status: CommandStatus, response: dict) -> None:
    assert (command.status, command.response) == (status, response)


def assert_fields(instance, **expected) -> None:
    """The model instance, reloaded, has these field values."""
    instance.refresh_from_db()
    assert {name: getattr(instance, name) for name in expected} == expected

"""OCPP 1.6J security extension: SecurityEventNotification, SignCertificate (2.0.1 block A)."""

from chargepoints.enums import ChargerEventKind
from tests.ocpp_gateway.v16.handlers.helpers import call, event, utc


def test_it_keeps_a_security_event_with_the_chargers_time(wire):
    payload = {
        "type": "InvalidCentralSystemCertificate",
        "timestamp": "2025-03-01T09:59:30Z",
        "techInfo": "certificate expired",
    }

    frame = call(wire, "SecurityEventNotification", payload, "sec-1")

    assert frame == [3, "sec-1", {}]
    security = event(ChargerEventKind.SECURITY_EVENT)
    assert security.status == "InvalidCentralSystemCertificate"
    assert security.timestamp == utc("2025-03-01T09:59:30Z")
    assert security.detail == "certificate expired"
    assert security.payload == payload


def test_it_rejects_a_certificate_signing_request(wire):
    csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"

    frame = call(wire, "SignCertificate", {"csr": csr}, "csr-1")

    # No certificate authority is configured, so nothing would be signed.
    assert frame == [3, "csr-1", {"status": "Rejected"}]
    request = event(ChargerEventKind.CERTIFICATE_REQUEST)
    assert request.payload == {"csr": csr}

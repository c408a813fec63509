"""OCPP 2.0.1 block A Security: SignCertificate."""

from chargepoints.models import ChargerEvent


def test_it_keeps_a_sign_certificate_request_without_a_type(wire):
    assert wire.result("SignCertificate", {"csr": "CSR"}) == {"status": "Rejected"}

    event = ChargerEvent.objects.get()
    assert event.status == "SignCertificate"
    assert event.payload["csr"] == "CSR"

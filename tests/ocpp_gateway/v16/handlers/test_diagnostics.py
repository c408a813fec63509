"""OCPP 1.6J DiagnosticsStatusNotification and LogStatusNotification (2.0.1 block N)."""

from django.utils import timezone

from chargepoints.enums import ChargerEventKind
from tests.ocpp_gateway.v16.handlers.helpers import call, event


def test_it_keeps_the_diagnostics_upload_status(wire):
    before = timezone.now()

    frame = call(wire, "DiagnosticsStatusNotification", {"status": "Uploaded"}, "diag-1")

    assert frame == [3, "diag-1", {}]
    diagnostics = event(ChargerEventKind.DIAGNOSTICS_STATUS)
    assert diagnostics.status == "Uploaded"
    assert diagnostics.payload == {"status": "Uploaded"}
    assert before <= diagnostics.timestamp <= timezone.now()


def test_it_keeps_the_log_upload_status(wire):
    frame = call(wire, "LogStatusNotification", {"status": "Uploaded", "requestId": 7}, "log-1")

    assert frame == [3, "log-1", {}]
    log = event(ChargerEventKind.LOG_STATUS)
    assert (log.status, log.request_id) == ("Uploaded", 7)
    assert log.payload == {"status": "Uploaded", "requestId": 7}

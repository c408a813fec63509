"""OCPP 2.0.1 block N Diagnostics: NotifyEvent."""

from chargepoints.models import ChargerEvent
from tests.ocpp_gateway.v201.handlers.helpers import REQUESTS, T1


def test_it_keeps_one_event_per_entry_of_a_notify_event(wire):
    payload = REQUESTS["NotifyEvent"] | {
        "eventData": [
            REQUESTS["NotifyEvent"]["eventData"][0],
            {
                "eventId": 2,
                "timestamp": T1,
                "trigger": "Alerting",
                "actualValue": "true",
                "eventNotificationType": "PreconfiguredMonitor",
                "component": {"name": "ChargingStation"},
                "variable": {"name": "Problem"},
            },
        ]
    }

    wire.result("NotifyEvent", payload)

    events = ChargerEvent.objects.order_by("timestamp").values_list("status", "evse_id")
    assert list(events) == [
        ("Connector.AvailabilityState: Faulted", 1),
        ("ChargingStation.Problem: true", None),
    ]

"""OCPP 2.0.1: reports without an entity of their own, kept as charger events."""

import pytest

from chargepoints.enums import ChargerEventKind
from chargepoints.models import ChargerEvent
from tests.ocpp_gateway.v201.handlers.helpers import CHARGEPOINT_ID, REQUESTS, T0, T1, utc

# action -> (kind, status, evse_id, request_id, detail, payload) of the event kept.
EVENTS = {
    "ClearedChargingLimit": (ChargerEventKind.CHARGING_LIMIT_CLEARED, "EMS", 1, None, "", {}),
    "DataTransfer": (
        ChargerEventKind.DATA_TRANSFER,
        "com.bmw.wallbox",
        None,
        None,
        "",
        REQUESTS["DataTransfer"],
    ),
    "FirmwareStatusNotification": (ChargerEventKind.FIRMWARE_STATUS, "Installed", None, 5, "", {}),
    "Get15118EVCertificate": (
        ChargerEventKind.CERTIFICATE_REQUEST,
        "Get15118EVCertificate Install",
        None,
        None,
        "gAEAAAAAAAAA",
        {"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install"},
    ),
    "GetCertificateStatus": (
        ChargerEventKind.CERTIFICATE_REQUEST,
        "GetCertificateStatus",
        None,
        None,
        "",
        REQUESTS["GetCertificateStatus"],
    ),
    "LogStatusNotification": (ChargerEventKind.LOG_STATUS, "Uploaded", None, 7, "", {}),
    "NotifyChargingLimit": (
        ChargerEventKind.CHARGING_LIMIT,
        "SO",
        1,
        None,
        "",
        {
            "chargingLimit": REQUESTS["NotifyChargingLimit"]["chargingLimit"],
            "chargingSchedule": REQUESTS["NotifyChargingLimit"]["chargingSchedule"],
        },
    ),
    "NotifyCustomerInformation": (
        ChargerEventKind.CUSTOMER_INFORMATION,
        "part 0",
        None,
        11,
        "Card 04A2B3C4D5E6F7, 3 transactions",
        {"seqNo": 0, "generatedAt": T1, "tbc": False},
    ),
    "NotifyDisplayMessages": (
        ChargerEventKind.DISPLAY_MESSAGES,
        "1 message(s)",
        None,
        12,
        "",
        {"messageInfo": REQUESTS["NotifyDisplayMessages"]["messageInfo"], "tbc": False},
    ),
    "NotifyEVChargingNeeds": (
        ChargerEventKind.EV_CHARGING_NEEDS,
        "AC_three_phase",
        1,
        None,
        "",
        {"chargingNeeds": REQUESTS["NotifyEVChargingNeeds"]["chargingNeeds"]},
    ),
    "NotifyEVChargingSchedule": (
        ChargerEventKind.EV_CHARGING_SCHEDULE,
        "W",
        1,
        None,
        "",
        {
            "timeBase": T1,
            "chargingSchedule": REQUESTS["NotifyEVChargingSchedule"]["chargingSchedule"],
        },
    ),
    "NotifyEvent": (
        ChargerEventKind.DEVICE_EVENT,
        "Connector.AvailabilityState: Faulted",
        1,
        None,
        "Lock motor stuck",
        REQUESTS["NotifyEvent"]["eventData"][0],
    ),
    "NotifyMonitoringReport": (
        ChargerEventKind.MONITORING_REPORT,
        "1 monitor(s)",
        None,
        13,
        "",
        {"seqNo": 0, "generatedAt": T1, "monitor": REQUESTS["NotifyMonitoringReport"]["monitor"]},
    ),
    "PublishFirmwareStatusNotification": (
        ChargerEventKind.PUBLISH_FIRMWARE_STATUS,
        "Published",
        None,
        14,
        "",
        {"location": REQUESTS["PublishFirmwareStatusNotification"]["location"]},
    ),
    "SecurityEventNotification": (
        ChargerEventKind.SECURITY_EVENT,
        "StartupOfTheDevice",
        None,
        None,
        "Cold boot",
        {},
    ),
    "SignCertificate": (
        ChargerEventKind.CERTIFICATE_REQUEST,
        "SignCertificate ChargingStationCertificate",
        None,
        None,
        "",
        REQUESTS["SignCertificate"],
    ),
}


@pytest.mark.parametrize("action", sorted(EVENTS))
def test_it_keeps_each_report_without_an_entity_as_a_charger_event(wire, action):
    wire.result(action, REQUESTS[action])

    event = ChargerEvent.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (
        event.kind,
        event.status,
        event.evse_id,
        event.request_id,
        event.detail,
        event.payload,
    ) == EVENTS[action]


@pytest.mark.parametrize("action", ["NotifyEvent", "SecurityEventNotification"])
def test_it_dates_a_device_or_security_event_by_the_chargers_clock(wire, action):
    wire.result(action, REQUESTS[action])

    assert ChargerEvent.objects.get().timestamp == utc(T0)

"""OCPP 2.0.1 handler tests: frames as a charging station builds them."""

import datetime

CHARGEPOINT_ID = "CP-TEST-1"
TX_ID = "8f1c3a52-6b7d-4e09-a1f2-3c4d5e6f7a8b"
TAG = "04A2B3C4D5E6F7"
T0 = "2025-03-01T08:00:00Z"
T1 = "2025-03-01T08:01:00Z"


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def sample(value, measurand, *, phase=None, context="Sample.Periodic", unit=None, multiplier=None):
    sampled = {"value": value, "measurand": measurand, "context": context, "location": "Outlet"}
    if phase:
        sampled["phase"] = phase
    if unit or multiplier is not None:
        sampled["unitOfMeasure"] = {"unit": unit or "Wh"}
        if multiplier is not None:
            sampled["unitOfMeasure"]["multiplier"] = multiplier
    return sampled


def register(wh, *, context) -> dict:
    return sample(wh, "Energy.Active.Import.Register", context=context)


def transaction_event(
    event_type: str,
    *,
    seq_no: int,
    trigger_reason: str,
    timestamp: str,
    transaction_id: str = TX_ID,
    charging_state: str | None = None,
    stopped_reason: str | None = None,
    remote_start_id: int | None = None,
    samples: list[dict] | None = None,
    **extra,
) -> dict:
    info = {"transactionId": transaction_id}
    if charging_state:
        info["chargingState"] = charging_state
    if stopped_reason:
        info["stoppedReason"] = stopped_reason
    if remote_start_id is not None:
        info["remoteStartId"] = remote_start_id
    payload = {
        "eventType": event_type,
        "timestamp": timestamp,
        "triggerReason": trigger_reason,
        "seqNo": seq_no,
        "transactionInfo": info,
        **extra,
    }
    if samples:
        payload["meterValue"] = [{"timestamp": timestamp, "sampledValue": samples}]
    return payload


def started(trigger_reason: str = "CablePluggedIn", evse_id: int = 1, **extra) -> dict:
    """Seed 004: the wallbox starts the transaction when the cable is plugged in."""
    return transaction_event(
        "Started",
        seq_no=0,
        trigger_reason=trigger_reason,
        timestamp=T0,
        charging_state="EVConnected",
        evse={"id": evse_id, "connectorId": 1},
        samples=[register(1500, context="Transaction.Begin")],
        **extra,
    )


# One valid request of every action a charging station sends, and the exact answer.
REQUESTS = {
    "Authorize": {"idToken": {"idToken": "NOT-A-KNOWN-CARD", "type": "ISO14443"}},
    "BootNotification": {
        "reason": "PowerUp",
        "chargingStation": {
            "model": "EIAW-E22KTSE6B04",
            "vendorName": "BMW",
            "serialNumber": "ETEST1234567890AB",
            "firmwareVersion": "1.9.3",
            "modem": {"iccid": "89490200001234567890", "imsi": "262011234567890"},
        },
    },
    "ClearedChargingLimit": {"chargingLimitSource": "EMS", "evseId": 1},
    "DataTransfer": {"vendorId": "com.bmw.wallbox", "messageId": "ledState", "data": "on"},
    "FirmwareStatusNotification": {"status": "Installed", "requestId": 5},
    "Get15118EVCertificate": {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": "Install",
        "exiRequest": "gAEAAAAAAAAA",
    },
    "GetCertificateStatus": {
        "ocspRequestData": {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": "3f2a",
            "issuerKeyHash": "9b1c",
            "serialNumber": "0a1b2c",
            "responderURL": "http://ocsp.example.com",
        }
    },
    "Heartbeat": {},
    "LogStatusNotification": {"status": "Uploaded", "requestId": 7},
    "MeterValues": {
        "evseId": 1,
        "meterValue": [{"timestamp": T1, "sampledValue": [register(1520, context="Sample.Clock")]}],
    },
    "NotifyChargingLimit": {
        "evseId": 1,
        "chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": True},
        "chargingSchedule": [
            {
                "id": 3,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}],
            }
        ],
    },
    "NotifyCustomerInformation": {
        "data": "Card 04A2B3C4D5E6F7, 3 transactions",
        "seqNo": 0,
        "generatedAt": T1,
        "requestId": 11,
    },
    "NotifyDisplayMessages": {
        "requestId": 12,
        "messageInfo": [
            {
                "id": 1,
                "priority": "NormalCycle",
                "message": {"format": "UTF8", "content": "Welcome"},
            }
        ],
    },
    "NotifyEVChargingNeeds": {
        "evseId": 1,
        "chargingNeeds": {
            "requestedEnergyTransfer": "AC_three_phase",
            "acChargingParameters": {
                "energyAmount": 20000,
                "evMinCurrent": 6,
                "evMaxCurrent": 32,
                "evMaxVoltage": 400,
            },
        },
    },
    "NotifyEVChargingSchedule": {
        "timeBase": T1,
        "evseId": 1,
        "chargingSchedule": {
            "id": 1,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
        },
    },
    "NotifyEvent": {
        "generatedAt": T1,
        "seqNo": 0,
        "eventData": [
            {
                "eventId": 1,
                "timestamp": T0,
                "trigger": "Delta",
                "actualValue": "Faulted",
                "techInfo": "Lock motor stuck",
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                "variable": {"name": "AvailabilityState"},
            }
        ],
    },
    "NotifyMonitoringReport": {
        "requestId": 13,
        "seqNo": 0,
        "generatedAt": T1,
        "monitor": [
            {
                "component": {"name": "ChargingStation"},
                "variable": {"name": "Temperature"},
                "variableMonitoring": [
                    {
                        "id": 1,
                        "transaction": False,
                        "value": 70.0,
                        "type": "UpperThreshold",
                        "severity": 4,
                    }
                ],
            }
        ],
    },
    "NotifyReport": {
        "requestId": 1,
        "generatedAt": T1,
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "ChargingStation"},
                "variable": {"name": "StatusLedBrightness"},
                "variableAttribute": [{"type": "Actual", "value": "46"}],
            }
        ],
    },
    "PublishFirmwareStatusNotification": {
        "status": "Published",
        "location": ["https://lc.example.com/fw-1.9.3.bin"],
        "requestId": 14,
    },
    "ReportChargingProfiles": {
        "requestId": 15,
        "chargingLimitSource": "CSO",
        "evseId": 0,
        "chargingProfile": [
            {
                "id": 100,
                "stackLevel": 0,
                "chargingProfilePurpose": "ChargingStationMaxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 7,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0}],
                    }
                ],
            }
        ],
    },
    "ReservationStatusUpdate": {"reservationId": 42, "reservationUpdateStatus": "Expired"},
    "SecurityEventNotification": {
        "type": "StartupOfTheDevice",
        "timestamp": T0,
        "techInfo": "Cold boot",
    },
    "SignCertificate": {
        "csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----",
        "certificateType": "ChargingStationCertificate",
    },
    "StatusNotification": {
        "timestamp": T0,
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    },
    "TransactionEvent": started(),
}

"""The OCPP 2.0.1 adapter, driven with frames as a charger sends them.

Each test sends CALLs through the frame layer, asserts the exact frame sent
back and the rows the domain services stored. The transaction frames follow
the BMW wallbox of seed 004 (evse 1, connector 1, three phases).
"""

import datetime
import re

import pytest
from django.conf import settings

from accounts.models import IdTag
from chargepoints.enums import (
    ChargerEventKind,
    RegistrationStatus,
    ReservationStatus,
    StopReason,
    TransactionStatus,
)
from chargepoints.models import (
    ChargePoint,
    ChargerEvent,
    ChargingProfile,
    ConfigurationVariable,
    Connector,
    Heartbeat,
    Reservation,
    SampledValue,
    StatusNotification,
    Transaction,
)
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.timefmt import ocpp_datetime
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire

CHARGEPOINT_ID = "CP-TEST-1"
TX_ID = "8f1c3a52-6b7d-4e09-a1f2-3c4d5e6f7a8b"
TAG = "04A2B3C4D5E6F7"

T0 = "2025-03-01T08:00:00Z"
T1 = "2025-03-01T08:01:00Z"
T2 = "2025-03-01T08:15:00Z"
T3 = "2025-03-01T09:30:00Z"


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def assert_iso_utc(value: str) -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value), value


@pytest.fixture
def wire(chargepoint) -> Wire:
    return Wire(ChargePoint201, chargepoint.chargepoint_id)


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken=TAG, token_type="ISO14443", user=driver)


# -- frames as the charger builds them ----------------------------------------


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


def periodic_samples() -> list[dict]:
    """What the BMW wallbox reports every interval while charging on three phases.

    Seed 004 also lists Temperature, but OCPP 2.0.1 MeasurandEnumType has no
    Temperature (it moved to the device model), so a valid frame cannot carry it.
    """
    return [
        register(7300, context="Sample.Periodic"),
        sample(11040, "Power.Active.Import"),
        sample(16.1, "Current.Import", phase="L1"),
        sample(15.9, "Current.Import", phase="L2"),
        sample(16.0, "Current.Import", phase="L3"),
        sample(229.0, "Voltage", phase="L1-N"),
        sample(231.0, "Voltage", phase="L2-N"),
        sample(230.0, "Voltage", phase="L3-N"),
        sample(50.0, "Frequency"),
        sample(54, "SoC"),
        sample(22000, "Power.Offered"),
    ]


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


def periodic(seq_no: int = 1, samples: list[dict] | None = None, **extra) -> dict:
    return transaction_event(
        "Updated",
        seq_no=seq_no,
        trigger_reason="MeterValuePeriodic",
        timestamp=T2,
        charging_state="Charging",
        numberOfPhasesUsed=3,
        samples=samples or periodic_samples(),
        **extra,
    )


def ended(seq_no: int = 2, timestamp: str = T3, wh: int = 9250, **extra) -> dict:
    return transaction_event(
        "Ended",
        seq_no=seq_no,
        trigger_reason="EVDeparted",
        timestamp=timestamp,
        charging_state="Idle",
        stopped_reason="EVDisconnected",
        samples=[register(wh, context="Transaction.End")],
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

CURRENT_TIME = object()  # stands for a currentTime checked by shape only

ANSWERS = {
    "Authorize": {"idTokenInfo": {"status": "Unknown"}},
    "BootNotification": {
        "currentTime": CURRENT_TIME,
        "interval": settings.CSMS_HEARTBEAT_INTERVAL,
        "status": "Accepted",
    },
    "ClearedChargingLimit": {},
    "DataTransfer": {"status": "UnknownVendorId"},
    "FirmwareStatusNotification": {},
    "Get15118EVCertificate": {"status": "Failed", "exiResponse": ""},
    "GetCertificateStatus": {"status": "Failed"},
    "Heartbeat": {"currentTime": CURRENT_TIME},
    "LogStatusNotification": {},
    "MeterValues": {},
    "NotifyChargingLimit": {},
    "NotifyCustomerInformation": {},
    "NotifyDisplayMessages": {},
    "NotifyEVChargingNeeds": {"status": "Rejected"},
    "NotifyEVChargingSchedule": {"status": "Accepted"},
    "NotifyEvent": {},
    "NotifyMonitoringReport": {},
    "NotifyReport": {},
    "PublishFirmwareStatusNotification": {},
    "ReportChargingProfiles": {},
    "ReservationStatusUpdate": {},
    "SecurityEventNotification": {},
    "SignCertificate": {"status": "Rejected"},
    "StatusNotification": {},
    "TransactionEvent": {},
}


# -- every action: the frame sent back and the message log --------------------


@pytest.mark.parametrize("action", sorted(REQUESTS))
def test_it_answers_every_charger_action_with_a_callresult_and_logs_both_frames(wire, action):
    answer = wire.call(action, REQUESTS[action], unique_id="msg-17")

    expected = ANSWERS[action]
    assert answer[:2] == [3, "msg-17"]
    assert answer[2].keys() == expected.keys()
    for key, value in expected.items():
        if value is CURRENT_TIME:
            assert_iso_utc(answer[2][key])
        else:
            assert answer[2][key] == value
    logged = OCPPMessage.objects.filter(chargepoint_id=CHARGEPOINT_ID).order_by("direction")
    assert [(m.direction, m.message_type, m.message_id, m.action, m.payload) for m in logged] == [
        (MessageDirection.INBOUND, MessageType.CALL, "msg-17", action, REQUESTS[action]),
        (MessageDirection.OUTBOUND, MessageType.CALLRESULT, "msg-17", action, answer[2]),
    ]


def test_the_examples_cover_every_action_the_adapter_handles(wire):
    handled = {a for a, handlers in wire.adapter.route_map.items() if "_on_action" in handlers}
    assert handled == set(REQUESTS) == set(ANSWERS)
    assert len(handled) == 25


# -- BootNotification, Heartbeat ---------------------------------------------


def test_it_stores_what_the_charger_says_about_itself_at_boot(wire):
    wire.result("BootNotification", REQUESTS["BootNotification"])

    chargepoint = ChargePoint.objects.get(pk=CHARGEPOINT_ID)
    assert chargepoint.chargepoint_vendor == "BMW"
    assert chargepoint.chargepoint_model == "EIAW-E22KTSE6B04"
    assert chargepoint.chargepoint_serial_number == "ETEST1234567890AB"
    assert chargepoint.firmware_version == "1.9.3"
    assert chargepoint.iccid == "89490200001234567890"
    assert chargepoint.imsi == "262011234567890"
    assert chargepoint.boot_reason == "PowerUp"
    assert chargepoint.last_boot_at is not None


def test_it_tells_a_pending_charger_when_to_boot_again(wire, chargepoint):
    chargepoint.registration_status = RegistrationStatus.PENDING
    chargepoint.save()

    answer = wire.result("BootNotification", REQUESTS["BootNotification"])

    assert answer["status"] == "Pending"
    assert answer["interval"] == settings.CSMS_BOOT_RETRY_INTERVAL


def test_it_records_a_heartbeat_and_answers_with_its_time(wire):
    answer = wire.result("Heartbeat", {})

    heartbeat = Heartbeat.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert answer == {"currentTime": ocpp_datetime(heartbeat.timestamp)}
    assert ChargePoint.objects.get(pk=CHARGEPOINT_ID).last_heartbeat == heartbeat.timestamp


# -- Authorize ----------------------------------------------------------------


def authorize(wire, id_token: str, token_type: str = "ISO14443") -> dict:
    return wire.result("Authorize", {"idToken": {"idToken": id_token, "type": token_type}})


def test_it_answers_unknown_for_a_token_it_has_never_seen(wire):
    assert authorize(wire, "NOT-A-KNOWN-CARD") == {"idTokenInfo": {"status": "Unknown"}}


def test_it_accepts_a_known_token_in_any_letter_case(wire, tag):
    # OCPP 2.0.1 IdTokenType.idToken: "IdToken is case insensitive".
    assert authorize(wire, TAG.lower()) == {"idTokenInfo": {"status": "Accepted"}}


def test_it_answers_blocked_for_a_revoked_token(wire, tag):
    tag.revoked = True
    tag.save()

    assert authorize(wire, TAG) == {"idTokenInfo": {"status": "Blocked"}}


def test_it_answers_expired_with_the_expiry_for_an_expired_token(wire, tag):
    tag.expiry_date = datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.UTC)
    tag.save()

    assert authorize(wire, TAG) == {
        "idTokenInfo": {"status": "Expired", "cacheExpiryDateTime": "2024-01-01T12:00:00.000Z"}
    }


def test_it_names_the_parent_of_a_token_as_its_group(wire, tag):
    tag.parent_id_tag = IdTag.objects.create(idToken="FLEET-7")
    tag.save()

    assert authorize(wire, TAG) == {
        "idTokenInfo": {
            "status": "Accepted",
            "groupIdToken": {"idToken": "FLEET-7", "type": "Central"},
        }
    }


def test_it_accepts_a_no_authorization_token_without_a_value(wire):
    # OCPP 2.0.1 IdTokenEnumType NoAuthorization: there is no token value to check.
    assert authorize(wire, "", "NoAuthorization") == {"idTokenInfo": {"status": "Accepted"}}


# -- StatusNotification -------------------------------------------------------


def status(connector_status: str, timestamp: str = T0, evse_id: int = 1) -> dict:
    return {
        "timestamp": timestamp,
        "connectorStatus": connector_status,
        "evseId": evse_id,
        "connectorId": 1,
    }


def test_it_creates_the_evse_connector_on_its_first_status_report(wire):
    wire.result("StatusNotification", status("Occupied"))

    connector = Connector.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (connector.connectorid, connector.evse_id, connector.evse_connector_id) == (1, 1, 1)
    assert connector.connector_status == "Occupied"
    assert connector.status == "Occupied"
    assert connector.status_timestamp == utc(T0)
    report = StatusNotification.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (report.connector, report.evse_id, report.status_reported, report.timestamp) == (
        connector,
        1,
        "Occupied",
        utc(T0),
    )


def test_it_keeps_every_status_report_on_the_same_connector(wire):
    wire.result("StatusNotification", status("Available", T0), unique_id="1")
    wire.result("StatusNotification", status("Occupied", T1), unique_id="2")

    connector = Connector.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert connector.connector_status == "Occupied"
    assert StatusNotification.objects.filter(connector=connector).count() == 2


def test_it_keeps_an_older_status_report_without_letting_it_overwrite_a_newer_one(wire):
    wire.result("StatusNotification", status("Occupied", T1), unique_id="1")
    wire.result("StatusNotification", status("Available", T0), unique_id="2")

    assert Connector.objects.get(chargepoint_id=CHARGEPOINT_ID).connector_status == "Occupied"
    assert StatusNotification.objects.count() == 2


def test_it_numbers_a_second_evse_as_a_second_connector(wire):
    wire.result("StatusNotification", status("Available", evse_id=1), unique_id="1")
    wire.result("StatusNotification", status("Faulted", evse_id=2), unique_id="2")

    connectors = Connector.objects.filter(chargepoint_id=CHARGEPOINT_ID).order_by("connectorid")
    assert [(c.connectorid, c.evse_id, c.status) for c in connectors] == [
        (1, 1, "Available"),
        (2, 2, "Faulted"),
    ]


# -- MeterValues --------------------------------------------------------------


def test_it_stores_main_meter_readings_of_evse_0_without_a_connector(wire):
    payload = {
        "evseId": 0,
        "meterValue": [
            {"timestamp": T1, "sampledValue": [register(88000, context="Sample.Clock")]}
        ],
    }
    assert wire.result("MeterValues", payload) == {}

    reading = SampledValue.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert reading.connector is None
    assert reading.transaction is None
    assert (reading.value, reading.numeric_value, reading.unit, reading.context) == (
        "88000",
        88000.0,
        "Wh",
        "Sample.Clock",
    )
    assert not Connector.objects.exists()


def test_it_stores_evse_meter_readings_on_that_evse_connector(wire):
    wire.result("MeterValues", REQUESTS["MeterValues"])

    reading = SampledValue.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (reading.connector.evse_id, reading.connector.evse_connector_id) == (1, 1)
    assert reading.timestamp == utc(T1)
    assert reading.numeric_value == 1520.0


# -- TransactionEvent ---------------------------------------------------------


def test_it_starts_a_transaction_under_the_chargers_own_id(wire):
    assert wire.result("TransactionEvent", started()) == {}

    tx = Transaction.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert tx.charger_transaction_id == TX_ID
    assert (tx.connector.evse_id, tx.connector.evse_connector_id) == (1, 1)
    assert tx.start_transaction_timestamp == utc(T0)
    assert tx.wh_meter_start == 1500.0
    assert tx.charging_state == "EVConnected"
    assert tx.trigger_reason == "CablePluggedIn"
    assert tx.sequence_number == 0
    assert tx.transaction_status == TransactionStatus.ACTIVE
    assert tx.id_token == ""
    assert tx.needs_review is False
    begin = SampledValue.objects.get(transaction=tx)
    assert (begin.context, begin.location, begin.numeric_value) == (
        "Transaction.Begin",
        "Outlet",
        1500.0,
    )


def test_it_answers_a_start_with_an_id_token_with_its_authorization(wire, tag):
    answer = wire.result(
        "TransactionEvent",
        started("Authorized", idToken={"idToken": TAG, "type": "ISO14443"}),
    )

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    tx = Transaction.objects.get()
    assert (tx.id_token, tx.id_token_type, tx.trigger_reason) == (TAG, "ISO14443", "Authorized")
    assert (tx.id_tag, tx.user) == (tag, tag.user)


def test_it_answers_a_repeated_start_with_the_same_authorization(wire, tag):
    # The retransmitted start must not count as a second, concurrent transaction.
    payload = started("Authorized", idToken={"idToken": TAG, "type": "ISO14443"})
    wire.result("TransactionEvent", payload, unique_id="1")

    answer = wire.result("TransactionEvent", payload, unique_id="2")

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    assert Transaction.objects.count() == 1


def test_it_answers_concurrent_tx_for_a_token_already_charging_elsewhere(wire, tag):
    token = {"idToken": TAG, "type": "ISO14443"}
    wire.result("TransactionEvent", started("Authorized", idToken=token), unique_id="1")
    other = started("Authorized", evse_id=2, idToken=token)
    other["transactionInfo"]["transactionId"] = "second-transaction"

    answer = wire.result("TransactionEvent", other, unique_id="2")

    assert answer == {"idTokenInfo": {"status": "ConcurrentTx"}}
    assert Transaction.objects.count() == 2


def test_it_starts_a_transaction_for_an_unknown_token_and_says_unknown(wire):
    # The charger has already started; the CSMS reports the status and keeps the session.
    answer = wire.result(
        "TransactionEvent", started(idToken={"idToken": "STRANGER", "type": "ISO14443"})
    )

    assert answer == {"idTokenInfo": {"status": "Unknown"}}
    tx = Transaction.objects.get()
    assert (tx.id_token, tx.id_tag) == ("STRANGER", None)


def test_it_answers_a_no_authorization_start_with_accepted(wire):
    # OCPP 2.0.1 TransactionEventResponse.idTokenInfo: "Is required when the
    # transactionEventRequest contained an idToken"; Authorize accepts this one.
    answer = wire.result(
        "TransactionEvent", started(idToken={"idToken": "", "type": "NoAuthorization"})
    )

    assert answer == {"idTokenInfo": {"status": "Accepted"}}


def test_it_records_that_a_transaction_started_without_authorization(wire):
    wire.result("TransactionEvent", started(idToken={"idToken": "", "type": "NoAuthorization"}))

    assert Transaction.objects.get().id_token_type == "NoAuthorization"


def test_it_keeps_the_remote_start_id_of_a_transaction_it_asked_for(wire):
    payload = started("RemoteStart")
    payload["transactionInfo"]["remoteStartId"] = 1740816000

    wire.result("TransactionEvent", payload)

    tx = Transaction.objects.get()
    assert (tx.remote_start_id, tx.trigger_reason) == (1740816000, "RemoteStart")


def test_it_ends_the_reservation_a_transaction_starts_on(wire, chargepoint, now):
    reservation = Reservation.objects.create(
        reservation_id=42,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(minutes=30),
    )

    wire.result("TransactionEvent", started(reservationId=42))

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert Transaction.objects.get().reservation == reservation


def test_it_creates_no_second_transaction_for_a_repeated_start(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    answer = wire.call("TransactionEvent", started(), unique_id="2")

    assert answer == [3, "2", {}]
    assert Transaction.objects.count() == 1


def test_it_keeps_live_values_of_a_periodic_update(wire):
    wire.result("TransactionEvent", started(), unique_id="1")

    assert wire.result("TransactionEvent", periodic(), unique_id="2") == {}

    tx = Transaction.objects.get()
    assert tx.trigger_reason == "MeterValuePeriodic"
    assert tx.charging_state == "Charging"
    assert tx.number_of_phases_used == 3
    assert tx.sequence_number == 1
    assert tx.wh_meter_start == 1500.0
    assert tx.wh_meter_last == 7300.0
    assert tx.wh_meter_last_timestamp == utc(T2)
    assert tx.last_power_w == 11040.0
    assert tx.last_current_a == pytest.approx(16.0)  # the average of L1, L2 and L3
    assert tx.last_voltage_v == pytest.approx(230.0)
    assert tx.last_soc == 54.0
    assert tx.total_energy == pytest.approx(5.8)


def test_it_stores_every_sampled_value_of_an_update_as_sent(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(), unique_id="2")

    stored = {
        (s.measurand, s.phase, s.context, s.location, s.value, s.numeric_value, s.unit)
        for s in SampledValue.objects.filter(transaction__charger_transaction_id=TX_ID).exclude(
            context="Transaction.Begin"
        )
    }
    periodic_context = ("Sample.Periodic", "Outlet")
    assert stored == {
        ("Energy.Active.Import.Register", "", *periodic_context, "7300", 7300.0, "Wh"),
        ("Power.Active.Import", "", *periodic_context, "11040", 11040.0, "W"),
        ("Current.Import", "L1", *periodic_context, "16.1", 16.1, "A"),
        ("Current.Import", "L2", *periodic_context, "15.9", 15.9, "A"),
        ("Current.Import", "L3", *periodic_context, "16", 16.0, "A"),
        ("Voltage", "L1-N", *periodic_context, "229", 229.0, "V"),
        ("Voltage", "L2-N", *periodic_context, "231", 231.0, "V"),
        ("Voltage", "L3-N", *periodic_context, "230", 230.0, "V"),
        ("Frequency", "", *periodic_context, "50", 50.0, "Hz"),
        ("SoC", "", *periodic_context, "54", 54.0, "Percent"),
        ("Power.Offered", "", *periodic_context, "22000", 22000.0, "W"),
    }
    assert set(SampledValue.objects.values_list("connector__evse_id", flat=True)) == {1}


@pytest.mark.parametrize(
    ("unit", "multiplier", "wh"),
    [("kWh", None, 12500.0), ("Wh", 3, 12500.0), ("kWh", -3, 12.5)],
)
def test_it_converts_energy_to_wh_by_unit_and_multiplier(wire, unit, multiplier, wh):
    wire.result("TransactionEvent", started(), unique_id="1")
    reading = sample(12.5, "Energy.Active.Import.Register", unit=unit, multiplier=multiplier)

    wire.result(
        "TransactionEvent",
        periodic(samples=None) | {"meterValue": [{"timestamp": T2, "sampledValue": [reading]}]},
        unique_id="2",
    )

    stored = SampledValue.objects.get(context="Sample.Periodic")
    assert (stored.value, stored.unit, stored.unit_multiplier) == ("12.5", unit, multiplier or 0)
    assert stored.numeric_value == pytest.approx(wh)


def test_it_links_the_tag_and_driver_authorized_during_a_transaction(wire, tag):
    wire.result("TransactionEvent", started(), unique_id="1")

    answer = wire.result(
        "TransactionEvent",
        transaction_event(
            "Updated",
            seq_no=1,
            trigger_reason="Authorized",
            timestamp=T1,
            idToken={"idToken": TAG.lower(), "type": "ISO14443"},
        ),
        unique_id="2",
    )

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    tx = Transaction.objects.get()
    assert (tx.id_tag, tx.user, tx.trigger_reason) == (tag, tag.user, "Authorized")


def test_it_completes_a_transaction_when_it_ends(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(), unique_id="2")

    assert wire.result("TransactionEvent", ended(), unique_id="3") == {}

    tx = Transaction.objects.get()
    assert tx.stop_transaction_timestamp == utc(T3)
    assert tx.reason_stopped == StopReason.EV_DISCONNECTED
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.wh_meter_stop == 9250.0
    assert tx.total_energy == pytest.approx((9250 - 1500) / 1000)
    assert tx.charging_state == "Idle"
    assert tx.sequence_number == 2
    assert SampledValue.objects.filter(transaction=tx, context="Transaction.End").count() == 1


def test_a_doubled_end_changes_nothing(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", ended(seq_no=1), unique_id="2")
    before = Transaction.objects.values().get()
    readings = SampledValue.objects.count()

    answer = wire.call(
        "TransactionEvent",
        ended(seq_no=2, timestamp="2025-03-01T10:00:00Z", wh=9999),
        unique_id="3",
    )

    assert answer == [3, "3", {}]
    assert Transaction.objects.values().get() == before
    assert SampledValue.objects.count() == readings


@pytest.mark.parametrize("event", [periodic, ended])
def test_it_answers_and_flags_an_event_for_a_transaction_it_never_saw_start(wire, event):
    answer = wire.call("TransactionEvent", event(evse={"id": 1, "connectorId": 1}))

    assert answer == [3, "1", {}]
    tx = Transaction.objects.get()
    assert tx.charger_transaction_id == TX_ID
    assert tx.needs_review is True
    assert TX_ID in tx.review_note
    assert (tx.connector.evse_id, tx.connector.evse_connector_id) == (1, 1)


def test_a_flagged_unknown_end_is_completed(wire):
    wire.result("TransactionEvent", ended())

    tx = Transaction.objects.get()
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.reason_stopped == StopReason.EV_DISCONNECTED
    assert tx.connector is None


def test_it_records_a_gap_in_the_sequence_of_transaction_events(wire):
    # OCPP 2.0.1 TransactionEventRequest.seqNo: "helps with determining if all
    # messages of a transaction have been received".
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(seq_no=3), unique_id="2")

    gap = ChargerEvent.objects.get(kind=ChargerEventKind.SEQUENCE_GAP)
    tx = Transaction.objects.get()
    assert gap.status == "expected 1, received 3"
    assert gap.payload == {"transaction": tx.pk, "expected": 1, "received": 3}
    assert tx.sequence_number == 3


def test_it_records_no_gap_for_consecutive_events(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(seq_no=1), unique_id="2")
    wire.result("TransactionEvent", ended(seq_no=2), unique_id="3")

    assert not ChargerEvent.objects.filter(kind=ChargerEventKind.SEQUENCE_GAP).exists()


# -- NotifyReport, ReportChargingProfiles, ReservationStatusUpdate -------------


def test_it_stores_reported_device_model_variables(wire):
    wire.result("NotifyReport", REQUESTS["NotifyReport"])

    variable = ConfigurationVariable.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (
        variable.component,
        variable.variable,
        variable.evse_id,
        variable.attribute_type,
        variable.value,
        variable.readonly,
    ) == ("ChargingStation", "StatusLedBrightness", 0, "Actual", "46", False)


def test_it_stores_each_attribute_of_an_evse_variable_and_marks_read_only_ones(wire):
    report = {
        "requestId": 2,
        "generatedAt": T1,
        "seqNo": 0,
        "tbc": False,
        "reportData": [
            {
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "variableAttribute": [
                    {"type": "Actual", "value": "11040", "mutability": "ReadOnly"},
                    {"type": "MaxSet", "value": "22000", "mutability": "ReadOnly"},
                ],
            },
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variableAttribute": [{"type": "Actual", "mutability": "WriteOnly"}],
            },
        ],
    }

    wire.result("NotifyReport", report)

    stored = ConfigurationVariable.objects.order_by("attribute_type").values_list(
        "component", "evse_id", "variable", "attribute_type", "value", "readonly"
    )
    assert list(stored) == [
        ("EVSE", 1, "Power", "Actual", "11040", True),
        ("EVSE", 1, "Power", "MaxSet", "22000", True),
    ]


def test_a_later_report_updates_the_stored_value(wire):
    wire.result("NotifyReport", REQUESTS["NotifyReport"], unique_id="1")
    report = REQUESTS["NotifyReport"] | {"requestId": 2}
    report["reportData"] = [
        {
            "component": {"name": "ChargingStation"},
            "variable": {"name": "StatusLedBrightness"},
            "variableAttribute": [{"type": "Actual", "value": "80"}],
        }
    ]

    wire.result("NotifyReport", report, unique_id="2")

    assert ConfigurationVariable.objects.get().value == "80"


def test_it_keeps_the_charging_profiles_a_charger_reports(wire):
    wire.result("ReportChargingProfiles", REQUESTS["ReportChargingProfiles"])

    profile = ChargingProfile.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert profile.chargingprofile_id == 100
    assert profile.connector is None
    assert profile.stack_level == 0
    assert profile.chargingprofile_purpose == "ChargingStationMaxProfile"
    assert profile.chargingprofile_kind == "Absolute"
    assert profile.chargingschedule_id == 7
    assert profile.charging_rate_unit == "A"
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": 32.0}]


def test_it_keeps_a_reported_evse_profile_on_that_evse_connector(wire, chargepoint):
    connector = Connector.objects.create(
        chargepoint=chargepoint, connectorid=1, evse_id=1, evse_connector_id=1
    )
    report = {
        "requestId": 16,
        "chargingLimitSource": "CSO",
        "evseId": 1,
        "chargingProfile": [
            {
                "id": 999,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "transactionId": TX_ID,
                "chargingSchedule": [
                    {
                        "id": 1,
                        "startSchedule": T0,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3}
                        ],
                    }
                ],
            }
        ],
    }

    wire.result("ReportChargingProfiles", report)

    profile = ChargingProfile.objects.get(chargingprofile_id=999)
    assert profile.connector == connector
    assert profile.start_schedule == utc(T0)
    assert profile.chargingschedule_period == [
        {"start_period": 0, "limit": 16.0, "number_phases": 3}
    ]


@pytest.mark.parametrize(
    ("update", "status"),
    [("Expired", ReservationStatus.EXPIRED), ("Removed", ReservationStatus.CANCELED)],
)
def test_it_ends_a_reservation_the_charger_reports_ended(wire, chargepoint, now, update, status):
    reservation = Reservation.objects.create(
        reservation_id=42,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(minutes=30),
    )

    payload = {"reservationId": 42, "reservationUpdateStatus": update}
    assert wire.result("ReservationStatusUpdate", payload) == {}

    reservation.refresh_from_db()
    assert reservation.status == status
    event = ChargerEvent.objects.get(kind=ChargerEventKind.RESERVATION_STATUS)
    assert (event.status, event.payload) == (update, payload)


def test_it_leaves_a_completed_reservation_alone(wire, chargepoint, now):
    reservation = Reservation.objects.create(
        reservation_id=42,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(minutes=30),
        status=ReservationStatus.COMPLETED,
    )

    wire.result("ReservationStatusUpdate", REQUESTS["ReservationStatusUpdate"])

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED


# -- reports kept as charger events -------------------------------------------

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


def test_it_keeps_a_sign_certificate_request_without_a_type(wire):
    assert wire.result("SignCertificate", {"csr": "CSR"}) == {"status": "Rejected"}

    event = ChargerEvent.objects.get()
    assert event.status == "SignCertificate"
    assert event.payload["csr"] == "CSR"


def test_it_keeps_the_locations_a_local_controller_published_firmware_at(wire):
    # OCPP 2.0.1 PublishFirmwareStatusNotificationRequest.location: "Required if
    # status is Published"; the CSMS hands these URIs to the stations behind it.
    wire.result("PublishFirmwareStatusNotification", REQUESTS["PublishFirmwareStatusNotification"])

    assert ChargerEvent.objects.get().payload == {
        "location": ["https://lc.example.com/fw-1.9.3.bin"]
    }


def test_it_keeps_vendor_data_exactly_as_sent(wire):
    payload = {"vendorId": "com.bmw.wallbox", "data": {"led_level": 46, "SOC": 80}}

    wire.result("DataTransfer", payload)

    assert ChargerEvent.objects.get().payload == payload

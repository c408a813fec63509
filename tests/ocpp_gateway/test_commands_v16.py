"""Every command an OCPP 1.6 charger takes: the frame sent, the record kept, what it changed.

Each test issues a command as ``command_request`` would, lets a scripted
charger answer it, and checks three things: the exact CALL on the wire, the
stored Command (action, request, status, response), and the database state
an accepted answer changes and a refused one must leave alone.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import IdTag
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandStatus, ReservationStatus
from chargepoints.models import (
    ChargePoint,
    ChargingProfile,
    Command,
    ConfigurationVariable,
    Connector,
    Reservation,
    Transaction,
)
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.ocpp_gateway.command_helpers import ScriptedCharger, command_issue

ACCEPTED = {"status": "Accepted"}
REJECTED = {"status": "Rejected"}
# Dates in the future whenever the suite runs: a reservation must expire later.
FUTURE_YEAR = timezone.now().year + 2
T_RETRIEVE = f"{FUTURE_YEAR}-01-01T00:00:00Z"
T_INSTALL = f"{FUTURE_YEAR}-01-01T02:00:00Z"
T_EXPIRY = f"{FUTURE_YEAR}-01-01T12:00:00Z"
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
# Stands for the request id the command was given, which the charger echoes.
REQUEST_ID = "<request id>"


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def online(chargepoint) -> ChargePoint:
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def charger(online) -> ScriptedCharger:
    return ScriptedCharger(ChargePoint16, online.pk)


@pytest.fixture
def exchange(online, charger):
    """Issue a command and let the charger answer it; return the record and the frame sent."""

    def exchange(name: str, params: dict | None = None, answer=ACCEPTED):
        # Fresh from the database: earlier commands may have changed the charger.
        command = command_issue(ChargePoint.objects.get(pk=online.pk), name, params)
        return command, charger.command(command, answer)

    return exchange


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken="TAG-0001", user=driver)


@pytest.fixture
def tx(online, connector, tag) -> Transaction:
    return Transaction.objects.create(
        chargepoint=online,
        connector=connector,
        id_tag=tag,
        start_transaction_timestamp=timezone.now(),
    )


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


# -- refused before anything is sent -------------------------------------------


@pytest.fixture
def long_tag(db) -> IdTag:
    return IdTag.objects.create(idToken="LONG-TAG-0123456789AB")  # 21 characters


@pytest.mark.parametrize(
    "name, params",
    [
        ("get_variables", {"variables": ["ChargingStation.StatusLedBrightness"]}),
        ("set_variables", {"variables": ["ChargingStation.StatusLedBrightness=50"]}),
        ("get_base_report", {}),
        ("get_report", {"component_criteria": ["Active"]}),
        ("get_charging_profiles", {}),
        ("get_transaction_status", {}),
        ("set_led_brightness", {"brightness": 50}),
    ],
)
def test_it_refuses_2_0_1_only_commands_and_records_nothing(online, name, params):
    with pytest.raises(CommandInvalid) as refused:
        command_issue(online, name, params)
    assert list(refused.value.errors) == ["command"]
    assert "OCPP 1.6" in refused.value.errors["command"][0]
    assert Command.objects.count() == 0


@pytest.mark.parametrize(
    "name, params, field",
    [
        # OCPP 1.6 §7.27 IdToken: at most 20 characters.
        ("remote_start", {"id_tag": "LONG-TAG-0123456789AB"}, "id_tag"),
        ("reserve_now", {"id_tag": "LONG-TAG-0123456789AB", "expiry_date": T_EXPIRY}, "id_tag"),
        ("send_local_list", {"id_tags": ["LONG-TAG-0123456789AB"]}, "id_tags"),
        ("reset", {"type": "hard", "evse_id": 1}, "evse_id"),
        ("trigger_message", {"requested_message": "LogStatusNotification"}, "requested_message"),
        (
            "set_charging_profile",
            {
                "purpose": "ChargingStationExternalConstraints",
                "periods": [{"start_period": 0, "limit": 16}],
            },
            "purpose",
        ),
        (
            "update_firmware",
            {"location": FIRMWARE_URL, "install_date": T_INSTALL},
            "install_date",
        ),
        ("update_firmware", {"location": FIRMWARE_URL, "signature": "c2ln"}, "signature"),
    ],
)
def test_it_refuses_what_ocpp_1_6_cannot_say_and_records_nothing(
    online, connector, long_tag, name, params, field
):
    with pytest.raises(CommandInvalid) as refused:
        command_issue(online, name, params)
    assert list(refused.value.errors) == [field]
    assert Command.objects.count() == 0


def test_it_records_a_call_error_as_failed_and_changes_nothing(exchange, connector, tag):
    command, sent = exchange(
        "reserve_now",
        {"id_tag": "TAG-0001", "expiry_date": T_EXPIRY, "connector_id": 1},
        answer=lambda sent: [4, sent[1], "NotSupported", "No reservations here", {}],
    )
    assert sent[2] == "ReserveNow"
    assert command.status == CommandStatus.FAILED
    assert command.error_code == "NotSupported"
    assert not Reservation.objects.exists()


# -- commands whose outcome is the answer alone ----------------------------------------


def call(name, params, action, payload, answer=ACCEPTED, *, id):
    return pytest.param(name, params, action, payload, answer, id=id)


COMPOSITE = {
    "status": "Accepted",
    "connectorId": 1,
    "scheduleStart": T_RETRIEVE,
    "chargingSchedule": {
        "duration": 3600,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    },
}
GET_LOG = {
    "location": UPLOAD_URL,
    "log_type": "SecurityLog",
    "oldest_timestamp": T_RETRIEVE,
    "retries": 1,
}

CALLS = [
    # Tags match regardless of case; the charger is given the tag as we know it.
    call(
        "remote_start",
        {"id_tag": "tag-0001", "connector_id": 1},
        "RemoteStartTransaction",
        {"connectorId": 1, "idTag": "TAG-0001"},
        id="remote_start",
    ),
    call(
        "remote_start",
        {"id_tag": "UNKNOWN-1"},
        "RemoteStartTransaction",
        {"idTag": "UNKNOWN-1"},
        id="remote_start-any-connector",
    ),
    call("reset", {"type": "soft"}, "Reset", {"type": "Soft"}, id="reset-soft"),
    call("reset", {"type": "hard"}, "Reset", {"type": "Hard"}, id="reset-hard"),
    # Seed 004 speaks 2.0.1: OnIdle is 1.6 Soft, Immediate is Hard.
    call("reset", {"type": "OnIdle"}, "Reset", {"type": "Soft"}, id="reset-OnIdle-is-soft"),
    call("reset", {"type": "Immediate"}, "Reset", {"type": "Hard"}, id="reset-Immediate-is-hard"),
    call("reset", {}, "Reset", {"type": "Soft"}, id="reset-soft-by-default"),
    call(
        "unlock_connector",
        {"connector_id": 1},
        "UnlockConnector",
        {"connectorId": 1},
        {"status": "Unlocked"},
        id="unlock_connector",
    ),
    call(
        "trigger_message",
        {"requested_message": "StatusNotification", "connector_id": 1},
        "TriggerMessage",
        {"requestedMessage": "StatusNotification", "connectorId": 1},
        id="trigger_message-for-a-connector",
    ),
    call(
        "trigger_message",
        {"requested_message": "Heartbeat"},
        "TriggerMessage",
        {"requestedMessage": "Heartbeat"},
        id="trigger_message",
    ),
    call("clear_cache", {}, "ClearCache", {}, id="clear_cache"),
    call(
        "data_transfer",
        {"vendor_id": "com.acme", "message_id": "Hello", "data": "plain text"},
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "Hello", "data": "plain text"},
        {"status": "Accepted", "data": "ok"},
        id="data_transfer-text",
    ),
    # OCPP 1.6 §4.3 DataTransfer: data is text, so structured data travels as JSON text.
    call(
        "data_transfer",
        {"vendor_id": "com.acme", "data": {"limit": 16, "phases": [1, 2]}},
        "DataTransfer",
        {"vendorId": "com.acme", "data": '{"limit":16,"phases":[1,2]}'},
        id="data_transfer-structured-as-json-text",
    ),
    call(
        "get_composite_schedule",
        {"duration": 3600, "connector_id": 1, "charging_rate_unit": "A"},
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"},
        COMPOSITE,
        id="get_composite_schedule",
    ),
    call(
        "get_composite_schedule",
        {"duration": 3600},
        "GetCompositeSchedule",
        {"connectorId": 0, "duration": 3600},
        id="get_composite_schedule-whole-charger",
    ),
    # UpdateFirmware.conf is empty: answering at all is accepting.
    call(
        "update_firmware",
        {"location": FIRMWARE_URL, "retrieve_date": T_RETRIEVE, "retries": 3, "retry_interval": 60},
        "UpdateFirmware",
        {"location": FIRMWARE_URL, "retrieveDate": T_RETRIEVE, "retries": 3, "retryInterval": 60},
        {},
        id="update_firmware",
    ),
    # Improved security for OCPP 1.6-J §3: a signed update is SignedUpdateFirmware.
    call(
        "update_firmware",
        SIGNED,
        "SignedUpdateFirmware",
        {
            "requestId": REQUEST_ID,
            "firmware": {
                "location": FIRMWARE_URL,
                "retrieveDateTime": T_RETRIEVE,
                "installDateTime": T_INSTALL,
                "signingCertificate": SIGNED["signing_certificate"],
                "signature": SIGNED["signature"],
            },
            "retries": 2,
        },
        id="update_firmware-signed",
    ),
    # GetDiagnostics.conf names the file at most: answering at all is accepting.
    call(
        "get_diagnostics",
        {"location": UPLOAD_URL},
        "GetDiagnostics",
        {"location": UPLOAD_URL},
        {"fileName": "diagnostics.zip"},
        id="get_diagnostics",
    ),
    call(
        "get_diagnostics",
        {"location": UPLOAD_URL, "start_time": T_RETRIEVE, "stop_time": T_EXPIRY, "retries": 1},
        "GetDiagnostics",
        {"location": UPLOAD_URL, "startTime": T_RETRIEVE, "stopTime": T_EXPIRY, "retries": 1},
        {},
        id="get_diagnostics-nothing-to-upload",
    ),
    # The security extension's GetLog.
    call(
        "get_log",
        GET_LOG,
        "GetLog",
        {
            "logType": "SecurityLog",
            "requestId": REQUEST_ID,
            "log": {"remoteLocation": UPLOAD_URL, "oldestTimestamp": T_RETRIEVE},
            "retries": 1,
        },
        {"status": "Accepted", "filename": "security.log"},
        id="get_log",
    ),
]


@pytest.mark.parametrize("name, params, action, payload, answer", CALLS)
def test_it_sends_the_1_6_call_and_records_the_answer(
    exchange, connector, tag, name, params, action, payload, answer
):
    command, sent = exchange(name, params, answer)
    if payload.get("requestId") == REQUEST_ID:
        payload = {**payload, "requestId": command.request_id}
    assert_frame(command, sent, action, payload)
    assert_answer(command, CommandStatus.ACCEPTED, answer)


# The least each command needs, for the answers below.
MINIMAL = {
    "remote_start": {"id_tag": "TAG-0001"},
    "reset": {},
    "unlock_connector": {"connector_id": 1},
    "trigger_message": {"requested_message": "Heartbeat"},
    "clear_cache": {},
    "data_transfer": {"vendor_id": "com.acme"},
    "get_composite_schedule": {"duration": 3600},
    "update_firmware": SIGNED,
    "get_log": GET_LOG,
}


@pytest.mark.parametrize(
    "name, status, accepted",
    [
        ("remote_start", "Rejected", False),
        ("reset", "Rejected", False),
        ("unlock_connector", "UnlockFailed", False),
        ("unlock_connector", "NotSupported", False),
        ("trigger_message", "Rejected", False),
        ("trigger_message", "NotImplemented", False),
        ("clear_cache", "Rejected", False),
        ("data_transfer", "Rejected", False),
        ("data_transfer", "UnknownVendorId", False),
        ("data_transfer", "UnknownMessageId", False),
        ("get_composite_schedule", "Rejected", False),
        ("update_firmware", "Rejected", False),
        ("update_firmware", "InvalidCertificate", False),
        ("update_firmware", "RevokedCertificate", False),
        # Accepted, and an update in progress canceled for it.
        ("update_firmware", "AcceptedCanceled", True),
        ("get_log", "AcceptedCanceled", True),
        ("get_log", "Rejected", False),
    ],
)
def test_it_reads_whether_the_charger_accepted(exchange, connector, tag, name, status, accepted):
    answer = {"status": status}
    command, _ = exchange(name, MINIMAL[name], answer)
    expected = CommandStatus.ACCEPTED if accepted else CommandStatus.REJECTED
    assert_answer(command, expected, answer)


def test_it_accepts_a_composite_schedule_with_one_decimal_limits(exchange, connector):
    schedule = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.3}],
    }
    answer = {**COMPOSITE, "chargingSchedule": schedule}
    command, _ = exchange("get_composite_schedule", {"duration": 3600, "connector_id": 1}, answer)
    assert_answer(command, CommandStatus.ACCEPTED, answer)


# -- starting and stopping -------------------------------------------------------


@pytest.mark.parametrize(
    "answer, status",
    [(ACCEPTED, CommandStatus.ACCEPTED), (REJECTED, CommandStatus.REJECTED)],
)
def test_it_stops_the_active_transaction_by_our_transaction_id(
    exchange, connector, tx, answer, status
):
    # OCPP 1.6: the transaction id is ours, given in StartTransaction.conf.
    command, sent = exchange("remote_stop", {"connector_id": 1}, answer)
    assert_frame(command, sent, "RemoteStopTransaction", {"transactionId": tx.pk})
    assert_answer(command, status, answer)
    assert (command.transaction, command.connector) == (tx, connector)


# -- the station ----------------------------------------------------------------------


@pytest.fixture
def two_connectors(online, connector) -> tuple[Connector, Connector]:
    return connector, Connector.objects.create(chargepoint=online, connectorid=2)


def availability(chargepoint: ChargePoint) -> tuple[str, list[str]]:
    """The charger's availability and its connectors', in connector order."""
    chargepoint.refresh_from_db()
    connectors = chargepoint.connectors.order_by("connectorid")
    return chargepoint.availability_status, [c.availability_status for c in connectors]


@pytest.mark.parametrize("answer", [ACCEPTED, {"status": "Scheduled"}])
def test_it_takes_the_whole_charger_out_of_service_with_connector_0(
    exchange, online, two_connectors, answer
):
    # OCPP 1.6 §5.2: connector 0 is the charge point and every connector on it.
    command, sent = exchange(
        "change_availability", {"type": "Inoperative", "connector_id": 0}, answer
    )
    assert_frame(command, sent, "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
    assert_answer(command, CommandStatus.ACCEPTED, answer)
    assert availability(online) == ("Inoperative", ["Inoperative", "Inoperative"])


def test_it_takes_one_connector_out_of_service(exchange, online, two_connectors):
    command, sent = exchange("change_availability", {"type": "unavailable", "connector_id": 2})
    assert_frame(command, sent, "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert command.connector == two_connectors[1]
    assert availability(online) == ("Operative", ["Operative", "Inoperative"])


@pytest.mark.parametrize("connector_id", [0, 2])
def test_it_changes_no_availability_when_refused(exchange, online, two_connectors, connector_id):
    command, _ = exchange(
        "change_availability", {"type": "Inoperative", "connector_id": connector_id}, REJECTED
    )
    assert_answer(command, CommandStatus.REJECTED, REJECTED)
    assert availability(online) == ("Operative", ["Operative", "Operative"])


# -- configuration ----------------------------------------------------------------


def configuration(chargepoint: ChargePoint) -> set[tuple]:
    return set(
        ConfigurationVariable.objects.filter(chargepoint=chargepoint).values_list(
            "component", "variable", "value", "readonly"
        )
    )


@pytest.mark.parametrize(
    "params, payload",
    [
        ({}, {}),
        (
            {"keys": ["HeartbeatInterval", "ChargePointVendor", "Nope"]},
            {"key": ["HeartbeatInterval", "ChargePointVendor", "Nope"]},
        ),
    ],
)
def test_it_reads_configuration_keys_and_stores_them(exchange, online, params, payload):
    answer = {
        "configurationKey": [
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
            {"key": "ChargePointVendor", "readonly": True, "value": "ACME"},
        ],
        "unknownKey": ["Nope"],
    }
    command, sent = exchange("get_configuration", params, answer)
    assert_frame(command, sent, "GetConfiguration", payload)
    assert_answer(command, CommandStatus.ACCEPTED, answer)
    # A 1.6 key is stored with no component.
    assert configuration(online) == {
        ("", "HeartbeatInterval", "300", False),
        ("", "ChargePointVendor", "ACME", True),
    }


@pytest.mark.parametrize(
    "answer, status, value",
    [
        (ACCEPTED, CommandStatus.ACCEPTED, "60"),
        ({"status": "RebootRequired"}, CommandStatus.ACCEPTED, "60"),
        (REJECTED, CommandStatus.REJECTED, "300"),
        ({"status": "NotSupported"}, CommandStatus.REJECTED, "300"),
    ],
)
def test_it_changes_a_configuration_key_and_stores_it_when_accepted(
    exchange, online, answer, status, value
):
    ConfigurationVariable.objects.create(
        chargepoint=online, variable="HeartbeatInterval", value="300"
    )
    command, sent = exchange(
        "change_configuration", {"key": "HeartbeatInterval", "value": "60"}, answer
    )
    assert_frame(command, sent, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"})
    assert_answer(command, status, answer)
    assert configuration(online) == {("", "HeartbeatInterval", value, False)}


# -- smart charging --------------------------------------------------------------------


def profiles(chargepoint: ChargePoint) -> list[ChargingProfile]:
    return list(
        ChargingProfile.objects.filter(chargepoint=chargepoint).order_by("chargingprofile_id")
    )


def test_it_installs_a_profile_given_field_by_field(exchange, online, connector):
    params = {
        "charging_profile_id": 7,
        "connector_id": 1,
        "purpose": "TxDefaultProfile",
        "kind": "Recurring",
        "recurrency_kind": "Daily",
        "stack_level": 2,
        "charging_rate_unit": "W",
        "periods": [
            {"start_period": 0, "limit": 11000, "number_phases": 3},
            {"start_period": 3600, "limit": 7400.5},
        ],
        "duration": 86400,
        "start_schedule": T_RETRIEVE,
        "valid_from": T_RETRIEVE,
        "valid_to": T_EXPIRY,
        "min_charging_rate": 1400.0,
    }
    command, sent = exchange("set_charging_profile", params)
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 7,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Recurring",
                "recurrencyKind": "Daily",
                "validFrom": T_RETRIEVE,
                "validTo": T_EXPIRY,
                "chargingSchedule": {
                    "duration": 86400,
                    "startSchedule": T_RETRIEVE,
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 11000, "numberPhases": 3},
                        {"startPeriod": 3600, "limit": 7400.5},
                    ],
                    "minChargingRate": 1400.0,
                },
            },
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    [profile] = profiles(online)
    assert_fields(
        profile,
        chargingprofile_id=7,
        connector=connector,
        transaction=None,
        chargingprofile_purpose="TxDefaultProfile",
        chargingprofile_kind="Recurring",
        recurrency_kind="Daily",
        stack_level=2,
        charging_rate_unit="W",
        chargingschedule_period=params["periods"],
        duration=86400,
        start_schedule=utc(T_RETRIEVE),
        valid_from=utc(T_RETRIEVE),
        valid_to=utc(T_EXPIRY),
        min_charging_rate=Decimal("1400.0"),
    )


def test_it_sends_a_charging_station_max_profile_as_1_6_charge_point_max_profile(exchange, online):
    command, sent = exchange(
        "set_charging_profile",
        {"purpose": "ChargingStationMaxProfile", "periods": [{"start_period": 0, "limit": 32}]},
    )
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        {
            "connectorId": 0,
            "csChargingProfiles": {
                "chargingProfileId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "ChargePointMaxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32}],
                },
            },
        },
    )
    [profile] = profiles(online)
    assert_fields(profile, connector=None, chargingprofile_purpose="ChargingStationMaxProfile")


def tx_profile_frame(tx: Transaction, *, profile_id: int, stack_level: int, limit) -> dict:
    return {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": profile_id,
            "transactionId": tx.pk,
            "stackLevel": stack_level,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            },
        },
    }


def test_it_binds_a_tx_profile_to_the_active_transaction(exchange, online, connector, tx):
    # OCPP 1.6 §5.16.3: a TxProfile names the transaction it limits.
    command, sent = exchange(
        "set_charging_profile",
        {"connector_id": 1, "purpose": "TxProfile", "periods": [{"start_period": 0, "limit": 16}]},
    )
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        tx_profile_frame(tx, profile_id=1, stack_level=0, limit=16),
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert command.transaction == tx
    [profile] = profiles(online)
    assert_fields(profile, connector=connector, transaction=tx, chargingprofile_purpose="TxProfile")


@pytest.mark.parametrize("refusal", ["Rejected", "NotSupported"])
def test_it_installs_no_profile_when_refused(exchange, online, connector, tx, refusal):
    command, _ = exchange(
        "set_charging_profile",
        {"connector_id": 1, "purpose": "TxProfile", "periods": [{"start_period": 0, "limit": 16}]},
        {"status": refusal},
    )
    assert command.status == CommandStatus.REJECTED
    assert profiles(online) == []


@pytest.mark.parametrize(
    "limit, wire_limit",
    [
        (16, 16),
        (32.0, 32),
        (10.5, 10.5),
        (0, 0),  # pauses charging (seed 004)
        pytest.param(6.3, 6.3),
    ],
)
def test_it_sets_the_seed_004_current_limit_as_a_tx_profile(
    exchange, online, connector, tx, limit, wire_limit
):
    command, sent = exchange("set_current_limit", {"limit": limit})
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        tx_profile_frame(tx, profile_id=1, stack_level=1, limit=wire_limit),
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert (command.transaction, command.connector) == (tx, connector)
    [profile] = profiles(online)
    assert_fields(
        profile,
        transaction=tx,
        connector=connector,
        chargingprofile_purpose="TxProfile",
        chargingprofile_kind="Absolute",
        charging_rate_unit="A",
        chargingschedule_period=[{"start_period": 0, "limit": wire_limit}],
    )
    assert_fields(connector, current_limit=limit)


def test_it_replaces_the_transactions_limit_instead_of_stacking_another(
    exchange, online, connector, tx
):
    # OCPP 1.6 §5.16.2: a profile with an installed profile's id replaces it.
    exchange("set_current_limit", {"limit": 16})
    command, sent = exchange("set_current_limit", {"limit": 8})
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        tx_profile_frame(tx, profile_id=1, stack_level=1, limit=8),
    )
    [profile] = profiles(online)
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": 8}]
    assert_fields(connector, current_limit=8)


def test_it_keeps_the_current_limit_when_refused(exchange, online, connector, tx):
    Connector.objects.filter(pk=connector.pk).update(current_limit=32)
    command, _ = exchange("set_current_limit", {"limit": 6}, REJECTED)
    assert_answer(command, CommandStatus.REJECTED, REJECTED)
    assert profiles(online) == []
    assert_fields(connector, current_limit=32)


@pytest.fixture
def installed(online, connector) -> None:
    """Profile 1 for the whole charger; 2 and 3 defaults for connector 1 at levels 0 and 1."""
    for profile_id, where, purpose, level in [
        (1, None, "ChargePointMaxProfile", 0),
        (2, connector, "TxDefaultProfile", 0),
        (3, connector, "TxDefaultProfile", 1),
    ]:
        ChargingProfile.objects.create(
            chargepoint=online,
            chargingprofile_id=profile_id,
            name=f"Profile {profile_id}",
            connector=where,
            chargingprofile_purpose=purpose,
            stack_level=level,
            chargingschedule_period=[{"start_period": 0, "limit": 16}],
        )


@pytest.mark.parametrize(
    "params, payload, left",
    [
        ({"charging_profile_id": 2}, {"id": 2}, [1, 3]),
        (
            {"connector_id": 1, "purpose": "TxDefaultProfile", "stack_level": 0},
            {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0},
            [1, 3],
        ),
        ({"connector_id": 1}, {"connectorId": 1}, [1]),
        ({"connector_id": 0}, {"connectorId": 0}, [2, 3]),
        ({"purpose": "TxDefaultProfile"}, {"chargingProfilePurpose": "TxDefaultProfile"}, [1]),
        ({}, {}, []),
    ],
)
def test_it_clears_the_profiles_named_by_id_or_criteria(
    exchange, online, installed, params, payload, left
):
    # OCPP 1.6 §5.5: an id clears that profile, otherwise every one matching all criteria.
    command, sent = exchange("clear_charging_profile", params)
    assert_frame(command, sent, "ClearChargingProfile", payload)
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert [p.chargingprofile_id for p in profiles(online)] == left


@pytest.mark.parametrize(
    "stored_as, cleared_as",
    [
        ("ChargePointMaxProfile", "ChargePointMaxProfile"),
        pytest.param(
            "ChargingStationMaxProfile",
            "ChargePointMaxProfile",
        ),
        pytest.param(
            "ChargePointMaxProfile",
            "ChargingStationMaxProfile",
        ),
    ],
)
def test_it_clears_a_max_profile_by_either_of_its_names(exchange, online, stored_as, cleared_as):
    # Both names are 1.6 ChargePointMaxProfile: the charger clears the profile either way.
    ChargingProfile.objects.create(
        chargepoint=online,
        chargingprofile_id=1,
        name="Site limit",
        chargingprofile_purpose=stored_as,
        chargingschedule_period=[{"start_period": 0, "limit": 32}],
    )
    command, sent = exchange("clear_charging_profile", {"purpose": cleared_as})
    assert_frame(
        command, sent, "ClearChargingProfile", {"chargingProfilePurpose": "ChargePointMaxProfile"}
    )
    assert profiles(online) == []


def test_it_clears_no_profile_the_charger_does_not_know(exchange, online, installed):
    answer = {"status": "Unknown"}
    command, _ = exchange("clear_charging_profile", {"charging_profile_id": 2}, answer)
    assert_answer(command, CommandStatus.REJECTED, answer)
    assert [p.chargingprofile_id for p in profiles(online)] == [1, 2, 3]


# -- reservations and the local list ---------------------------------------------------


@pytest.mark.parametrize("connector_id, wire_connector", [(1, 1), (None, 0)])
def test_it_reserves_and_records_an_active_reservation(
    exchange, online, connector, tag, driver, connector_id, wire_connector
):
    params = {"id_tag": "TAG-0001", "expiry_date": T_EXPIRY}
    if connector_id is not None:
        params["connector_id"] = connector_id
    command, sent = exchange("reserve_now", params)
    assert_frame(
        command,
        sent,
        "ReserveNow",
        {
            "connectorId": wire_connector,
            "expiryDate": T_EXPIRY,
            "idTag": "TAG-0001",
            "reservationId": command.request_id,
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert_fields(
        Reservation.objects.get(),
        reservation_id=command.request_id,
        chargepoint=online,
        connector=connector if connector_id else None,
        id_tag=tag,
        user=driver,
        status=ReservationStatus.ACTIVE,
        expiry_date=utc(T_EXPIRY),
    )


def test_it_reserves_for_a_group_with_the_parent_tag(exchange, connector):
    parent = IdTag.objects.create(idToken="FLEET-1")
    IdTag.objects.create(idToken="DRIVER-7", parent_id_tag=parent)
    _, sent = exchange(
        "reserve_now", {"id_tag": "DRIVER-7", "expiry_date": T_EXPIRY, "connector_id": 1}
    )
    assert sent[3]["parentIdTag"] == "FLEET-1"
    assert Reservation.objects.get().id_tag_id == "DRIVER-7"


@pytest.mark.parametrize("refusal", ["Occupied", "Faulted", "Unavailable", "Rejected"])
def test_it_records_no_reservation_when_refused(exchange, connector, tag, refusal):
    command, _ = exchange(
        "reserve_now",
        {"id_tag": "TAG-0001", "expiry_date": T_EXPIRY, "connector_id": 1},
        {"status": refusal},
    )
    assert_answer(command, CommandStatus.REJECTED, {"status": refusal})
    assert not Reservation.objects.exists()


@pytest.fixture
def reservation(online, connector, tag) -> Reservation:
    return Reservation.objects.create(
        reservation_id=4711,
        chargepoint=online,
        connector=connector,
        id_tag=tag,
        start_time=timezone.now(),
        expiry_date=utc(T_EXPIRY),
    )


@pytest.mark.parametrize(
    "answer, status, left",
    [
        (ACCEPTED, CommandStatus.ACCEPTED, ReservationStatus.CANCELED),
        (REJECTED, CommandStatus.REJECTED, ReservationStatus.ACTIVE),
    ],
)
def test_it_cancels_a_reservation(exchange, reservation, answer, status, left):
    command, sent = exchange("cancel_reservation", {"reservation_id": 4711}, answer)
    assert_frame(command, sent, "CancelReservation", {"reservationId": 4711})
    assert_answer(command, status, answer)
    assert_fields(reservation, status=left)


def test_it_refuses_to_cancel_a_reservation_that_is_not_active(online, reservation):
    Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.CANCELED)
    with pytest.raises(CommandInvalid) as refused:
        command_issue(online, "cancel_reservation", {"reservation_id": 4711})
    assert list(refused.value.errors) == ["reservation_id"]
    assert Command.objects.count() == 0


@pytest.fixture
def tags(tag) -> None:
    """TAG-0001 plus a group, an expired and a revoked tag."""
    parent = IdTag.objects.create(idToken="FLEET-1")
    IdTag.objects.create(idToken="DRIVER-7", parent_id_tag=parent)
    IdTag.objects.create(idToken="EXPIRED-1", expiry_date=utc("2020-01-01T00:00:00Z"))
    IdTag.objects.create(idToken="REVOKED-1", revoked=True)


def test_it_sends_a_full_local_list_with_every_tag(exchange, online, tags):
    ChargePoint.objects.filter(pk=online.pk).update(local_list_version=7)
    command, sent = exchange("send_local_list", {"update_type": "full"})
    assert_frame(
        command,
        sent,
        "SendLocalList",
        {
            "listVersion": 8,
            "updateType": "Full",
            "localAuthorizationList": [
                {
                    "idTag": "DRIVER-7",
                    "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET-1"},
                },
                {
                    "idTag": "EXPIRED-1",
                    "idTagInfo": {"status": "Expired", "expiryDate": "2020-01-01T00:00:00Z"},
                },
                {"idTag": "FLEET-1", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "REVOKED-1", "idTagInfo": {"status": "Blocked"}},
                {"idTag": "TAG-0001", "idTagInfo": {"status": "Accepted"}},
            ],
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert_fields(online, local_list_version=8)


def test_it_sends_a_differential_local_list_that_removes_tags(exchange, online, tags):
    command, sent = exchange(
        "send_local_list",
        {
            "update_type": "differential",
            "list_version": 12,
            "id_tags": ["tag-0001"],
            "remove": ["GONE-1"],
        },
    )
    # OCPP 1.6 §5.15: in a differential update an entry without idTagInfo is removed.
    assert_frame(
        command,
        sent,
        "SendLocalList",
        {
            "listVersion": 12,
            "updateType": "Differential",
            "localAuthorizationList": [
                {"idTag": "TAG-0001", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "GONE-1"},
            ],
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert_fields(online, local_list_version=12)


@pytest.mark.parametrize("refusal", ["Failed", "NotSupported", "VersionMismatch"])
def test_it_keeps_the_local_list_version_when_refused(exchange, online, tag, refusal):
    ChargePoint.objects.filter(pk=online.pk).update(local_list_version=7)
    command, _ = exchange("send_local_list", {}, {"status": refusal})
    assert_answer(command, CommandStatus.REJECTED, {"status": refusal})
    assert_fields(online, local_list_version=7)


def test_it_reads_the_local_list_version(exchange, online):
    answer = {"listVersion": 5}
    command, sent = exchange("get_local_list_version", answer=answer)
    assert_frame(command, sent, "GetLocalListVersion", {})
    assert_answer(command, CommandStatus.ACCEPTED, answer)
    assert_fields(online, local_list_version=5)


# -- firmware, diagnostics and logs -------------------------------------------------------


@pytest.mark.parametrize(
    "name, params, report, progress",
    [
        (
            "update_firmware",
            {"location": FIRMWARE_URL},
            "FirmwareStatusNotification",
            "Downloading",
        ),
        ("get_diagnostics", {"location": UPLOAD_URL}, "DiagnosticsStatusNotification", "Uploading"),
    ],
)
def test_it_follows_progress_reports_on_the_accepted_command(
    exchange, charger, name, params, report, progress
):
    # Plain 1.6 reports name no request: the newest accepted command of its kind is meant.
    command, _ = exchange(name, params, answer={})
    assert command.status == CommandStatus.ACCEPTED
    assert charger.call(report, {"status": progress}) == [3, "1", {}]
    assert_fields(command, progress=progress)


@pytest.mark.parametrize(
    "name, params, report, progress",
    [
        ("update_firmware", SIGNED, "SignedFirmwareStatusNotification", "Downloading"),
        ("get_log", {"location": UPLOAD_URL}, "LogStatusNotification", "Uploading"),
    ],
)
def test_it_follows_security_extension_reports_on_the_request_they_name(
    exchange, charger, name, params, report, progress
):
    first, _ = exchange(name, params)
    newer, _ = exchange(name, params)
    assert charger.call(report, {"status": progress, "requestId": first.request_id}) == [3, "1", {}]
    assert_fields(first, progress=progress)
    assert_fields(newer, progress="")

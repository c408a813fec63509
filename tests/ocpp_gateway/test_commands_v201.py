"""Every command a 2.0.1 charger takes: the exact CALL sent, the record kept, what changed.

The charger is seed 004's BMW wallbox: one EVSE with one connector, on OCPP
2.0.1. Each test issues a command as ``command_request`` would, lets the
adapter send it, answers it as the charger would, and reads the result.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.models import IdTag
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandStatus, ReservationStatus
from chargepoints.models import (
    ChargingProfile,
    Command,
    ConfigurationVariable,
    Connector,
    Reservation,
    Transaction,
)
from ocpp_gateway.v21.adapter import ChargePoint21
from ocpp_gateway.v201.adapter import ChargePoint201
from ocpp_gateway.v201.commands import BUILDERS
from tests.ocpp_gateway.command_helpers import ScriptedCharger, command_issue

# In the future whenever the suite runs.
T_RETRIEVE = f"{timezone.now().year + 2}-01-01T02:00:00Z"
TX_ID = "bmw-tx-7f3a"
LED = {"component": {"name": "ChargingStation"}, "variable": {"name": "StatusLedBrightness"}}


@pytest.fixture
def online(chargepoint):
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def evse(online) -> Connector:
    return Connector.objects.create(
        chargepoint=online, connectorid=1, evse_id=1, evse_connector_id=1
    )


@pytest.fixture
def charger(online) -> ScriptedCharger:
    return ScriptedCharger(ChargePoint201, online.pk)


@pytest.fixture
def active_tx(online, evse) -> Transaction:
    return Transaction.objects.create(
        chargepoint=online,
        connector=evse,
        charger_transaction_id=TX_ID,
        start_transaction_timestamp=timezone.now(),
    )


@pytest.fixture
def rfid(driver) -> IdTag:
    group = IdTag.objects.create(idToken="FAMILY")
    return IdTag.objects.create(
        idToken="RFID-0042", token_type="ISO14443", user=driver, parent_id_tag=group
    )


def refused(chargepoint, name: str, params: dict) -> dict[str, list[str]]:
    """The field errors of a command that must not be sent; nothing may be recorded."""
    with pytest.raises(CommandInvalid) as caught:
        command_issue(chargepoint, name, params)
    assert not Command.objects.exists()
    return caught.value.errors


def iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def test_it_has_a_test_here_for_every_command_a_201_charger_takes():
    # A command added to the 2.0.1 translation gets its frame test in this file.
    assert set(BUILDERS) == {
        "remote_start",
        "remote_stop",
        "reset",
        "unlock_connector",
        "change_availability",
        "get_variables",
        "set_variables",
        "set_led_brightness",
        "get_base_report",
        "get_report",
        "trigger_message",
        "clear_cache",
        "data_transfer",
        "set_charging_profile",
        "set_current_limit",
        "clear_charging_profile",
        "get_charging_profiles",
        "get_composite_schedule",
        "reserve_now",
        "cancel_reservation",
        "send_local_list",
        "get_local_list_version",
        "update_firmware",
        "get_log",
        "get_transaction_status",
    }


# -- starting and stopping ---------------------------------------------------


@pytest.mark.parametrize(
    "token_type, sent_type",
    [("ISO14443", "ISO14443"), ("Local", "Local"), ("", "Central")],
)
def test_it_starts_a_transaction_with_the_tags_own_token_type(
    online, evse, charger, token_type, sent_type
):
    IdTag.objects.create(idToken="RFID-0042", token_type=token_type)
    command = command_issue(
        online, "remote_start", {"id_tag": "rfid-0042", "connector_id": 1, "remote_start_id": 42}
    )
    answer = {"status": "Accepted", "transactionId": TX_ID}

    sent = charger.command(command, answer)

    assert sent == [
        2,
        command.message_id,
        "RequestStartTransaction",
        {
            "evseId": 1,
            "idToken": {"idToken": "RFID-0042", "type": sent_type},
            "remoteStartId": 42,
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer


def test_it_starts_with_an_unknown_token_as_central_and_a_fresh_remote_start_id(
    online, evse, charger
):
    command = command_issue(online, "remote_start", {"id_tag": "APP-7"})

    sent = charger.command(command, {"status": "Rejected"})

    # OCPP 2.0.1 F01.FR.01: a remoteStartId on every request, even when none was asked.
    remote_start_id = command.params["remote_start_id"]
    assert 1 <= remote_start_id < 2**31
    assert sent == [
        2,
        command.message_id,
        "RequestStartTransaction",
        {"idToken": {"idToken": "APP-7", "type": "Central"}, "remoteStartId": remote_start_id},
    ]
    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "Rejected"}


@pytest.mark.parametrize("params", [{"connector_id": 1}, {}], ids=["by-connector", "the-only-one"])
def test_it_stops_a_transaction_by_the_chargers_transaction_id(
    online, evse, active_tx, charger, params
):
    command = command_issue(online, "remote_stop", params)

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "RequestStopTransaction", {"transactionId": TX_ID}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}
    assert command.transaction == active_tx
    assert command.connector == evse


def test_it_refuses_to_stop_when_no_transaction_is_active(online, evse):
    errors = refused(online, "remote_stop", {"connector_id": 1})

    assert errors == {"transaction_id": ["There is no active transaction on connector 1."]}


# -- the station -------------------------------------------------------------


@pytest.mark.parametrize(
    "params, payload",
    [
        ({"type": "hard"}, {"type": "Immediate"}),
        ({"type": "Immediate"}, {"type": "Immediate"}),
        ({"type": "soft"}, {"type": "OnIdle"}),
        ({"type": "OnIdle", "evse_id": 1}, {"type": "OnIdle", "evseId": 1}),
        ({}, {"type": "OnIdle"}),
    ],
)
def test_it_resets_immediately_or_when_idle(online, charger, params, payload):
    command = command_issue(online, "reset", params)

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "Reset", payload]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}


@pytest.mark.parametrize(
    "answer, status",
    [("Scheduled", CommandStatus.ACCEPTED), ("Rejected", CommandStatus.REJECTED)],
)
def test_it_counts_a_scheduled_reset_as_accepted(online, charger, answer, status):
    command = command_issue(online, "reset", {"type": "OnIdle"})

    charger.command(command, {"status": answer})

    assert command.status == status
    assert command.response == {"status": answer}


@pytest.mark.parametrize(
    "answer, status",
    [("Unlocked", CommandStatus.ACCEPTED), ("UnlockFailed", CommandStatus.REJECTED)],
)
def test_it_unlocks_a_connector_by_its_evse_address(online, evse, charger, answer, status):
    second = Connector.objects.create(
        chargepoint=online, connectorid=2, evse_id=2, evse_connector_id=1
    )
    command = command_issue(online, "unlock_connector", {"connector_id": 2})

    sent = charger.command(command, {"status": answer})

    assert sent == [2, command.message_id, "UnlockConnector", {"evseId": 2, "connectorId": 1}]
    assert command.status == status
    assert command.response == {"status": answer}
    assert command.connector == second


def test_it_takes_the_whole_station_out_of_service(online, evse, charger):
    command = command_issue(online, "change_availability", {"type": "unavailable"})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "ChangeAvailability",
        {"operationalStatus": "Inoperative"},
    ]
    assert command.status == CommandStatus.ACCEPTED
    online.refresh_from_db()
    evse.refresh_from_db()
    assert online.availability_status == "Inoperative"
    assert evse.availability_status == "Inoperative"


def test_it_takes_one_connector_out_of_service(online, evse, charger):
    command = command_issue(
        online, "change_availability", {"type": "Inoperative", "connector_id": 1}
    )

    sent = charger.command(command, {"status": "Scheduled"})

    assert sent == [
        2,
        command.message_id,
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Scheduled"}
    online.refresh_from_db()
    evse.refresh_from_db()
    assert evse.availability_status == "Inoperative"
    assert online.availability_status == "Operative"


def test_it_changes_no_availability_the_charger_rejected(online, evse, charger):
    command = command_issue(online, "change_availability", {"type": "Inoperative"})

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED
    online.refresh_from_db()
    assert online.availability_status == "Operative"


# -- device-model variables (2.0.1 part B) -----------------------------------


def test_it_stores_the_variables_the_charger_reports(online, charger):
    command = command_issue(
        online,
        "get_variables",
        {
            "variables": [
                "ChargingStation.StatusLedBrightness",
                {
                    "component": "EVSE",
                    "evse_id": 1,
                    "variable": "Power",
                    "attribute_type": "MaxSet",
                },
                {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
            ]
        },
    )
    answer = {
        "getVariableResult": [
            {"attributeStatus": "Accepted", "attributeValue": "46", **LED},
            {
                "attributeStatus": "Accepted",
                "attributeType": "MaxSet",
                "attributeValue": "22080",
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
            },
            {
                "attributeStatus": "UnknownVariable",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
        ]
    }

    sent = charger.command(command, answer)

    assert sent == [
        2,
        command.message_id,
        "GetVariables",
        {
            "getVariableData": [
                {"attributeType": "Actual", **LED},
                {
                    "attributeType": "MaxSet",
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "Power"},
                },
                {
                    "attributeType": "Actual",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
            ]
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer
    stored = ConfigurationVariable.objects.filter(chargepoint=online).values_list(
        "component", "evse_id", "variable", "attribute_type", "value"
    )
    # The variable the charger does not know is not stored.
    assert sorted(stored) == [
        ("ChargingStation", 0, "StatusLedBrightness", "Actual", "46"),
        ("EVSE", 1, "Power", "MaxSet", "22080"),
    ]


@pytest.mark.parametrize("attribute_status", ["Accepted", "RebootRequired"])
def test_it_stores_variables_the_charger_set(online, charger, attribute_status):
    command = command_issue(
        online,
        "set_variables",
        {
            "variables": [
                "ChargingStation.StatusLedBrightness=30",
                {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": 300},
            ]
        },
    )
    answer = {
        "setVariableResult": [
            {"attributeStatus": attribute_status, **LED},
            {
                "attributeStatus": "Accepted",
                "attributeType": "Actual",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
        ]
    }

    sent = charger.command(command, answer)

    assert sent == [
        2,
        command.message_id,
        "SetVariables",
        {
            "setVariableData": [
                {"attributeType": "Actual", "attributeValue": "30", **LED},
                {
                    "attributeType": "Actual",
                    "attributeValue": "300",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
            ]
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer
    stored = ConfigurationVariable.objects.filter(chargepoint=online)
    assert sorted(stored.values_list("component", "variable", "value")) == [
        ("ChargingStation", "StatusLedBrightness", "30"),
        ("OCPPCommCtrlr", "HeartbeatInterval", "300"),
    ]


def test_it_rejects_set_variables_when_one_variable_was_rejected(online, charger):
    command = command_issue(
        online,
        "set_variables",
        {
            "variables": [
                "ChargingStation.StatusLedBrightness=30",
                "OCPPCommCtrlr.HeartbeatInterval=5",
            ]
        },
    )
    answer = {
        "setVariableResult": [
            {"attributeStatus": "Accepted", **LED},
            {
                "attributeStatus": "Rejected",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
        ]
    }

    charger.command(command, answer)

    # 2.0.1 B05: each variable has its own status; the command is done only when all are set.
    assert command.status == CommandStatus.REJECTED
    assert command.response == answer
    assert not ConfigurationVariable.objects.filter(variable="HeartbeatInterval").exists()
    # What the charger did set is stored all the same: its value changed.
    led = ConfigurationVariable.objects.get(chargepoint=online, variable="StatusLedBrightness")
    assert led.value == "30"


def test_it_stores_each_evses_own_value_of_the_same_variable(online, charger):
    command = command_issue(
        online,
        "set_variables",
        {
            "variables": [
                {"component": "EVSE", "evse_id": 1, "variable": "Enabled", "value": "true"},
                {"component": "EVSE", "evse_id": 2, "variable": "Enabled", "value": "false"},
            ]
        },
    )
    answer = {
        "setVariableResult": [
            {
                "attributeStatus": "Accepted",
                "component": {"name": "EVSE", "evse": {"id": evse_id}},
                "variable": {"name": "Enabled"},
            }
            for evse_id in (1, 2)
        ]
    }

    charger.command(command, answer)

    assert command.status == CommandStatus.ACCEPTED
    stored = ConfigurationVariable.objects.filter(chargepoint=online, variable="Enabled")
    assert sorted(stored.values_list("evse_id", "value")) == [(1, "true"), (2, "false")]


def test_it_sets_the_led_brightness_as_seed_004_does(online, charger):
    command = command_issue(online, "set_led_brightness", {"brightness": 46})
    answer = {"setVariableResult": [{"attributeStatus": "Accepted", **LED}]}

    sent = charger.command(command, answer)

    assert sent == [
        2,
        command.message_id,
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeType": "Actual",
                    "attributeValue": "46",
                    "component": {"name": "ChargingStation"},
                    "variable": {"name": "StatusLedBrightness"},
                }
            ]
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer
    led = ConfigurationVariable.objects.get(
        chargepoint=online, component="ChargingStation", variable="StatusLedBrightness"
    )
    assert (led.attribute_type, led.value) == ("Actual", "46")


def test_it_keeps_the_led_brightness_the_charger_rejected(online, charger):
    command = command_issue(online, "set_led_brightness", {"brightness": 0})

    charger.command(command, {"setVariableResult": [{"attributeStatus": "Rejected", **LED}]})

    assert command.status == CommandStatus.REJECTED
    assert not ConfigurationVariable.objects.exists()


@pytest.mark.parametrize("brightness", [101, -1])
def test_it_refuses_a_brightness_outside_0_to_100(online, brightness):
    errors = refused(online, "set_led_brightness", {"brightness": brightness})

    assert list(errors) == ["brightness"]


@pytest.mark.parametrize(
    "params, report_base",
    [({}, "FullInventory"), ({"report_base": "configurationinventory"}, "ConfigurationInventory")],
)
def test_it_asks_for_a_base_report_with_a_request_id(online, charger, params, report_base):
    command = command_issue(online, "get_base_report", params)

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "GetBaseReport",
        {"requestId": command.request_id, "reportBase": report_base},
    ]
    assert command.request_id == command.params["request_id"]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}


@pytest.mark.parametrize(
    "answer, status",
    [
        ("EmptyResultSet", CommandStatus.ACCEPTED),
        ("NotSupported", CommandStatus.REJECTED),
        ("Rejected", CommandStatus.REJECTED),
    ],
)
def test_it_counts_an_empty_base_report_as_done(online, charger, answer, status):
    command = command_issue(online, "get_base_report", {"report_base": "SummaryInventory"})

    charger.command(command, {"status": answer})

    assert command.status == status


def test_it_asks_for_a_custom_report(online, charger):
    command = command_issue(
        online,
        "get_report",
        {
            "component_criteria": ["Problem", "Enabled"],
            "variables": ["ChargingStation.StatusLedBrightness"],
        },
    )

    sent = charger.command(command, {"status": "EmptyResultSet"})

    assert sent == [
        2,
        command.message_id,
        "GetReport",
        {
            "requestId": command.request_id,
            "componentCriteria": ["Problem", "Enabled"],
            "componentVariable": [LED],
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "EmptyResultSet"}


def test_it_refuses_a_custom_report_of_nothing(online):
    errors = refused(online, "get_report", {})

    assert list(errors) == ["non_field_errors"]


# -- triggers, cache, vendor data --------------------------------------------


@pytest.mark.parametrize(
    "params, payload",
    [
        ({"requested_message": "BootNotification"}, {"requestedMessage": "BootNotification"}),
        (
            {"requested_message": "StatusNotification", "connector_id": 1},
            {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
        ),
    ],
)
def test_it_triggers_a_message(online, evse, charger, params, payload):
    command = command_issue(online, "trigger_message", params)

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "TriggerMessage", payload]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}


def test_it_records_a_trigger_the_charger_does_not_implement(online, charger):
    command = command_issue(online, "trigger_message", {"requested_message": "MeterValues"})

    charger.command(command, {"status": "NotImplemented"})

    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "NotImplemented"}


@pytest.mark.parametrize("message", ["DiagnosticsStatusNotification", "StartTransaction"])
def test_it_refuses_a_trigger_that_exists_only_in_16(online, message):
    errors = refused(online, "trigger_message", {"requested_message": message})

    assert list(errors) == ["requested_message"]
    assert "OCPP 2.0.1 triggers one of:" in errors["requested_message"][0]


@pytest.mark.parametrize(
    "answer, status",
    [("Accepted", CommandStatus.ACCEPTED), ("Rejected", CommandStatus.REJECTED)],
)
def test_it_clears_the_authorization_cache(online, charger, answer, status):
    command = command_issue(online, "clear_cache")

    sent = charger.command(command, {"status": answer})

    assert sent == [2, command.message_id, "ClearCache", {}]
    assert command.status == status
    assert command.response == {"status": answer}


@pytest.mark.parametrize(
    "data, sent_data",
    [
        ({"mode": "eco", "levels": [1, 2]}, {"mode": "eco", "levels": [1, 2]}),
        ('{"mode": "eco", "levels": [1, 2]}', {"mode": "eco", "levels": [1, 2]}),
        ("plain text", "plain text"),
    ],
    ids=["object", "json-text", "text"],
)
def test_it_sends_vendor_data_as_json(online, charger, data, sent_data):
    command = command_issue(
        online,
        "data_transfer",
        {"vendor_id": "com.bmw.wallbox", "message_id": "SetMode", "data": data},
    )
    answer = {"status": "Accepted", "data": {"ok": True}}

    sent = charger.command(command, answer)

    assert sent == [
        2,
        command.message_id,
        "DataTransfer",
        {"vendorId": "com.bmw.wallbox", "messageId": "SetMode", "data": sent_data},
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer


def test_it_records_an_unknown_vendor_as_rejected(online, charger):
    command = command_issue(online, "data_transfer", {"vendor_id": "com.example"})

    sent = charger.command(command, {"status": "UnknownVendorId"})

    assert sent == [2, command.message_id, "DataTransfer", {"vendorId": "com.example"}]
    assert command.status == CommandStatus.REJECTED


# -- smart charging (2.0.1 part K) -------------------------------------------


def test_it_installs_a_station_wide_maximum(online, evse, charger):
    # A 1.6 purpose name is the 2.0.1 ChargingStationMaxProfile.
    command = command_issue(
        online,
        "set_charging_profile",
        {
            "purpose": "ChargePointMaxProfile",
            "charging_rate_unit": "W",
            "periods": [{"start_period": 0, "limit": 11000}],
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SetChargingProfile",
        {
            "evseId": 0,
            "chargingProfile": {
                "id": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "ChargingStationMaxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}],
                    }
                ],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    profile = ChargingProfile.objects.get(chargepoint=online)
    assert profile.chargingprofile_id == 1
    assert profile.chargingprofile_purpose == "ChargePointMaxProfile"
    assert profile.connector is None
    assert profile.charging_rate_unit == "W"
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": 11000}]


def test_it_installs_a_recurring_default_profile_on_one_evse(online, evse, charger):
    ChargingProfile.objects.create(
        chargepoint=online, chargingprofile_id=4, name="old", chargingprofile_purpose="TxProfile"
    )
    command = command_issue(
        online,
        "set_charging_profile",
        {
            "purpose": "TxDefaultProfile",
            "connector_id": 1,
            "kind": "Recurring",
            "recurrency_kind": "Daily",
            "stack_level": 2,
            "start_schedule": "2025-01-01T00:00:00Z",
            "duration": 86400,
            "periods": [
                {"start_period": 0, "limit": 16, "number_phases": 3},
                {"start_period": 28800, "limit": 32},
            ],
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 5,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Recurring",
                "recurrencyKind": "Daily",
                "chargingSchedule": [
                    {
                        "id": 5,
                        "startSchedule": "2025-01-01T00:00:00Z",
                        "duration": 86400,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16, "numberPhases": 3},
                            {"startPeriod": 28800, "limit": 32},
                        ],
                    }
                ],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    profile = ChargingProfile.objects.get(chargepoint=online, chargingprofile_id=5)
    assert profile.connector == evse
    assert profile.recurrency_kind == "Daily"
    assert profile.start_schedule == datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def test_it_names_the_chargers_transaction_in_a_tx_profile(online, evse, active_tx, charger):
    command = command_issue(
        online,
        "set_charging_profile",
        {
            "purpose": "TxProfile",
            "connector_id": 1,
            "stack_level": 1,
            "periods": [{"start_period": 0, "limit": 10}],
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    # OCPP 2.0.1 K01.FR.03: a TxProfile names the charger's transaction id.
    assert sent[3]["chargingProfile"]["transactionId"] == TX_ID
    assert sent[3]["evseId"] == 1
    assert command.status == CommandStatus.ACCEPTED
    assert ChargingProfile.objects.get(chargepoint=online).transaction == active_tx


def test_it_installs_a_saved_template_under_a_new_id(online, evse, charger):
    template = ChargingProfile.objects.create(
        chargingprofile_id=9,
        name="Night tariff",
        chargingprofile_purpose="TxDefaultProfile",
        chargingprofile_kind="Recurring",
        recurrency_kind="Daily",
        stack_level=3,
        charging_rate_unit="W",
        chargingschedule_period=[{"start_period": 0, "limit": 7400}],
        start_schedule=datetime.datetime(2025, 1, 1, 22, tzinfo=datetime.UTC),
        duration=28800,
    )
    command = command_issue(
        online,
        "set_charging_profile",
        {"profile": template.pk, "connector_id": 1, "min_charging_rate": 1.5},
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 1,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Recurring",
                "recurrencyKind": "Daily",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "startSchedule": "2025-01-01T22:00:00Z",
                        "duration": 28800,
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400}],
                        "minChargingRate": 1.5,
                    }
                ],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    installed = ChargingProfile.objects.get(chargepoint=online)
    assert installed.chargingprofile_id == 1
    assert installed.connector == evse
    assert str(installed.min_charging_rate) == "1.5"
    # The template itself stays a template.
    template.refresh_from_db()
    assert template.chargepoint is None


def test_it_installs_no_profile_the_charger_rejected(online, charger):
    command = command_issue(
        online,
        "set_charging_profile",
        {"purpose": "TxDefaultProfile", "periods": [{"start_period": 0, "limit": 16}]},
    )

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED
    assert not ChargingProfile.objects.exists()


def seed_004_limit(limit, profile_id: int = 1) -> dict:
    """Seed 004's SetChargingProfile: a TxProfile of one period for the running transaction."""
    return {
        "evseId": 1,
        "chargingProfile": {
            "id": profile_id,
            "stackLevel": 1,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "transactionId": TX_ID,
            "chargingSchedule": [
                {
                    "id": profile_id,
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
                }
            ],
        },
    }


@pytest.mark.parametrize("limit", [16, 0, 32, 6, 10.5], ids=["16A", "pause", "max", "min", "half"])
def test_it_limits_the_current_of_the_running_transaction(online, evse, active_tx, charger, limit):
    command = command_issue(online, "set_current_limit", {"limit": limit})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "SetChargingProfile", seed_004_limit(limit)]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}
    assert command.transaction == active_tx
    assert command.connector == evse
    evse.refresh_from_db()
    assert evse.current_limit == limit
    profile = ChargingProfile.objects.get(chargepoint=online)
    assert profile.transaction == active_tx
    assert profile.connector == evse
    assert profile.chargingprofile_purpose == "TxProfile"
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": limit}]


def test_it_replaces_the_transactions_limit_rather_than_stacking_another(
    online, evse, active_tx, charger
):
    first = command_issue(online, "set_current_limit", {"limit": 16})
    charger.command(first, {"status": "Accepted"})
    second = command_issue(online, "set_current_limit", {"limit": 8, "connector_id": 1})

    sent = charger.command(second, {"status": "Accepted"})

    # 2.0.1 K01.FR.05: the same profile id replaces the installed profile.
    assert sent == [2, second.message_id, "SetChargingProfile", seed_004_limit(8, profile_id=1)]
    assert ChargingProfile.objects.get(chargepoint=online).chargingschedule_period == [
        {"start_period": 0, "limit": 8}
    ]
    evse.refresh_from_db()
    assert evse.current_limit == 8


def test_it_keeps_the_limit_the_charger_rejected(online, evse, active_tx, charger):
    command = command_issue(online, "set_current_limit", {"limit": 16})

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED
    evse.refresh_from_db()
    assert evse.current_limit is None
    assert not ChargingProfile.objects.exists()


@pytest.mark.parametrize("limit", [5, 33, -1])
def test_it_refuses_a_current_limit_the_wallbox_cannot_take(online, evse, active_tx, limit):
    errors = refused(online, "set_current_limit", {"limit": limit})

    assert list(errors) == ["limit"]


def test_it_refuses_a_current_limit_without_a_running_transaction(online, evse):
    errors = refused(online, "set_current_limit", {"limit": 16})

    assert errors == {
        "transaction_id": ["There is no active transaction on charge point CP-TEST-1."]
    }


@pytest.fixture
def installed(online, evse) -> list[ChargingProfile]:
    def profile(profile_id, purpose, connector=None, stack_level=0):
        return ChargingProfile.objects.create(
            chargepoint=online,
            chargingprofile_id=profile_id,
            name=f"{purpose} {profile_id}",
            chargingprofile_purpose=purpose,
            connector=connector,
            stack_level=stack_level,
        )

    return [
        profile(1, "ChargingStationMaxProfile"),
        profile(2, "TxDefaultProfile"),
        profile(3, "TxDefaultProfile", connector=evse),
        profile(4, "TxDefaultProfile", stack_level=1),
    ]


def test_it_clears_one_profile_by_id(online, installed, charger):
    command = command_issue(online, "clear_charging_profile", {"charging_profile_id": 3})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "ClearChargingProfile", {"chargingProfileId": 3}]
    assert command.status == CommandStatus.ACCEPTED
    left = ChargingProfile.objects.filter(chargepoint=online)
    assert sorted(left.values_list("chargingprofile_id", flat=True)) == [1, 2, 4]


def test_it_clears_the_station_wide_profiles_matching_all_criteria(online, installed, charger):
    command = command_issue(
        online,
        "clear_charging_profile",
        {"connector_id": 0, "purpose": "TxDefaultProfile", "stack_level": 0},
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "ClearChargingProfile",
        {
            "chargingProfileCriteria": {
                "evseId": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "stackLevel": 0,
            }
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    left = ChargingProfile.objects.filter(chargepoint=online)
    assert sorted(left.values_list("chargingprofile_id", flat=True)) == [1, 3, 4]


def test_it_clears_the_profiles_of_one_evse(online, installed, charger):
    command = command_issue(online, "clear_charging_profile", {"connector_id": 1})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "ClearChargingProfile",
        {"chargingProfileCriteria": {"evseId": 1}},
    ]
    left = ChargingProfile.objects.filter(chargepoint=online)
    assert sorted(left.values_list("chargingprofile_id", flat=True)) == [1, 2, 4]


def test_it_clears_nothing_when_the_charger_knows_no_such_profile(online, installed, charger):
    command = command_issue(online, "clear_charging_profile", {"charging_profile_id": 9})

    charger.command(command, {"status": "Unknown"})

    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "Unknown"}
    assert ChargingProfile.objects.filter(chargepoint=online).count() == 4


@pytest.mark.parametrize("answer", ["Accepted", "NoProfiles"])
def test_it_asks_for_every_installed_profile(online, charger, answer):
    command = command_issue(online, "get_charging_profiles")

    sent = charger.command(command, {"status": answer})

    # chargingProfile is required in a 2.0.1 GetChargingProfilesRequest, even when empty.
    assert sent == [
        2,
        command.message_id,
        "GetChargingProfiles",
        {"requestId": command.request_id, "chargingProfile": {}},
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": answer}


def test_it_asks_for_the_profiles_matching_criteria(online, evse, charger):
    command = command_issue(
        online,
        "get_charging_profiles",
        {
            "connector_id": 1,
            "purpose": "TxProfile",
            "stack_level": 1,
            "charging_profile_ids": [1, 2],
            "sources": ["CSO", "EMS"],
        },
    )

    sent = charger.command(command, {"status": "NoProfiles"})

    assert sent == [
        2,
        command.message_id,
        "GetChargingProfiles",
        {
            "requestId": command.request_id,
            "evseId": 1,
            "chargingProfile": {
                "chargingProfilePurpose": "TxProfile",
                "stackLevel": 1,
                "chargingProfileId": [1, 2],
                "chargingLimitSource": ["CSO", "EMS"],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED


def test_it_asks_for_the_station_level_profiles_with_evse_0(online, evse, charger):
    command = command_issue(online, "get_charging_profiles", {"connector_id": 0})

    sent = charger.command(command, {"status": "NoProfiles"})

    assert sent == [
        2,
        command.message_id,
        "GetChargingProfiles",
        {"requestId": command.request_id, "evseId": 0, "chargingProfile": {}},
    ]


@pytest.mark.parametrize(
    "params, payload",
    [
        ({"duration": 600}, {"duration": 600, "evseId": 0}),
        (
            {"duration": 3600, "connector_id": 1, "charging_rate_unit": "A"},
            {"duration": 3600, "chargingRateUnit": "A", "evseId": 1},
        ),
    ],
)
def test_it_asks_for_the_composite_schedule(online, evse, charger, params, payload):
    command = command_issue(online, "get_composite_schedule", params)
    answer = {
        "status": "Accepted",
        "schedule": {
            "evseId": payload["evseId"],
            "duration": payload["duration"],
            "scheduleStart": "2025-01-01T00:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
        },
    }

    sent = charger.command(command, answer)

    assert sent == [2, command.message_id, "GetCompositeSchedule", payload]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer


def test_it_records_a_composite_schedule_the_charger_refused(online, charger):
    command = command_issue(online, "get_composite_schedule", {"duration": 600})

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED


# -- reservations and the local list -----------------------------------------


def test_it_reserves_an_evse_for_a_driver(online, evse, rfid, driver, charger):
    expiry = (timezone.now() + datetime.timedelta(hours=1)).replace(microsecond=0)
    command = command_issue(
        online, "reserve_now", {"id_tag": "rfid-0042", "expiry_date": expiry, "connector_id": 1}
    )

    sent = charger.command(command, {"status": "Accepted"})

    reservation_id = command.request_id
    assert sent == [
        2,
        command.message_id,
        "ReserveNow",
        {
            "id": reservation_id,
            "expiryDateTime": iso(expiry),
            "idToken": {"idToken": "RFID-0042", "type": "ISO14443"},
            "evseId": 1,
            "groupIdToken": {"idToken": "FAMILY", "type": "Central"},
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    reservation = Reservation.objects.get(reservation_id=reservation_id)
    assert reservation.status == ReservationStatus.ACTIVE
    assert reservation.chargepoint == online
    assert reservation.connector == evse
    assert reservation.id_tag == rfid
    assert reservation.user == driver
    assert reservation.expiry_date == expiry


def test_it_reserves_any_evse_when_none_is_named(online, evse, rfid, charger):
    expiry = (timezone.now() + datetime.timedelta(hours=1)).replace(microsecond=0)
    command = command_issue(online, "reserve_now", {"id_tag": "RFID-0042", "expiry_date": expiry})

    sent = charger.command(command, {"status": "Accepted"})

    assert "evseId" not in sent[3]
    assert Reservation.objects.get(reservation_id=command.request_id).connector is None


def test_it_makes_no_reservation_the_charger_refused(online, evse, rfid, charger):
    expiry = timezone.now() + datetime.timedelta(hours=1)
    command = command_issue(
        online, "reserve_now", {"id_tag": "RFID-0042", "expiry_date": expiry, "connector_id": 1}
    )

    charger.command(command, {"status": "Occupied"})

    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "Occupied"}
    assert not Reservation.objects.exists()


def test_it_refuses_to_reserve_for_an_unknown_tag(online, evse):
    expiry = timezone.now() + datetime.timedelta(hours=1)

    errors = refused(online, "reserve_now", {"id_tag": "NOBODY", "expiry_date": expiry})

    assert list(errors) == ["id_tag"]


@pytest.fixture
def reservation(online, evse, rfid) -> Reservation:
    now = timezone.now()
    return Reservation.objects.create(
        reservation_id=77,
        chargepoint=online,
        connector=evse,
        id_tag=rfid,
        start_time=now,
        expiry_date=now + datetime.timedelta(hours=1),
    )


@pytest.mark.parametrize(
    "answer, status, reservation_status",
    [
        ("Accepted", CommandStatus.ACCEPTED, ReservationStatus.CANCELED),
        ("Rejected", CommandStatus.REJECTED, ReservationStatus.ACTIVE),
    ],
)
def test_it_cancels_a_reservation(online, reservation, charger, answer, status, reservation_status):
    command = command_issue(online, "cancel_reservation", {"reservation_id": 77})

    sent = charger.command(command, {"status": answer})

    assert sent == [2, command.message_id, "CancelReservation", {"reservationId": 77}]
    assert command.status == status
    assert command.request_id == 77
    reservation.refresh_from_db()
    assert reservation.status == reservation_status


def test_it_refuses_to_cancel_a_reservation_that_is_not_active(online, reservation):
    Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.CANCELED)

    errors = refused(online, "cancel_reservation", {"reservation_id": 77})

    assert list(errors) == ["reservation_id"]


def test_it_sends_a_full_local_list_with_each_tags_status(online, rfid, charger):
    expiry = (timezone.now() + datetime.timedelta(days=30)).replace(microsecond=0)
    IdTag.objects.filter(pk=rfid.pk).update(expiry_date=expiry)
    IdTag.objects.create(idToken="LOST-CARD", revoked=True)
    command = command_issue(
        online,
        "send_local_list",
        {"update_type": "full", "list_version": 7, "id_tags": ["RFID-0042", "lost-card"]},
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SendLocalList",
        {
            "versionNumber": 7,
            "updateType": "Full",
            "localAuthorizationList": [
                {
                    "idToken": {"idToken": "RFID-0042", "type": "ISO14443"},
                    "idTokenInfo": {
                        "status": "Accepted",
                        "cacheExpiryDateTime": iso(expiry),
                        "groupIdToken": {"idToken": "FAMILY", "type": "Central"},
                    },
                },
                {
                    "idToken": {"idToken": "LOST-CARD", "type": "Central"},
                    "idTokenInfo": {"status": "Blocked"},
                },
            ],
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    online.refresh_from_db()
    assert online.local_list_version == 7


def test_it_removes_tags_in_a_differential_update_after_the_current_version(online, rfid, charger):
    online.local_list_version = 3
    online.save()
    command = command_issue(
        online, "send_local_list", {"update_type": "Differential", "remove": ["OLD-CARD"]}
    )

    sent = charger.command(command, {"status": "Accepted"})

    # 2.0.1 D01: an entry without idTokenInfo is removed from the list.
    assert sent == [
        2,
        command.message_id,
        "SendLocalList",
        {
            "versionNumber": 4,
            "updateType": "Differential",
            "localAuthorizationList": [{"idToken": {"idToken": "OLD-CARD", "type": "Central"}}],
        },
    ]
    online.refresh_from_db()
    assert online.local_list_version == 4


def test_it_keeps_the_list_version_when_the_charger_refuses_the_list(online, rfid, charger):
    online.local_list_version = 3
    online.save()
    command = command_issue(online, "send_local_list", {"id_tags": ["RFID-0042"]})

    charger.command(command, {"status": "VersionMismatch"})

    assert command.status == CommandStatus.REJECTED
    online.refresh_from_db()
    assert online.local_list_version == 3


def test_it_stores_the_local_list_version_the_charger_reports(online, charger):
    command = command_issue(online, "get_local_list_version")

    sent = charger.command(command, {"versionNumber": 12})

    assert sent == [2, command.message_id, "GetLocalListVersion", {}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"versionNumber": 12}
    online.refresh_from_db()
    assert online.local_list_version == 12


# -- firmware, logs, transaction status --------------------------------------


def test_it_follows_a_firmware_update_by_its_request_id(online, charger):
    command = command_issue(
        online,
        "update_firmware",
        {
            "location": "https://firmware.example.com/bmw/2.4.1.bin",
            "retrieve_date": T_RETRIEVE,
            "retries": 3,
            "retry_interval": 60,
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    request_id = command.request_id
    assert sent == [
        2,
        command.message_id,
        "UpdateFirmware",
        {
            "requestId": request_id,
            "firmware": {
                "location": "https://firmware.example.com/bmw/2.4.1.bin",
                "retrieveDateTime": T_RETRIEVE,
            },
            "retries": 3,
            "retryInterval": 60,
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.progress == ""

    answer = charger.call(
        "FirmwareStatusNotification", {"status": "Downloading", "requestId": request_id}
    )

    assert answer == [3, "1", {}]
    command.refresh_from_db()
    assert command.progress == "Downloading"
    assert command.progress_at is not None


def test_it_leaves_a_firmware_update_alone_when_a_report_names_another_request(online, charger):
    command = command_issue(
        online, "update_firmware", {"location": "https://firmware.example.com/a.bin"}
    )
    charger.command(command, {"status": "AcceptedCanceled"})
    assert command.status == CommandStatus.ACCEPTED

    charger.call(
        "FirmwareStatusNotification", {"status": "Installed", "requestId": command.request_id + 1}
    )

    command.refresh_from_db()
    assert command.progress == ""


def test_it_records_a_firmware_update_the_charger_refused(online, charger):
    command = command_issue(
        online, "update_firmware", {"location": "https://firmware.example.com/a.bin"}
    )

    charger.command(command, {"status": "InvalidCertificate"})

    assert command.status == CommandStatus.REJECTED


def test_it_follows_a_log_upload_by_its_request_id(online, charger):
    command = command_issue(
        online,
        "get_log",
        {
            "location": "https://logs.example.com/upload",
            "log_type": "securitylog",
            "oldest_timestamp": "2025-01-01T00:00:00Z",
            "retries": 1,
        },
    )
    answer = {"status": "Accepted", "filename": "security.log"}

    sent = charger.command(command, answer)

    request_id = command.request_id
    assert sent == [
        2,
        command.message_id,
        "GetLog",
        {
            "logType": "SecurityLog",
            "requestId": request_id,
            "log": {
                "remoteLocation": "https://logs.example.com/upload",
                "oldestTimestamp": "2025-01-01T00:00:00Z",
            },
            "retries": 1,
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer

    charger.call("LogStatusNotification", {"status": "Uploading", "requestId": request_id})

    command.refresh_from_db()
    assert command.progress == "Uploading"


def test_it_asks_for_a_diagnostics_log_by_default(online, charger):
    command = command_issue(online, "get_log", {"location": "https://logs.example.com/upload"})

    sent = charger.command(command, {"status": "Rejected"})

    assert sent[3] == {
        "logType": "DiagnosticsLog",
        "requestId": command.request_id,
        "log": {"remoteLocation": "https://logs.example.com/upload"},
    }
    assert command.status == CommandStatus.REJECTED


def test_it_asks_for_the_status_of_a_transaction(online, evse, active_tx, charger):
    command = command_issue(online, "get_transaction_status", {"transaction_id": active_tx.pk})
    answer = {"ongoingIndicator": True, "messagesInQueue": False}

    sent = charger.command(command, answer)

    assert sent == [2, command.message_id, "GetTransactionStatus", {"transactionId": TX_ID}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer
    assert command.transaction == active_tx


def test_it_asks_whether_any_transaction_messages_are_queued(online, charger):
    command = command_issue(online, "get_transaction_status")

    sent = charger.command(command, {"messagesInQueue": True})

    assert sent == [2, command.message_id, "GetTransactionStatus", {}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"messagesInQueue": True}


def test_it_refuses_the_status_of_a_transaction_it_does_not_know(online):
    errors = refused(online, "get_transaction_status", {"transaction_id": 999})

    assert list(errors) == ["transaction_id"]


# -- what a 2.0.1 charger does not take ----------------------------------------


@pytest.mark.parametrize(
    "name, params, instead",
    [
        ("get_configuration", {}, "get_variables or get_base_report"),
        ("change_configuration", {"key": "HeartbeatInterval", "value": "300"}, "set_variables"),
        ("get_diagnostics", {"location": "https://logs.example.com/upload"}, "get_log"),
    ],
)
def test_it_refuses_a_16_only_command_and_names_the_201_one(online, name, params, instead):
    errors = refused(online, name, params)

    assert errors == {
        "command": [
            f"{name} is not part of OCPP 2.0.1, which this charge point speaks. "
            f"Use {instead} instead."
        ]
    }


def test_it_fails_a_command_the_charger_answers_with_an_error(online, charger):
    command = command_issue(online, "clear_cache")

    charger.command(
        command,
        lambda sent: [4, sent[1], "NotSupported", "No cache here", {}],
    )

    assert command.status == CommandStatus.FAILED
    assert command.error_code == "NotSupported"
    assert command.response == {
        "errorCode": "NotSupported",
        "errorDescription": "No cache here",
        "errorDetails": {},
    }


# -- OCPP 2.1 ----------------------------------------------------------------


def test_it_resets_a_21_charger_with_the_201_command(chargepoint):
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp2.1"
    chargepoint.save()
    charger = ScriptedCharger(ChargePoint21, chargepoint.pk)
    command = command_issue(chargepoint, "reset", {"type": "immediate", "evse_id": 1})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "Reset", {"type": "Immediate", "evseId": 1}]
    assert command.ocpp_version == "ocpp2.1"
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}

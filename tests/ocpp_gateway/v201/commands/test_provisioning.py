"""OCPP 2.0.1 block B Provisioning: reset, device-model variables and reports."""

import pytest

from chargepoints.enums import CommandStatus
from chargepoints.models import ConfigurationVariable
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import refused

LED = {"component": {"name": "ChargingStation"}, "variable": {"name": "StatusLedBrightness"}}


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


# -- device-model variables (2.0.1 part B) ------------------------------------


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

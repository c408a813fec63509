"""OCPP 2.0.1: every command has its test here; what a 2.0.1 charger does not take; OCPP 2.1."""

import pytest

from chargepoints.enums import CommandStatus
from ocpp_gateway.v21.adapter import ChargePoint21
from ocpp_gateway.v201.commands import BUILDERS
from tests.ocpp_gateway.command_helpers import ScriptedCharger, command_issue
from tests.ocpp_gateway.v201.commands.helpers import refused


def test_it_has_a_test_here_for_every_command_a_201_charger_takes():
    # A command added to the 2.0.1 translation gets its frame test in this folder.
    assert set(BUILDERS) == {
        "remote_start",
        "remote_stop",
        "reset",
        "unlock_connector",
        "change_availability",
        "get_variables",
        "set_variables",
        "set_led_brightness",
        "set_password",
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


# -- what a 2.0.1 charger does not take ---------------------------------------


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


# -- OCPP 2.1 -----------------------------------------------------------------


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

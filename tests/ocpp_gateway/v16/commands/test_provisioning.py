"""OCPP 1.6 GetConfiguration and ChangeConfiguration (Core; 2.0.1 block B)."""

import pytest

from chargepoints.enums import CommandStatus
from chargepoints.models import ChargePoint, ConfigurationVariable
from tests.ocpp_gateway.v16.commands.helpers import ACCEPTED, REJECTED, assert_answer, assert_frame


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

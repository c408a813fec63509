"""OCPP 2.0.1 block A Security: the charger's new Basic auth password (A01)."""

import pytest
from django.contrib.auth.hashers import check_password

from chargepoints.commands.security import password_rotation
from chargepoints.enums import CommandStatus
from chargepoints.services.command_secrets import REDACTED
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import refused

NEW = "FixedNewPassword0042"
PASSWORD = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}


def result(status: str) -> dict:
    return {"setVariableResult": [{"attributeStatus": status, **PASSWORD}]}


@pytest.mark.parametrize(
    "answer, status",
    [
        ("Accepted", CommandStatus.ACCEPTED),
        ("RebootRequired", CommandStatus.ACCEPTED),
        ("Rejected", CommandStatus.REJECTED),
    ],
)
def test_it_sets_basic_auth_password_and_keeps_it_only_if_accepted(online, charger, answer, status):
    with password_rotation(NEW):
        command = command_issue(online, "set_password")

    sent = charger.command(command, result(answer))

    # A01.FR.02; A00.FR.205: the password itself, as text.
    assert sent == [
        2,
        command.message_id,
        "SetVariables",
        {"setVariableData": [{"attributeType": "Actual", "attributeValue": NEW, **PASSWORD}]},
    ]
    assert command.status == status
    online.refresh_from_db()
    assert check_password(NEW, online.password) is (status == CommandStatus.ACCEPTED)
    assert command.request["setVariableData"][0]["attributeValue"] == REDACTED
    assert command.params == {"password": REDACTED}


@pytest.mark.parametrize(
    "variable",
    [
        {"component": "SecurityCtrlr", "variable": "BasicAuthPassword", "value": NEW},
        "securityctrlr.basicauthpassword=" + NEW,
    ],
)
def test_it_refuses_setting_the_password_variable_by_hand(online, variable):
    errors = refused(online, "set_variables", {"variables": [variable]})

    assert list(errors) == ["variables"]
    assert "password rotation" in errors["variables"][0]

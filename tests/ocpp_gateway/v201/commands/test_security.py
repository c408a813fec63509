"""OCPP 2.0.1 block A Security: the charger's new Basic auth password (A01)."""

import datetime
import json

import pytest
from django.contrib.auth.hashers import check_password

from chargepoints.commands.security import password_rotation
from chargepoints.enums import CommandStatus
from chargepoints.models import ConfigurationVariable
from chargepoints.services.command_secrets import REDACTED
from ocpp_gateway.enums import MessageDirection
from ocpp_gateway.models import OCPPMessage
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import refused

NEW = "FixedNewPassword0042"
PASSWORD = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}


def result(status: str) -> dict:
    return {"setVariableResult": [{"attributeStatus": status, **PASSWORD}]}


@pytest.mark.parametrize(
    "answer, status, current, unconfirmed",
    [
        ("Accepted", CommandStatus.ACCEPTED, True, False),
        # Taken for after a reboot: until then the charger presents the old
        # one, so both admit it (the new one is kept as unconfirmed).
        ("RebootRequired", CommandStatus.ACCEPTED, False, True),
        ("Rejected", CommandStatus.REJECTED, False, False),
    ],
)
def test_it_sets_basic_auth_password_and_keeps_it_only_if_accepted(
    online, charger, answer, status, current, unconfirmed
):
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
    assert check_password(NEW, online.password) is current
    assert (
        bool(online.password_unconfirmed) and check_password(NEW, online.password_unconfirmed)
    ) is unconfirmed
    assert command.request["setVariableData"][0]["attributeValue"] == REDACTED
    assert command.params["password"] == REDACTED
    # The hash stays, to match a late answer with the unconfirmed password.
    assert check_password(NEW, command.params["password_hash"])


@pytest.mark.parametrize(
    "variable",
    [
        {"component": "SecurityCtrlr", "variable": "BasicAuthPassword", "value": NEW},
        "securityctrlr.basicauthpassword=" + NEW,
        "SECURITYCTRLR.BASICAUTHPASSWORD=" + NEW,
    ],
)
def test_it_refuses_setting_the_password_variable_by_hand(online, variable):
    errors = refused(online, "set_variables", {"variables": [variable]})

    assert list(errors) == ["variables"]
    assert "password rotation" in errors["variables"][0]


@pytest.mark.parametrize(
    "component, variable",
    [
        # What a Java or .NET charger may fold to SecurityCtrlr.BasicAuthPassword:
        # the long s, the Turkish dotless i, a zero-width space, fullwidth letters.
        ("\u017fecurityCtrlr", "BasicAuthPa\u017f\u017fword"),
        ("SecurityCtrlr", "Bas\u0131cAuthPassword"),
        ("SecurityCtrlr", "BASİCAUTHPASSWORD"),
        ("SecurityCtrlr\u200b", "BasicAuthPassword"),
        ("\uff33ecurityCtrlr", "BasicAuthPassword"),
        # Whitespace a charger may trim.
        ("SecurityCtrlr ", "BasicAuthPassword"),
        ("SecurityCtrlr", " BasicAuthPassword"),
    ],
)
def test_it_refuses_the_password_variable_in_disguise(online, component, variable):
    item = {"component": component, "variable": variable, "value": "AttackerChosen123456"}

    errors = refused(online, "set_variables", {"variables": [item]})

    assert list(errors) == ["variables"]
    assert "identifierString" in errors["variables"][0]


def test_identifier_names_with_their_punctuation_are_still_sent(online, charger):
    item = {"component": "Vendor_Ctrlr-2", "variable": "Led.Mode:A|B@c+d=e*", "value": "on"}
    command = command_issue(online, "set_variables", {"variables": [item]})

    sent = charger.command(
        command,
        lambda frame: [
            3,
            frame[1],
            {
                "setVariableResult": [
                    {
                        "attributeStatus": "Accepted",
                        "component": frame[3]["setVariableData"][0]["component"],
                        "variable": frame[3]["setVariableData"][0]["variable"],
                    }
                ]
            },
        ],
    )

    assert sent[3]["setVariableData"][0]["component"] == {"name": "Vendor_Ctrlr-2"}
    assert command.status == CommandStatus.ACCEPTED


def stored_values(chargepoint) -> dict:
    return dict(
        ConfigurationVariable.objects.filter(chargepoint=chargepoint).values_list(
            "variable", "value"
        )
    )


def test_a_basic_auth_password_the_charger_reports_in_get_variables_is_masked(online, charger):
    command = command_issue(
        online,
        "get_variables",
        {"variables": ["SecurityCtrlr.BasicAuthPassword", "OCPPCommCtrlr.HeartbeatInterval"]},
    )
    answer = {
        "getVariableResult": [
            {"attributeStatus": "Accepted", "attributeValue": NEW, **PASSWORD},
            {
                "attributeStatus": "Accepted",
                "attributeValue": "300",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
        ]
    }

    charger.command(command, answer)

    assert stored_values(online) == {"BasicAuthPassword": REDACTED, "HeartbeatInterval": "300"}
    logged = OCPPMessage.objects.get(chargepoint=online, direction=MessageDirection.INBOUND)
    for kept in (command.response, logged.payload):
        assert kept["getVariableResult"][0]["attributeValue"] == REDACTED
        assert kept["getVariableResult"][1]["attributeValue"] == "300"
        assert NEW not in json.dumps(kept)


def test_a_basic_auth_password_the_charger_reports_in_notify_report_is_masked(online, charger):
    report = {
        "requestId": 7,
        "generatedAt": datetime.datetime.now(datetime.UTC).isoformat(),
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "securityctrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variableAttribute": [{"type": "Actual", "value": NEW, "mutability": "WriteOnly"}],
            },
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "variableAttribute": [{"type": "Actual", "value": "300"}],
            },
        ],
    }

    assert charger.call("NotifyReport", report, "report-1")[0] == 3

    assert stored_values(online) == {"BasicAuthPassword": REDACTED, "HeartbeatInterval": "300"}
    logged = OCPPMessage.objects.get(
        chargepoint=online, direction=MessageDirection.INBOUND, action="NotifyReport"
    )
    assert logged.payload["reportData"][0]["variableAttribute"][0]["value"] == REDACTED
    assert logged.payload["reportData"][1]["variableAttribute"][0]["value"] == "300"
    assert NEW not in json.dumps(logged.payload)

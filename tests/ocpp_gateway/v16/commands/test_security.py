"""OCPP 1.6 security whitepaper: the charger's new AuthorizationKey (Basic auth password)."""

import pytest
from django.contrib.auth.hashers import check_password

from chargepoints.commands import CommandInvalid
from chargepoints.commands.security import password_rotation
from chargepoints.enums import CommandStatus
from chargepoints.models import Command
from chargepoints.services.command_secrets import REDACTED
from tests.ocpp_gateway.command_helpers import command_issue

NEW = "FixedNewPassword0042"


@pytest.mark.parametrize(
    "answer, status",
    [
        ("Accepted", CommandStatus.ACCEPTED),
        ("RebootRequired", CommandStatus.ACCEPTED),
        ("Rejected", CommandStatus.REJECTED),
        ("NotSupported", CommandStatus.REJECTED),
    ],
)
def test_it_sends_the_hex_of_the_password_and_keeps_it_only_if_accepted(
    online, charger, answer, status
):
    with password_rotation(NEW):
        command = command_issue(online, "set_password")

    sent = charger.command(command, {"status": answer})

    # The whitepaper's AuthorizationKey: the hexadecimal digits of the password's bytes.
    assert sent == [
        2,
        command.message_id,
        "ChangeConfiguration",
        {"key": "AuthorizationKey", "value": "46697865644e657750617373776f726430303432"},
    ]
    assert bytes.fromhex(sent[3]["value"]).decode() == NEW
    assert command.status == status
    online.refresh_from_db()
    assert check_password(NEW, online.password) is (status == CommandStatus.ACCEPTED)
    assert command.request == {"key": "AuthorizationKey", "value": REDACTED}


def test_it_refuses_an_authorization_key_set_by_hand(online):
    with pytest.raises(CommandInvalid) as refused:
        command_issue(
            online, "change_configuration", {"key": "AuthorizationKey", "value": "00" * 20}
        )

    assert list(refused.value.errors) == ["key"]
    assert "password rotation" in refused.value.errors["key"][0]
    assert not Command.objects.exists()

"""OCPP 1.6 security whitepaper: the charger's new AuthorizationKey (Basic auth password)."""

import json

import pytest
from django.contrib.auth.hashers import check_password

from chargepoints.commands import CommandInvalid
from chargepoints.commands.security import password_rotation
from chargepoints.enums import CommandStatus
from chargepoints.models import Command, ConfigurationVariable
from chargepoints.services.command_secrets import REDACTED
from ocpp_gateway.enums import MessageDirection
from ocpp_gateway.models import OCPPMessage
from tests.ocpp_gateway.command_helpers import command_issue

NEW = "FixedNewPassword0042"
NEW_HEX = "46697865644e657750617373776f726430303432"


@pytest.mark.parametrize(
    "answer, status, current, unconfirmed",
    [
        ("Accepted", CommandStatus.ACCEPTED, True, False),
        # Taken for after a reboot: until then the charger presents the old
        # one, so both admit it (the new one is kept as unconfirmed).
        ("RebootRequired", CommandStatus.ACCEPTED, False, True),
        ("Rejected", CommandStatus.REJECTED, False, False),
        ("NotSupported", CommandStatus.REJECTED, False, False),
    ],
)
def test_it_sends_the_hex_of_the_password_and_keeps_it_only_if_accepted(
    online, charger, answer, status, current, unconfirmed
):
    with password_rotation(NEW):
        command = command_issue(online, "set_password")

    sent = charger.command(command, {"status": answer})

    # The whitepaper's AuthorizationKey: the hexadecimal digits of the password's bytes.
    assert sent == [
        2,
        command.message_id,
        "ChangeConfiguration",
        {"key": "AuthorizationKey", "value": NEW_HEX},
    ]
    assert bytes.fromhex(sent[3]["value"]).decode() == NEW
    assert command.status == status
    online.refresh_from_db()
    assert check_password(NEW, online.password) is current
    assert (
        bool(online.password_unconfirmed) and check_password(NEW, online.password_unconfirmed)
    ) is unconfirmed
    assert command.request == {"key": "AuthorizationKey", "value": REDACTED}


def test_it_refuses_an_authorization_key_set_by_hand(online):
    with pytest.raises(CommandInvalid) as refused:
        command_issue(
            online, "change_configuration", {"key": "AuthorizationKey", "value": "00" * 20}
        )

    assert list(refused.value.errors) == ["key"]
    assert "password rotation" in refused.value.errors["key"][0]
    assert not Command.objects.exists()


@pytest.mark.parametrize(
    "key",
    [
        "authorizationkey",
        "AUTHORIZATIONKEY",
        # What a Java or .NET charger may fold to AuthorizationKey: the Turkish
        # dotless i and dotted capital I, a zero-width space, fullwidth letters.
        "Author\u0131zationKey",
        "AUTHOR\u0130ZATIONKEY",
        "AuthorizationKey\u200b",
        "\uff21uthorizationKey",
        # Whitespace a charger may trim, inside the key.
        "Authorization Key",
    ],
)
def test_it_refuses_an_authorization_key_in_disguise(online, key):
    with pytest.raises(CommandInvalid) as refused:
        command_issue(online, "change_configuration", {"key": key, "value": "41" * 16})

    assert list(refused.value.errors) == ["key"]
    assert not Command.objects.exists()


def test_a_vendor_key_in_ascii_is_still_sent(online, charger):
    command = command_issue(
        online, "change_configuration", {"key": "Vendor.Led-Brightness_1", "value": "5"}
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent[3] == {"key": "Vendor.Led-Brightness_1", "value": "5"}
    assert command.status == CommandStatus.ACCEPTED


def test_an_authorization_key_the_charger_reports_is_stored_and_logged_masked(online, charger):
    # The key is write-only; a charger that reports it anyway reports its password.
    command = command_issue(online, "get_configuration", {"keys": []})
    answer = {
        "configurationKey": [
            {"key": "AuthorizationKey", "readonly": False, "value": NEW_HEX},
            {"key": "authorizationkey", "readonly": False, "value": NEW},
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        ]
    }

    charger.command(command, answer)

    stored = dict(
        ConfigurationVariable.objects.filter(chargepoint=online).values_list("variable", "value")
    )
    assert stored["AuthorizationKey"] == REDACTED
    assert stored["authorizationkey"] == REDACTED
    assert stored["HeartbeatInterval"] == "300"
    logged = OCPPMessage.objects.get(chargepoint=online, direction=MessageDirection.INBOUND)
    for kept in (command.response, logged.payload):
        assert kept["configurationKey"][0]["value"] == REDACTED
        assert kept["configurationKey"][2]["value"] == "300"
        assert NEW_HEX not in json.dumps(kept) and NEW not in json.dumps(kept)

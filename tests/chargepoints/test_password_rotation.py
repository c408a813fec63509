"""A charger's new password: made by the CSMS, sent to the charger, stored once it accepts.

The charger's connection runs in this process: each command goes through the
real protocol adapter (the frame it sends is what a charger would get), and
the "charger" answers as a test tells it. What is checked is what a person
sees afterwards: the charge point's credential, the command record, the
message log, the API and admin pages, the CLI's output.
"""

import asyncio
import datetime
import json
from io import StringIO
from unittest.mock import ANY

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.services import user_create
from chargepoints.commands import CommandInvalid
from chargepoints.commands.security import password_rotation
from chargepoints.enums import CommandName, CommandSource, CommandStatus, SecurityProfile
from chargepoints.models import ChargePoint, Command, ConfigurationVariable
from chargepoints.services.command_secrets import REDACTED, command_secrets_sweep
from chargepoints.services.commands import command_request
from chargepoints.services.connections import chargepoint_set_password
from chargepoints.services.expiry import charging_requests_expire
from chargepoints.services.passwords import (
    PASSWORD_ALPHABET,
    PASSWORD_LENGTH,
    chargepoint_password_rotate,
    password_generate,
)
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.admission import admission_run
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.helpers import Wire
from tests.rights import OPERATORS, SUPPORT, user_in_group
from tests.tokens import api_as
from tests.waiting import wait_until_async

OLD = "the-old-password-1234"
PROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}
ADAPTERS = {"1.6": ChargePoint16, "2.0.1": ChargePoint201}
SHARED = {"default": {"BACKEND": "channels.layers.BaseChannelLayer"}}


@pytest.fixture
def charger(chargepoint):
    """The charge point as a connected charger of a version, on profile 1 with password OLD."""

    def make(version: str, *, profile=SecurityProfile.BASIC_AUTH, connected=True):
        chargepoint.ocpp_version = PROTOCOLS[version]
        chargepoint.connected = connected
        chargepoint.save()
        chargepoint_set_password(chargepoint=chargepoint, password=OLD)
        # Profile 0 with a password: a record from before profiles were kept.
        ChargePoint.objects.filter(pk=chargepoint.pk).update(security_profile=profile)
        chargepoint.refresh_from_db()
        return chargepoint

    return make


class Frames(list):
    """The frames the charger got, and the wire it got them on (to answer late)."""

    wire: Wire | None = None


@pytest.fixture
def answers(monkeypatch):
    """The charger's connection: each command goes through the real adapter to ``answer``.

    ``answer(frame)`` gives the CALLRESULT payload, a whole frame (a list) or
    None (no answer). Returns the frames the charger got.
    """
    frames = Frames()

    def install(chargepoint: ChargePoint, answer):
        version = {value: key for key, value in PROTOCOLS.items()}[chargepoint.ocpp_version]
        wire = frames.wire = Wire(ADAPTERS[version], chargepoint.pk)

        async def route(*, command_id, chargepoint_id, connection_id, wait):
            task = asyncio.create_task(wire.adapter._command_run(command_id, None))
            await wait_until_async(lambda: wire.sent or task.done(), interval=0.005)
            if wire.sent:
                frame = json.loads(wire.sent.pop())
                frames.append(frame)
                reply = answer(frame)
                if isinstance(reply, dict):
                    reply = [3, frame[1], reply]
                if reply is not None:
                    await wire.adapter.route_message(json.dumps(reply))
            await task
            return True

        monkeypatch.setattr("ocpp_gateway.commands.command_route", route)
        return frames

    return install


def status16(status: str):
    return lambda frame: {"status": status}


def status201(status: str):
    def answer(frame):
        data = frame[3]["setVariableData"][0]
        return {
            "setVariableResult": [
                {
                    "attributeStatus": status,
                    "component": data["component"],
                    "variable": data["variable"],
                }
            ]
        }

    return answer


def sent_password(frame: list) -> str:
    """The password the charger got, as it presents it in its Basic auth header."""
    if frame[2] == "ChangeConfiguration":
        # OCPP 1.6 security whitepaper: the hexadecimal digits of its bytes.
        return bytes.fromhex(frame[3]["value"]).decode()
    return frame[3]["setVariableData"][0]["attributeValue"]


def stored_everywhere(chargepoint: ChargePoint) -> str:
    """All a person could read about the charger's commands: records, log, settings."""
    rows = [
        [
            command.params,
            command.request,
            command.response,
            command.error_code,
            command.error_description,
        ]
        for command in Command.objects.filter(chargepoint=chargepoint)
    ]
    logged = list(OCPPMessage.objects.filter(chargepoint=chargepoint).values_list("payload"))
    settings = list(ConfigurationVariable.objects.filter(chargepoint=chargepoint).values())
    return json.dumps([rows, logged, settings], default=str)


def assert_nowhere(password: str, chargepoint: ChargePoint) -> None:
    seen = stored_everywhere(chargepoint)
    assert password not in seen
    assert password.encode().hex() not in seen.lower()


def admits(chargepoint: ChargePoint, password: str) -> bool:
    chargepoint.refresh_from_db()
    return check_password(password, chargepoint.password)


def rotate(chargepoint: ChargePoint, **kwargs) -> Command:
    return chargepoint_password_rotate(
        chargepoint_id=chargepoint.pk, source=CommandSource.API, wait=5, **kwargs
    )


# -- the password ------------------------------------------------------------------


def test_a_password_is_20_letters_and_digits_and_never_the_same():
    passwords = {password_generate() for _ in range(50)}

    assert len(passwords) == 50
    assert all(len(password) == PASSWORD_LENGTH == 20 for password in passwords)
    assert all(set(password) <= set(PASSWORD_ALPHABET) for password in passwords)
    assert set(PASSWORD_ALPHABET) == set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    )


# -- accepted ------------------------------------------------------------------------


def test_a_16_charger_gets_the_hex_of_a_new_password_as_its_authorization_key(charger, answers):
    chargepoint = charger("1.6")
    frames = answers(chargepoint, status16("Accepted"))

    command = rotate(chargepoint)

    ((kind, _, action, payload),) = frames
    assert (kind, action, payload["key"]) == (2, "ChangeConfiguration", "AuthorizationKey")
    assert len(payload["value"]) == 40
    assert int(payload["value"], 16) >= 0
    new = sent_password(frames[0])
    assert len(new) == 20
    assert command.status == CommandStatus.ACCEPTED
    assert admits(chargepoint, new)
    assert not admits(chargepoint, OLD)


def test_a_201_charger_gets_a_new_basic_auth_password_with_set_variables(charger, answers):
    chargepoint = charger("2.0.1")
    frames = answers(chargepoint, status201("Accepted"))

    command = rotate(chargepoint)

    ((_, _, action, payload),) = frames
    assert action == "SetVariables"
    (data,) = payload["setVariableData"]
    assert data["component"] == {"name": "SecurityCtrlr"}
    assert data["variable"] == {"name": "BasicAuthPassword"}
    assert data["attributeType"] == "Actual"
    assert command.status == CommandStatus.ACCEPTED
    assert admits(chargepoint, data["attributeValue"])
    assert not admits(chargepoint, OLD)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_the_password_is_nowhere_to_be_read_once_the_charger_took_it(charger, answers, version):
    chargepoint = charger(version)
    answer = status16("Accepted") if version == "1.6" else status201("Accepted")
    frames = answers(chargepoint, answer)

    command = rotate(chargepoint)

    new = sent_password(frames[0])
    assert_nowhere(new, chargepoint)
    assert command.params == {"password": REDACTED, "password_hash": ANY}
    logged = OCPPMessage.objects.get(chargepoint=chargepoint, direction="OUTBOUND")
    assert logged.payload == command.request
    assert REDACTED in json.dumps(command.request)
    assert not ConfigurationVariable.objects.filter(chargepoint=chargepoint).exists()


@pytest.mark.parametrize(
    ("version", "answer"),
    [("1.6", status16("RebootRequired")), ("2.0.1", status201("RebootRequired"))],
)
def test_a_charger_that_takes_it_for_after_a_reboot_gets_in_with_the_old_one_until_then(
    charger, answers, version, answer
):
    # Not rebooted yet, it reconnects with the old password: refused, it
    # would pile up failed logins towards a lock-out.
    chargepoint = charger(version)
    frames = answers(chargepoint, answer)

    command = rotate(chargepoint)

    new = sent_password(frames[0])
    assert command.status == CommandStatus.ACCEPTED
    assert admits(chargepoint, OLD)
    assert admission_run(chargepoint.pk, OLD).connected
    assert admission_run(chargepoint.pk, OLD).connected
    # Rebooted, it shows up with the new one: from then on only that admits it.
    assert admission_run(chargepoint.pk, new).connected
    assert admits(chargepoint, new)
    assert chargepoint.password_unconfirmed == ""
    assert not admission_run(chargepoint.pk, OLD).connected
    assert_nowhere(new, chargepoint)


def test_a_charger_without_a_profile_is_raised_to_profile_1_by_its_password(charger, answers):
    chargepoint = charger("1.6", profile=SecurityProfile.NONE)
    answers(chargepoint, status16("Accepted"))

    rotate(chargepoint)

    chargepoint.refresh_from_db()
    assert chargepoint.security_profile == SecurityProfile.BASIC_AUTH


def test_a_charger_on_tls_stays_on_profile_2(charger, answers):
    chargepoint = charger("2.0.1", profile=SecurityProfile.BASIC_AUTH_TLS)
    answers(chargepoint, status201("Accepted"))

    rotate(chargepoint)

    chargepoint.refresh_from_db()
    assert chargepoint.security_profile == SecurityProfile.BASIC_AUTH_TLS


# -- not accepted: the old password stays -----------------------------------------------


@pytest.mark.parametrize(
    ("version", "answer", "status"),
    [
        ("1.6", status16("Rejected"), CommandStatus.REJECTED),
        ("1.6", status16("NotSupported"), CommandStatus.REJECTED),
        ("2.0.1", status201("Rejected"), CommandStatus.REJECTED),
        ("2.0.1", status201("UnknownVariable"), CommandStatus.REJECTED),
        ("1.6", lambda f: [4, f[1], "NotImplemented", "no", {}], CommandStatus.FAILED),
    ],
)
def test_a_charger_that_does_not_take_it_keeps_its_old_password(
    charger, answers, version, answer, status
):
    chargepoint = charger(version, profile=SecurityProfile.NONE)
    frames = answers(chargepoint, answer)

    command = rotate(chargepoint)

    assert command.status == status
    assert admits(chargepoint, OLD)
    assert not admits(chargepoint, sent_password(frames[0]))
    assert chargepoint.security_profile == SecurityProfile.NONE
    assert_nowhere(sent_password(frames[0]), chargepoint)


def test_a_charger_that_never_answers_keeps_its_old_password(charger, answers, settings):
    settings.CSMS_COMMAND_TIMEOUT = 0.05
    chargepoint = charger("2.0.1")
    frames = answers(chargepoint, lambda frame: None)

    command = rotate(chargepoint)

    assert command.status == CommandStatus.TIMED_OUT
    assert admits(chargepoint, OLD)
    assert_nowhere(sent_password(frames[0]), chargepoint)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_charger_that_took_it_but_whose_answer_never_came_gets_in_with_it(
    charger, answers, settings, version
):
    # The charger applied the new password, and its answer was lost (a
    # timeout, a dropped connection): refused with it, it would be locked
    # out for good, and no one could reach it to fix that.
    settings.CSMS_COMMAND_TIMEOUT = 0.05
    chargepoint = charger(version)
    frames = answers(chargepoint, lambda frame: None)
    assert rotate(chargepoint).status == CommandStatus.TIMED_OUT
    new = sent_password(frames[0])

    assert admission_run(chargepoint.pk, new).connected

    assert admits(chargepoint, new)
    assert not admits(chargepoint, OLD)
    assert chargepoint.password_unconfirmed == ""


def test_a_charger_that_never_took_it_still_gets_in_with_its_old_password(
    charger, answers, settings
):
    settings.CSMS_COMMAND_TIMEOUT = 0.05
    chargepoint = charger("1.6")
    answers(chargepoint, lambda frame: None)
    rotate(chargepoint)

    assert admission_run(chargepoint.pk, OLD).connected
    assert not admission_run(chargepoint.pk, "a-password-never-sent-1").connected
    # Until it reconnects with the new one, should it have taken it after all.
    assert admits(chargepoint, OLD)
    assert chargepoint.password_unconfirmed


@pytest.mark.parametrize(
    "version, answer", [("1.6", status16("Rejected")), ("2.0.1", status201("Rejected"))]
)
def test_a_password_the_charger_refused_admits_no_one(charger, answers, version, answer):
    chargepoint = charger(version)
    frames = answers(chargepoint, answer)
    rotate(chargepoint)

    assert not admission_run(chargepoint.pk, sent_password(frames[0])).connected
    chargepoint.refresh_from_db()
    assert chargepoint.password_unconfirmed == ""


def test_an_offline_charger_keeps_its_old_password_and_no_record_holds_a_new_one(charger):
    chargepoint = charger("1.6", connected=False)

    command = rotate(chargepoint)

    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert admits(chargepoint, OLD)
    assert command.params == {"password": REDACTED, "password_hash": ANY}
    assert REDACTED in command.request["value"]


def test_a_finished_command_that_still_holds_a_password_is_masked_by_the_next_rotation(charger):
    # As a command expired by a dead server process would be left.
    chargepoint = charger("1.6")
    with password_rotation("LeftOverPassword0001"):
        stale = command_issue(chargepoint, CommandName.SET_PASSWORD)
    Command.objects.filter(pk=stale.pk).update(status=CommandStatus.TIMED_OUT)
    chargepoint.connected = False
    chargepoint.save()

    rotate(chargepoint)

    assert_nowhere("LeftOverPassword0001", chargepoint)
    assert command_secrets_sweep() == 0


# -- the generic command paths cannot send or choose a password ---------------------------


def test_set_password_cannot_be_asked_for_as_a_command(charger):
    chargepoint = charger("1.6")

    with pytest.raises(CommandInvalid, match="password rotation"):
        command_request(chargepoint_id=chargepoint.pk, name="set_password", params={}, source="api")
    with pytest.raises(CommandInvalid) as chosen:
        command_request(
            chargepoint_id=chargepoint.pk,
            name="set_password",
            params={"password": "MyOwnChosenPassword1"},
            source="api",
        )
    assert chosen.value.errors == {"password": ["Unknown parameter."]}
    assert not Command.objects.exists()


@pytest.mark.parametrize("key", ["AuthorizationKey", "authorizationkey"])
def test_a_16_authorization_key_cannot_be_set_by_hand(charger, key):
    chargepoint = charger("1.6")

    with pytest.raises(CommandInvalid) as refused:
        command_request(
            chargepoint_id=chargepoint.pk,
            name="change_configuration",
            params={"key": key, "value": "4d794f776e43686f73656e50617373776f726431"},
            source="api",
        )

    assert "password rotation" in refused.value.errors["key"][0]
    assert not Command.objects.exists()


@pytest.mark.parametrize("variable", ["SecurityCtrlr.BasicAuthPassword=Mine0123456789abcdef"])
def test_a_201_basic_auth_password_cannot_be_set_by_hand(charger, variable):
    chargepoint = charger("2.0.1")

    for item in (variable, variable.lower()):
        with pytest.raises(CommandInvalid, match="password rotation"):
            command_request(
                chargepoint_id=chargepoint.pk,
                name="set_variables",
                params={"variables": [item]},
                source="api",
            )

    assert not Command.objects.exists()


@pytest.fixture
def operator(db):
    return user_in_group(OPERATORS, username="operator", phone_number="+66811110000")


@pytest.fixture
def support(db):
    return user_in_group(SUPPORT, username="support", phone_number="+66811110001")


@pytest.fixture
def changer(db):
    """May send commands (change charge points), but not rotate passwords."""
    user = user_create(username="changer", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="chargepoints",
            codename__in=["change_chargepoint", "view_chargepoint", "view_command"],
        )
    )
    return user


def commands_url(chargepoint) -> str:
    return f"/api/v1/charge-points/{chargepoint.pk}/commands/"


def test_the_generic_command_api_refuses_passwords(charger, operator):
    chargepoint = charger("1.6")
    api = api_as(operator)

    for body in (
        {"command": "set_password"},
        {"command": "set_password", "password": "MyOwnChosenPassword1"},
        {"command": "change_configuration", "key": "AuthorizationKey", "value": "00" * 20},
    ):
        response = api.post(commands_url(chargepoint), body, format="json")
        assert response.status_code == 400, response.data

    assert not Command.objects.exists()
    assert admits(chargepoint, OLD)


def test_the_admin_send_command_page_offers_no_password(charger, operator, client):
    chargepoint = charger("1.6")
    operator.is_staff = True
    operator.save()
    client.force_login(operator)
    url = reverse("admin:chargepoints_chargepoint_send_command", args=[chargepoint.pk])

    offered = client.get(url)
    refused = client.post(url, {"command": "set_password", "params": "{}"})
    by_hand = client.post(
        url,
        {
            "command": "change_configuration",
            "params": json.dumps({"key": "AuthorizationKey", "value": "00" * 20}),
        },
    )

    assert b'value="set_password"' not in offered.content
    assert b"set_password is not one of the available choices" in refused.content
    assert b"password rotation" in by_hand.content
    assert not Command.objects.exists()


def test_the_ocpp_command_cli_refuses_passwords(charger, operator, settings):
    settings.CHANNEL_LAYERS = SHARED
    chargepoint = charger("2.0.1")

    with pytest.raises(CommandError, match="password rotation"):
        call_command("ocpp_command", chargepoint.pk, "set_password", "--user", "operator")
    with pytest.raises(CommandError, match="password rotation"):
        call_command(
            "ocpp_command",
            chargepoint.pk,
            "set_variables",
            "--param",
            "variables=SecurityCtrlr.BasicAuthPassword=Mine0123456789abcdef",
            "--user",
            "operator",
        )
    assert not Command.objects.exists()


# -- the API endpoint -------------------------------------------------------------------------


def rotate_url(chargepoint) -> str:
    return f"/api/v1/charge-points/{chargepoint.pk}/rotate-password/"


def test_an_operator_rotates_through_the_api_and_is_not_shown_the_password(
    charger, answers, operator
):
    chargepoint = charger("2.0.1")
    frames = answers(chargepoint, status201("Accepted"))

    response = api_as(operator).post(rotate_url(chargepoint))

    assert response.status_code == 201, response.data
    new = sent_password(frames[0])
    assert admits(chargepoint, new)
    body = json.dumps(response.data)
    assert new not in body
    assert response.data["command"] == "SET_PASSWORD"
    assert response.data["status"] == "ACCEPTED"
    assert response.data["params"] == {"password": REDACTED}
    assert response.data["requested_by"] == "operator"
    assert response["Location"] == response.data["url"]


def test_an_offline_charger_is_answered_with_its_record(charger, operator):
    chargepoint = charger("1.6", connected=False)

    response = api_as(operator).post(rotate_url(chargepoint))

    assert response.status_code == 201
    assert response.data["status"] == "CHARGER_OFFLINE"
    assert admits(chargepoint, OLD)


def test_an_unknown_charge_point_is_a_404(operator):
    assert api_as(operator).post("/api/v1/charge-points/NOBODY/rotate-password/").status_code == 404


@pytest.mark.parametrize("who", ["support", "changer", "driver"])
def test_who_may_not_rotate_is_refused_by_the_api(charger, who, request):
    chargepoint = charger("1.6")
    user = request.getfixturevalue(who)

    response = api_as(user).post(rotate_url(chargepoint))

    assert response.status_code == 403
    assert not Command.objects.exists()
    assert admits(chargepoint, OLD)


def test_an_anonymous_caller_is_refused_by_the_api(charger, client):
    chargepoint = charger("1.6")
    assert client.post(rotate_url(chargepoint)).status_code == 401
    assert not Command.objects.exists()


def test_a_command_in_flight_shows_no_password_in_the_api_or_admin(charger, support, client):
    chargepoint = charger("1.6")
    with password_rotation("InFlightPassword0001"):
        command = command_issue(chargepoint, CommandName.SET_PASSWORD)
    assert command.status == CommandStatus.PENDING
    support.is_staff = True
    support.save()
    client.force_login(support)

    listed = api_as(support).get(commands_url(chargepoint))
    detail = api_as(support).get(f"{commands_url(chargepoint)}{command.pk}/")
    page = client.get(reverse("admin:chargepoints_command_change", args=[command.pk]))

    assert (listed.status_code, detail.status_code, page.status_code) == (200, 200, 200)
    secret_hex = b"InFlightPassword0001".hex()
    for shown in (json.dumps(listed.data), json.dumps(detail.data), page.content.decode()):
        assert "InFlightPassword0001" not in shown
        assert secret_hex not in shown.lower()
    assert detail.data["request"] == {"key": "AuthorizationKey", "value": REDACTED}
    assert REDACTED in page.content.decode()


# -- the admin action -------------------------------------------------------------------------


def run_rotation(client, user, chargepoint):
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client.post(
        reverse("admin:chargepoints_chargepoint_changelist"),
        {"action": "rotate_password", "_selected_action": [chargepoint.pk]},
        follow=True,
    )


def test_an_operator_gives_a_new_password_from_the_admin(charger, answers, operator, client):
    chargepoint = charger("1.6")
    frames = answers(chargepoint, status16("Accepted"))

    response = run_rotation(client, operator, chargepoint)

    new = sent_password(frames[0])
    assert admits(chargepoint, new)
    assert new not in response.content.decode()
    command = Command.objects.get()
    assert (command.source, command.requested_by) == (CommandSource.ADMIN, operator)
    assert "Set charger password: Accepted" in response.content.decode()


@pytest.mark.parametrize("who", ["support", "changer"])
def test_who_may_not_rotate_has_no_such_admin_action(charger, client, who, request):
    chargepoint = charger("1.6")
    user = request.getfixturevalue(who)

    response = run_rotation(client, user, chargepoint)

    assert b"Give a new password" not in response.content
    assert not Command.objects.exists()
    assert admits(chargepoint, OLD)


# -- the management command ---------------------------------------------------------------


def rotate_cli(*args) -> str:
    out = StringIO()
    call_command("rotate_charger_password", *args, stdout=out)
    return out.getvalue()


def test_an_operator_rotates_from_the_command_line(charger, answers, operator, settings):
    settings.CHANNEL_LAYERS = SHARED
    chargepoint = charger("1.6")
    frames = answers(chargepoint, status16("Accepted"))

    printed = rotate_cli(chargepoint.pk, "--user", "operator", "--wait", "5")

    new = sent_password(frames[0])
    assert admits(chargepoint, new)
    assert new not in printed and new.encode().hex() not in printed
    record = json.loads(printed)
    assert (record["status"], record["source"]) == ("ACCEPTED", "CLI")


def test_a_rejected_rotation_is_an_error_on_the_command_line(charger, answers, operator, settings):
    settings.CHANNEL_LAYERS = SHARED
    chargepoint = charger("2.0.1")
    answers(chargepoint, status201("Rejected"))

    with pytest.raises(CommandError, match="keeps its old password"):
        rotate_cli(chargepoint.pk, "--user", "operator")
    assert admits(chargepoint, OLD)


@pytest.mark.parametrize("who", ["support", "changer", "driver", "nobody"])
def test_who_may_not_rotate_is_refused_by_the_command_line(charger, who, request, settings):
    settings.CHANNEL_LAYERS = SHARED
    chargepoint = charger("1.6")
    if who != "nobody":
        request.getfixturevalue(who)

    with pytest.raises(CommandError, match="allowed to rotate passwords"):
        rotate_cli(chargepoint.pk, "--user", who)
    assert not Command.objects.exists()


def test_an_unknown_charge_point_is_an_error_on_the_command_line(operator, settings):
    settings.CHANNEL_LAYERS = SHARED
    with pytest.raises(CommandError, match="Unknown charge point 'NOBODY'"):
        rotate_cli("NOBODY", "--user", "operator")


# -- an answer that came late -------------------------------------------------------------------


def timed_out_rotation(chargepoint, answers, settings) -> tuple[Command, Frames]:
    """A rotation whose answer the charger has not given in time."""
    settings.CSMS_COMMAND_TIMEOUT = 0.05
    frames = answers(chargepoint, lambda frame: None)
    command = rotate(chargepoint)
    assert command.status == CommandStatus.TIMED_OUT
    return command, frames


def answer_late(frames: Frames, frame: list) -> None:
    assert frames.wire.send_raw(json.dumps(frame)) is None, "an answer is never answered"


def late(version: str, status: str):
    return status16(status) if version == "1.6" else status201(status)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_late_acceptance_makes_the_new_password_the_chargers(charger, answers, settings, version):
    chargepoint = charger(version)
    command, frames = timed_out_rotation(chargepoint, answers, settings)
    new = sent_password(frames[0])

    answer_late(frames, [3, command.message_id, late(version, "Accepted")(frames[0])])

    assert admits(chargepoint, new)
    assert chargepoint.password_unconfirmed == ""
    assert not admission_run(chargepoint.pk, OLD).connected
    assert admission_run(chargepoint.pk, new).connected
    command.refresh_from_db()
    assert command.status == CommandStatus.TIMED_OUT
    assert "answered late" in command.error_description
    assert_nowhere(new, chargepoint)


def test_a_late_acceptance_raises_a_charger_without_a_profile_to_profile_1(
    charger, answers, settings
):
    chargepoint = charger("1.6", profile=SecurityProfile.NONE)
    command, frames = timed_out_rotation(chargepoint, answers, settings)

    answer_late(frames, [3, command.message_id, {"status": "Accepted"}])

    assert admits(chargepoint, sent_password(frames[0]))
    assert chargepoint.security_profile == SecurityProfile.BASIC_AUTH


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_late_acceptance_for_after_a_reboot_keeps_both_passwords(
    charger, answers, settings, version
):
    chargepoint = charger(version)
    command, frames = timed_out_rotation(chargepoint, answers, settings)

    answer_late(frames, [3, command.message_id, late(version, "RebootRequired")(frames[0])])

    assert admission_run(chargepoint.pk, OLD).connected
    assert admission_run(chargepoint.pk, sent_password(frames[0])).connected
    assert admits(chargepoint, sent_password(frames[0]))


def test_a_late_acceptance_of_a_superseded_password_changes_nothing(charger, answers, settings):
    chargepoint = charger("2.0.1")
    first, frames = timed_out_rotation(chargepoint, answers, settings)
    second = rotate(chargepoint)
    assert second.status == CommandStatus.TIMED_OUT

    # The answer to the first rotation: the charger has taken the second since.
    answer_late(frames, [3, first.message_id, status201("Accepted")(frames[0])])

    assert admits(chargepoint, OLD)
    assert check_password(sent_password(frames[1]), chargepoint.password_unconfirmed)
    assert admission_run(chargepoint.pk, sent_password(frames[1])).connected
    assert not admission_run(chargepoint.pk, sent_password(frames[0])).connected


@pytest.mark.parametrize(
    ("version", "answer"),
    [
        ("1.6", lambda frame: [3, frame[1], {"status": "Rejected"}]),
        ("2.0.1", lambda frame: [3, frame[1], status201("Rejected")(frame)]),
        ("1.6", lambda frame: [4, frame[1], "NotSupported", "No such key", {}]),
    ],
)
def test_a_late_refusal_forgets_the_unsent_password(charger, answers, settings, version, answer):
    # The charger certainly does not have it: it must admit no one.
    chargepoint = charger(version)
    _, frames = timed_out_rotation(chargepoint, answers, settings)

    answer_late(frames, answer(frames[0]))

    assert chargepoint.password_unconfirmed == ""
    assert not admission_run(chargepoint.pk, sent_password(frames[0])).connected
    assert admission_run(chargepoint.pk, OLD).connected


# -- a charger that echoes the password -------------------------------------------------------


def echo16_error(frame):
    value = frame[3]["value"]
    return [
        4,
        frame[1],
        "PropertyConstraintViolation",
        f"cannot store {frame[3]}",
        {"value": value, "decoded": bytes.fromhex(value).decode()},
    ]


def echo201_rejected(frame):
    answer = status201("Rejected")(frame)
    password = sent_password(frame)
    answer["setVariableResult"][0]["attributeStatusInfo"] = {
        "reasonCode": "InvalidValue",
        "additionalInfo": f"value {password} not allowed",
    }
    return [3, frame[1], answer]


def echo201_error(frame):
    # Even as the error code, which is stored as the command's.
    return [4, frame[1], sent_password(frame), f"cannot store {frame[3]}", {}]


@pytest.mark.parametrize(
    ("version", "answer", "status"),
    [
        ("1.6", echo16_error, CommandStatus.FAILED),
        ("2.0.1", echo201_rejected, CommandStatus.REJECTED),
        ("2.0.1", echo201_error, CommandStatus.FAILED),
    ],
)
def test_a_password_the_charger_echoes_is_nowhere_to_be_read(
    charger, answers, version, answer, status
):
    chargepoint = charger(version)
    frames = answers(chargepoint, answer)

    command = rotate(chargepoint)

    assert command.status == status
    new = sent_password(frames[0])
    assert_nowhere(new, chargepoint)
    logged = OCPPMessage.objects.get(chargepoint=chargepoint, direction="INBOUND")
    assert REDACTED in json.dumps(logged.payload)
    command.refresh_from_db()
    if command.error_description:
        assert REDACTED in command.error_description


@pytest.mark.parametrize(
    ("version", "answer"),
    [("1.6", echo16_error), ("2.0.1", echo201_rejected), ("2.0.1", echo201_error)],
)
def test_a_password_echoed_in_a_late_answer_is_nowhere_to_be_read(
    charger, answers, settings, caplog, version, answer
):
    # By then the command is masked: the password itself is gone from it.
    chargepoint = charger(version)
    command, frames = timed_out_rotation(chargepoint, answers, settings)

    answer_late(frames, answer(frames[0]))

    new = sent_password(frames[0])
    assert_nowhere(new, chargepoint)
    assert new not in caplog.text and new.encode().hex() not in caplog.text
    command.refresh_from_db()
    assert REDACTED in json.dumps(command.response)
    assert "late answer" in caplog.text


# -- a rotation no one ended ----------------------------------------------------------------


def left_in_flight(chargepoint, password: str, *, age: datetime.timedelta) -> Command:
    """A rotation's command as a server process that crashed mid-rotation leaves it."""
    with password_rotation(password):
        command = command_issue(chargepoint, CommandName.SET_PASSWORD)
    Command.objects.filter(pk=command.pk).update(
        status=CommandStatus.SENT,
        created_at=command.created_at - age,
        sent_at=command.created_at - age,
    )
    return command


def test_a_rotation_a_crashed_server_left_in_flight_is_ended_and_masked(charger, settings):
    # With CSMS_PROCESS_HEARTBEAT_INTERVAL=0 no process sweep ends it; the
    # periodic expiry does, once no connection can still be waiting for it.
    settings.CSMS_COMMAND_TIMEOUT, settings.CSMS_COMMAND_WAIT = 30, 10
    chargepoint = charger("1.6")
    stale = left_in_flight(chargepoint, "LeftInFlightPassw0rd", age=datetime.timedelta(hours=1))
    recent = left_in_flight(chargepoint, "StillInFlightPassw0rd", age=datetime.timedelta(0))

    charging_requests_expire()

    stale.refresh_from_db()
    assert stale.status == CommandStatus.TIMED_OUT
    assert stale.params["password"] == REDACTED
    assert stale.request == {"key": "AuthorizationKey", "value": REDACTED}
    recent.refresh_from_db()
    assert recent.status == CommandStatus.SENT
    assert recent.params["password"] == "StillInFlightPassw0rd"
    Command.objects.filter(pk=recent.pk).delete()
    assert_nowhere("LeftInFlightPassw0rd", chargepoint)


def test_the_next_rotation_masks_one_left_in_flight_too(charger, settings):
    settings.CSMS_COMMAND_TIMEOUT, settings.CSMS_COMMAND_WAIT = 30, 10
    chargepoint = charger("1.6")
    left_in_flight(chargepoint, "LeftInFlightPassw0rd", age=datetime.timedelta(hours=1))
    chargepoint.connected = False
    chargepoint.save()

    rotate(chargepoint)

    assert_nowhere("LeftInFlightPassw0rd", chargepoint)


def test_the_password_hash_of_a_command_is_shown_to_no_one(charger, answers, support, client):
    chargepoint = charger("1.6")
    answers(chargepoint, status16("Accepted"))
    command = rotate(chargepoint)
    support.is_staff = True
    support.save()
    client.force_login(support)

    detail = api_as(support).get(f"{commands_url(chargepoint)}{command.pk}/")
    page = client.get(reverse("admin:chargepoints_command_change", args=[command.pk]))

    hashed = command.params["password_hash"]
    assert detail.data["params"] == {"password": REDACTED}
    for shown in (json.dumps(detail.data), page.content.decode()):
        assert hashed not in shown and hashed.split("$")[-1] not in shown
        assert "password_hash" not in shown


# -- a password set by hand -----------------------------------------------------------------


GOOD = "installer-set-pw-0001"


def chargepoint_url(chargepoint) -> str:
    return f"/api/v1/charge-points/{chargepoint.pk}/"


@pytest.fixture
def placer(changer):
    """May add and change charge points (``changer``), not give them passwords."""
    changer.user_permissions.add(
        Permission.objects.get(content_type__app_label="chargepoints", codename="add_chargepoint")
    )
    return changer


@pytest.mark.parametrize("password", [GOOD, None, ""])
def test_setting_or_removing_a_password_through_the_api_needs_the_right_to_rotate(
    charger, placer, password
):
    chargepoint = charger("1.6")

    response = api_as(placer).patch(chargepoint_url(chargepoint), {"password": password})

    assert response.status_code == 403, response.data
    assert "chargepoints.rotate_password" in response.data["detail"]
    assert admits(chargepoint, OLD)


def test_creating_a_charger_with_a_password_through_the_api_needs_the_right_to_rotate(
    placer, location
):
    api = api_as(placer)
    body = {"chargepoint_id": "CP-BY-HAND", "location": location.pk, "password": GOOD}

    refused = api.post("/api/v1/charge-points/", body, format="json")
    without = api.post("/api/v1/charge-points/", {**body, "password": ""}, format="json")

    assert refused.status_code == 403, refused.data
    assert "chargepoints.rotate_password" in refused.data["detail"]
    assert without.status_code == 201, without.data
    assert ChargePoint.objects.get(pk="CP-BY-HAND").password == ""


def test_who_may_change_a_charger_but_not_rotate_still_changes_the_rest(charger, placer):
    chargepoint = charger("1.6")

    response = api_as(placer).patch(chargepoint_url(chargepoint), {"name": "Bay 7"}, format="json")

    assert response.status_code == 200, response.data
    chargepoint.refresh_from_db()
    assert chargepoint.name == "Bay 7"


def test_an_operator_sets_and_removes_a_password_through_the_api(charger, operator):
    chargepoint = charger("1.6")
    api = api_as(operator)

    assert api.patch(chargepoint_url(chargepoint), {"password": GOOD}).status_code == 200
    assert admits(chargepoint, GOOD)
    assert (
        api.patch(chargepoint_url(chargepoint), {"password": None}, format="json").json()[
            "has_password"
        ]
        is False
    )


def admin_change(client, user, chargepoint, **fields):
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client.post(
        reverse("admin:chargepoints_chargepoint_change", args=[chargepoint.pk]),
        {
            "name": "Bay 7",
            "location": chargepoint.location_id,
            "connector_count": "1",
            "registration_status": chargepoint.registration_status,
            "security_profile": str(chargepoint.security_profile),
            "connectors-TOTAL_FORMS": "0",
            "connectors-INITIAL_FORMS": "0",
            "commands-TOTAL_FORMS": "0",
            "commands-INITIAL_FORMS": "0",
            **fields,
        },
    )


@pytest.mark.parametrize("fields", [{"new_password": GOOD}, {"remove_password": "on"}])
def test_setting_or_removing_a_password_in_the_admin_needs_the_right_to_rotate(
    charger, changer, client, fields
):
    chargepoint = charger("1.6")

    response = admin_change(client, changer, chargepoint, **fields)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert admits(chargepoint, OLD)
    assert chargepoint.name == "Bay 7"
    page = client.get(reverse("admin:chargepoints_chargepoint_change", args=[chargepoint.pk]))
    form = page.context["adminform"].form
    assert form.fields["new_password"].disabled and form.fields["remove_password"].disabled
    assert "chargepoints.rotate_password" in page.content.decode()


def test_an_operator_sets_a_password_in_the_admin(charger, operator, client):
    chargepoint = charger("1.6")

    response = admin_change(client, operator, chargepoint, new_password=GOOD)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert admits(chargepoint, GOOD)
    page = client.get(reverse("admin:chargepoints_chargepoint_change", args=[chargepoint.pk]))
    assert not page.context["adminform"].form.fields["new_password"].disabled

"""The ``ocpp_command`` management command: arguments, operators, and its two paths.

With the in-memory channel layer only the server process reaches its
chargers, so the command goes through the server's REST API; with a shared
layer (Redis) it sends the command itself. Here a plain BaseChannelLayer
stands in for a shared layer: commands to disconnected chargers never touch it.
"""

import asyncio
import contextlib
import json
import urllib.parse
from io import StringIO

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.core.management.base import CommandError
from knox.models import AuthToken
from ocpp.routing import on
from ocpp.v16 import ChargePoint as Client16
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.enums import CommandSource, CommandStatus
from chargepoints.models import Command
from chargepoints.services.commands import command_finish
from tests.rights import OPERATORS, user_in_group
from tests.server import (
    database_copy,
    manage,
    project_env,
    refused_port,
    running_server,
    sqlite_rows,
)
from tests.waiting import DEADLINE, wait_until_async

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
SHARED = {"default": {"BACKEND": "channels.layers.BaseChannelLayer"}}


@pytest.fixture
def operator(db):
    return user_in_group(
        OPERATORS,
        username="operator",
        password="operator password 42",
        phone_number="+66811112222",
    )


@pytest.fixture
def charger16(chargepoint):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def shared_layer(settings):
    settings.CHANNEL_LAYERS = SHARED


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY


def ocpp_command(*args) -> str:
    out = StringIO()
    call_command("ocpp_command", *args, stdout=out)
    return out.getvalue()


# -- arguments -----------------------------------------------------------------


def test_an_unknown_charge_point_is_an_error(db, shared_layer):
    with pytest.raises(CommandError, match="Unknown charge point 'NOBODY'"):
        ocpp_command("NOBODY", "reset")


def test_an_unknown_command_is_an_error(charger16, shared_layer):
    with pytest.raises(CommandError, match="invalid choice"):
        ocpp_command(charger16.pk, "self_destruct")


def test_a_param_without_an_equals_sign_is_an_error(charger16, shared_layer):
    with pytest.raises(CommandError, match="--param 'type': expected KEY=VALUE"):
        ocpp_command(charger16.pk, "reset", "--param", "type")


def test_a_param_without_a_key_is_an_error(charger16, shared_layer):
    with pytest.raises(CommandError, match="expected KEY=VALUE"):
        ocpp_command(charger16.pk, "reset", "--param", "=hard")


def test_invalid_parameters_are_an_error_naming_the_field(charger16, shared_layer):
    with pytest.raises(CommandError, match="Invalid command: connector_id: Enter a whole number"):
        ocpp_command(charger16.pk, "unlock_connector", "--param", "connector_id=first")
    assert not Command.objects.exists()


def test_an_unknown_parameter_is_an_error_naming_it(charger16, shared_layer):
    with pytest.raises(CommandError, match="colour: Unknown parameter"):
        ocpp_command(charger16.pk, "reset", "--param", "colour=red")


# -- who asks --------------------------------------------------------------------


def test_the_in_memory_layer_needs_an_operator_named(charger16, in_memory_layer):
    with pytest.raises(CommandError, match="--user"):
        ocpp_command(charger16.pk, "reset")
    assert not Command.objects.exists()


def test_a_user_who_may_not_change_charge_points_is_refused(charger16, driver, shared_layer):
    with pytest.raises(CommandError, match="No operator account 'driver'"):
        ocpp_command(charger16.pk, "reset", "--user", "driver")


def test_the_staff_flag_alone_is_no_right_to_command(charger16, driver, shared_layer):
    driver.is_staff = True
    driver.save()

    with pytest.raises(CommandError, match="No operator account 'driver'"):
        ocpp_command(charger16.pk, "reset", "--user", "driver")


def test_an_unknown_user_is_refused(charger16, shared_layer):
    with pytest.raises(CommandError, match="No operator account 'ghost'"):
        ocpp_command(charger16.pk, "reset", "--user", "ghost")


def test_the_operator_may_be_named_by_phone_number(charger16, operator, shared_layer):
    with pytest.raises(CommandError):
        ocpp_command(charger16.pk, "reset", "--user", "+66811112222")
    assert Command.objects.get().requested_by == operator


def test_an_unreachable_server_is_an_error_and_leaves_no_token(
    charger16, operator, in_memory_layer, settings
):
    with refused_port() as port:
        settings.CSMS_PORT = port
        with pytest.raises(CommandError, match="Cannot reach the server"):
            ocpp_command(charger16.pk, "reset", "--user", "operator")
    assert not AuthToken.objects.exists()


# -- through a shared layer ------------------------------------------------------


def test_an_offline_charger_is_printed_and_is_an_error(charger16, operator, shared_layer):
    out = StringIO()
    with pytest.raises(CommandError, match="RESET: CHARGER_OFFLINE"):
        call_command(
            "ocpp_command",
            charger16.pk,
            "reset",
            "--param",
            "type=hard",
            "--user",
            "operator",
            stdout=out,
        )
    record = json.loads(out.getvalue())
    assert record["status"] == CommandStatus.CHARGER_OFFLINE.upper()
    assert record["source"] == CommandSource.CLI.upper()
    assert record["requested_by"] == "operator"
    assert record["params"] == {"type": "HARD"}
    assert record["request"] == {"type": "Hard"}


def test_without_an_operator_the_command_is_recorded_for_nobody(charger16, shared_layer):
    with pytest.raises(CommandError):
        ocpp_command(charger16.pk, "reset")
    command = Command.objects.get()
    assert (command.source, command.requested_by) == (CommandSource.CLI, None)


def test_list_parameters_may_be_comma_separated(charger16, shared_layer):
    with pytest.raises(CommandError):
        ocpp_command(charger16.pk, "get_configuration", "--param", "keys=HeartbeatInterval,A")
    assert Command.objects.get().request == {"key": ["HeartbeatInterval", "A"]}


@pytest.fixture
def answering(monkeypatch, charger16):
    """A connected charger whose connection accepts every command at once."""
    charger16.connected = True
    charger16.save()
    waits = []

    async def fake_route(*, command_id, chargepoint_id, connection_id, wait):
        waits.append(wait)
        await sync_to_async(command_finish)(
            chargepoint_id=chargepoint_id,
            command_id=command_id,
            status=CommandStatus.ACCEPTED,
            response={"status": "Accepted"},
        )
        return True

    monkeypatch.setattr("ocpp_gateway.commands.command_route", fake_route)
    return waits


def test_an_accepted_command_is_printed_without_error(answering, charger16, shared_layer):
    record = json.loads(ocpp_command(charger16.pk, "reset", "--wait", "3"))
    assert record["status"] == CommandStatus.ACCEPTED.upper()
    assert record["response"] == {"status": "Accepted"}
    assert answering == [3.0]


def test_the_default_wait_is_the_command_timeout_plus_five(
    answering, charger16, shared_layer, settings
):
    settings.CSMS_COMMAND_TIMEOUT = 7
    ocpp_command(charger16.pk, "reset")
    assert answering == [12]


# -- end to end: a real server, the command through its API ------------------------

CHARGER = "CLI-E2E-1"
# Its own charger, so the offline tests never see it still marked connected.
LIVE_CHARGER = "CLI-E2E-LIVE"
# The demo data's superuser "operator" asks; "keeper" has a token of its own.
SETUP = f"""
from accounts.services import user_create
from chargepoints.models import ChargePoint
from tests.tokens import token_store
keeper = user_create(username="keeper", password=None, is_staff=True, is_superuser=True)
token_store(keeper, "k" * 64)
user_create(username="walker", password=None)
ChargePoint.objects.create(chargepoint_id="{CHARGER}", ocpp_version="ocpp1.6")
ChargePoint.objects.create(chargepoint_id="{LIVE_CHARGER}")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    folder = tmp_path_factory.mktemp("cli")
    database = database_copy(demo_database_template, folder, setup=SETUP)
    env = project_env(SQLITE_PATH=str(database))
    with running_server(env) as base_url:
        port = urllib.parse.urlsplit(base_url).port
        yield base_url, {**env, "CSMS_HOST": "127.0.0.1", "CSMS_PORT": str(port)}, database


def commands_stored(database) -> list[tuple]:
    return sqlite_rows(
        database,
        "SELECT c.name, c.status, c.source, u.username FROM chargepoints_command c "
        "LEFT JOIN accounts_user u ON u.id = c.requested_by_id ORDER BY c.id",
    )


@pytest.mark.e2e
def test_with_the_in_memory_layer_the_command_goes_through_the_servers_api(server):
    _, env, database = server
    before = len(commands_stored(database))
    result = manage("ocpp_command", CHARGER, "reset", "--user", "operator", env=env)
    assert result.returncode != 0
    assert "RESET: CHARGER_OFFLINE" in result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "CHARGER_OFFLINE"
    assert record["source"] == "API"
    assert record["requested_by"] == "operator"
    assert record["request"] == {"type": "Soft"}
    assert commands_stored(database)[before:] == [("reset", "charger_offline", "api", "operator")]


@pytest.mark.e2e
def test_the_token_made_for_the_call_is_removed_and_an_existing_one_kept(server):
    _, env, database = server
    manage("ocpp_command", CHARGER, "reset", "--user", "operator", env=env)
    manage("ocpp_command", CHARGER, "reset", "--user", "keeper", env=env)
    tokens = sqlite_rows(
        database,
        "SELECT u.username, t.token_key FROM knox_authtoken t "
        "JOIN accounts_user u ON u.id = t.user_id",
    )
    assert tokens == [("keeper", "k" * 15)]


@pytest.mark.e2e
def test_parameters_the_server_refuses_are_an_error_naming_the_field(server):
    _, env, database = server
    before = len(commands_stored(database))
    result = manage(
        "ocpp_command", CHARGER, "reset", "--param", "colour=red", "--user", "operator", env=env
    )
    assert result.returncode != 0
    assert "Invalid command: colour: Unknown parameter." in result.stderr
    assert len(commands_stored(database)) == before


@pytest.mark.e2e
def test_a_user_without_the_right_is_refused_before_anything_is_sent(server):
    _, env, database = server
    before = len(commands_stored(database))
    result = manage("ocpp_command", CHARGER, "reset", "--user", "walker", env=env)
    assert result.returncode != 0
    assert "No operator account 'walker'" in result.stderr
    assert len(commands_stored(database)) == before


class ResettableCharger(Client16):
    @on(Action.reset)
    def on_reset(self, **_):
        return call_result.Reset(status="Accepted")


@pytest.mark.e2e
def test_a_connected_charger_answers_the_command_sent_from_the_cli(server):
    base_url, env, database = server

    async def scenario():
        ws = await websockets.connect(
            f"{base_url.replace('http://', 'ws://')}/ocpp/{LIVE_CHARGER}",
            subprotocols=["ocpp1.6"],
            open_timeout=DEADLINE,
        )
        client = ResettableCharger(LIVE_CHARGER, ws, response_timeout=DEADLINE)
        reader = asyncio.create_task(client.start())
        try:
            await wait_until_async(
                lambda: (
                    sqlite_rows(
                        database,
                        "SELECT connected FROM chargepoints_chargepoint WHERE chargepoint_id=?",
                        LIVE_CHARGER,
                    )
                    == [(1,)]
                ),
                what="the server marking the charger connected",
            )
            return await asyncio.to_thread(
                manage,
                "ocpp_command",
                LIVE_CHARGER,
                "reset",
                "--param",
                "type=hard",
                "--user",
                "operator",
                env=env,
            )
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            await ws.close()

    result = asyncio.run(scenario())
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "ACCEPTED"
    assert record["request"] == {"type": "Hard"}
    assert record["response"] == {"status": "Accepted"}
    assert record["source"] == "API"

"""The command service and its transport: the domain records, the registered transport sends.

The charging domain knows no OCPP version and no connection; these tests put
a recording transport in the gateway's place and check what reaches it.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured

from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import Command
from chargepoints.services import command_transport as transport_module
from chargepoints.services.command_transport import command_transport, command_transport_register
from chargepoints.services.commands import command_request, command_supported
from ocpp_gateway.commands import ChannelLayerTransport


class RecordingTransport:
    """Translates every command to ("Do", params) and takes it unless told otherwise."""

    def __init__(self, *, takes: bool = True):
        self.takes = takes
        self.sent: list[tuple[Command, float]] = []

    def supports(self, *, chargepoint, name):
        return name != CommandName.GET_CONFIGURATION

    def translate(self, *, chargepoint, prepared):
        return "Do", {"name": prepared.name, **prepared.params}

    def send(self, *, command, wait):
        self.sent.append((command, wait))
        return self.takes


@pytest.fixture
def transport(monkeypatch):
    monkeypatch.setattr(transport_module, "_registered", [])
    recording = RecordingTransport()
    command_transport_register(recording)
    return recording


@pytest.fixture
def online(chargepoint):
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


def request(chargepoint, name=CommandName.RESET, **params):
    return command_request(
        chargepoint_id=chargepoint.pk,
        name=name,
        params=params or {"type": "soft"},
        source=CommandSource.API,
        wait=3,
    )


def test_the_gateway_registers_its_transport_when_django_starts():
    assert isinstance(command_transport(), ChannelLayerTransport)


def test_a_command_is_recorded_then_handed_to_the_transport(transport, online):
    command = request(online)

    assert [(sent.pk, wait) for sent, wait in transport.sent] == [(command.pk, 3)]
    stored = Command.objects.get()
    assert (stored.action, stored.request, stored.status) == (
        "Do",
        {"name": "reset", "type": "soft"},
        CommandStatus.PENDING,
    )


def test_a_bad_command_is_refused_before_anything_is_recorded_or_sent(transport, online):
    with pytest.raises(CommandInvalid) as refused:
        request(online, type="sideways")

    assert "type" in refused.value.errors
    assert transport.sent == []
    assert not Command.objects.exists()


def test_a_command_no_connection_took_is_recorded_as_charger_offline(transport, online):
    transport.takes = False

    command = request(online)

    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert "No server process holds a connection" in command.error_description


def test_a_charger_not_connected_gets_an_offline_record_and_nothing_is_sent(transport, chargepoint):
    command = request(chargepoint)

    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert transport.sent == []


def test_whether_a_command_exists_for_a_charger_is_the_transports_answer(transport, online):
    assert command_supported(chargepoint=online, name=CommandName.RESET)
    assert not command_supported(chargepoint=online, name=CommandName.GET_CONFIGURATION)


def test_without_a_registered_transport_commands_fail_loudly(monkeypatch, online):
    monkeypatch.setattr(transport_module, "_registered", [])

    with pytest.raises(ImproperlyConfigured, match="No command transport"):
        request(online)

"""OCPP versions are listed once (chargepoints.enums.OcppProtocol); gateway tables follow."""

from chargepoints.enums import OcppProtocol
from ocpp_gateway.admission import SUPPORTED_SUBPROTOCOLS, negotiate_subprotocol
from ocpp_gateway.commands import TRANSLATIONS
from ocpp_gateway.consumer import ADAPTERS
from ocpp_gateway.simulator import SUBPROTOCOLS

VERSIONS = set(OcppProtocol.values)


def test_the_gateway_admits_every_version_and_no_other():
    assert sorted(SUPPORTED_SUBPROTOCOLS) == sorted(VERSIONS)


def test_every_version_has_an_adapter_and_a_command_translation():
    assert set(ADAPTERS) == VERSIONS
    assert set(TRANSLATIONS) == VERSIONS


def test_the_simulator_speaks_only_versions_the_server_admits():
    assert set(SUBPROTOCOLS.values()) <= VERSIONS


def test_the_newest_message_set_we_speak_is_preferred():
    assert negotiate_subprotocol(["ocpp1.6", "ocpp2.1", "ocpp2.0.1"]) == "ocpp2.0.1"
    assert negotiate_subprotocol(["ocpp1.6", "ocpp2.1"]) == "ocpp2.1"
    assert negotiate_subprotocol(["ocpp1.5"]) is None

"""OCPP 1.6 commands refused before anything is sent, and a CALLERROR answer."""

import pytest

from accounts.models import IdTag
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandStatus
from chargepoints.models import Command, Reservation
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v16.commands.helpers import (
    FIRMWARE_URL,
    T_INSTALL,
    T_RESERVATION_EXPIRY,
)


@pytest.fixture
def long_tag(db) -> IdTag:
    return IdTag.objects.create(idToken="LONG-TAG-0123456789AB")  # 21 characters


@pytest.mark.parametrize(
    "name, params",
    [
        ("get_variables", {"variables": ["ChargingStation.StatusLedBrightness"]}),
        ("set_variables", {"variables": ["ChargingStation.StatusLedBrightness=50"]}),
        ("get_base_report", {}),
        ("get_report", {"component_criteria": ["Active"]}),
        ("get_charging_profiles", {}),
        ("get_transaction_status", {}),
        ("set_led_brightness", {"brightness": 50}),
    ],
)
def test_it_refuses_2_0_1_only_commands_and_records_nothing(online, name, params):
    with pytest.raises(CommandInvalid) as refused:
        command_issue(online, name, params)
    assert list(refused.value.errors) == ["command"]
    assert "OCPP 1.6" in refused.value.errors["command"][0]
    assert Command.objects.count() == 0


@pytest.mark.parametrize(
    "name, params, field",
    [
        # OCPP 1.6 §7.27 IdToken: at most 20 characters.
        ("remote_start", {"id_tag": "LONG-TAG-0123456789AB"}, "id_tag"),
        (
            "reserve_now",
            {"id_tag": "LONG-TAG-0123456789AB", "expiry_date": T_RESERVATION_EXPIRY},
            "id_tag",
        ),
        ("send_local_list", {"id_tags": ["LONG-TAG-0123456789AB"]}, "id_tags"),
        ("reset", {"type": "hard", "evse_id": 1}, "evse_id"),
        ("trigger_message", {"requested_message": "LogStatusNotification"}, "requested_message"),
        (
            "set_charging_profile",
            {
                "purpose": "ChargingStationExternalConstraints",
                "periods": [{"start_period": 0, "limit": 16}],
            },
            "purpose",
        ),
        (
            "update_firmware",
            {"location": FIRMWARE_URL, "install_date": T_INSTALL},
            "install_date",
        ),
        ("update_firmware", {"location": FIRMWARE_URL, "signature": "c2ln"}, "signature"),
    ],
)
def test_it_refuses_what_ocpp_1_6_cannot_say_and_records_nothing(
    online, connector, long_tag, name, params, field
):
    with pytest.raises(CommandInvalid) as refused:
        command_issue(online, name, params)
    assert list(refused.value.errors) == [field]
    assert Command.objects.count() == 0


def test_it_records_a_call_error_as_failed_and_changes_nothing(exchange, connector, tag):
    command, sent = exchange(
        "reserve_now",
        {"id_tag": "TAG-0001", "expiry_date": T_RESERVATION_EXPIRY, "connector_id": 1},
        answer=lambda sent: [4, sent[1], "NotSupported", "No reservations here", {}],
    )
    assert sent[2] == "ReserveNow"
    assert command.status == CommandStatus.FAILED
    assert command.error_code == "NotSupported"
    assert not Reservation.objects.exists()

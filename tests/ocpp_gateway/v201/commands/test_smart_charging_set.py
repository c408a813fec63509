"""OCPP 2.0.1 block K SmartCharging: installing profiles and current limits."""

import datetime

import pytest

from chargepoints.enums import CommandStatus
from chargepoints.models import ChargingProfile
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import TX_ID, refused


def test_it_installs_a_station_wide_maximum(online, evse, charger):
    # A 1.6 purpose name is the 2.0.1 ChargingStationMaxProfile.
    command = command_issue(
        online,
        "set_charging_profile",
        {
            "purpose": "ChargePointMaxProfile",
            "charging_rate_unit": "W",
            "periods": [{"start_period": 0, "limit": 11000}],
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SetChargingProfile",
        {
            "evseId": 0,
            "chargingProfile": {
                "id": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "ChargingStationMaxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}],
                    }
                ],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    profile = ChargingProfile.objects.get(chargepoint=online)
    assert profile.chargingprofile_id == 1
    assert profile.chargingprofile_purpose == "ChargePointMaxProfile"
    assert profile.connector is None
    assert profile.charging_rate_unit == "W"
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": 11000}]


def test_it_installs_a_recurring_default_profile_on_one_evse(online, evse, charger):
    ChargingProfile.objects.create(
        chargepoint=online, chargingprofile_id=4, name="old", chargingprofile_purpose="TxProfile"
    )
    command = command_issue(
        online,
        "set_charging_profile",
        {
            "purpose": "TxDefaultProfile",
            "connector_id": 1,
            "kind": "Recurring",
            "recurrency_kind": "Daily",
            "stack_level": 2,
            "start_schedule": "2025-01-01T00:00:00Z",
            "duration": 86400,
            "periods": [
                {"start_period": 0, "limit": 16, "number_phases": 3},
                {"start_period": 28800, "limit": 32},
            ],
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 5,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Recurring",
                "recurrencyKind": "Daily",
                "chargingSchedule": [
                    {
                        "id": 5,
                        "startSchedule": "2025-01-01T00:00:00Z",
                        "duration": 86400,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16, "numberPhases": 3},
                            {"startPeriod": 28800, "limit": 32},
                        ],
                    }
                ],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    profile = ChargingProfile.objects.get(chargepoint=online, chargingprofile_id=5)
    assert profile.connector == evse
    assert profile.recurrency_kind == "Daily"
    assert profile.start_schedule == datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def test_it_names_the_chargers_transaction_in_a_tx_profile(online, evse, active_tx, charger):
    command = command_issue(
        online,
        "set_charging_profile",
        {
            "purpose": "TxProfile",
            "connector_id": 1,
            "stack_level": 1,
            "periods": [{"start_period": 0, "limit": 10}],
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    # OCPP 2.0.1 K01.FR.03: a TxProfile names the charger's transaction id.
    assert sent[3]["chargingProfile"]["transactionId"] == TX_ID
    assert sent[3]["evseId"] == 1
    assert command.status == CommandStatus.ACCEPTED
    assert ChargingProfile.objects.get(chargepoint=online).transaction == active_tx


def test_it_installs_a_saved_template_under_a_new_id(online, evse, charger):
    template = ChargingProfile.objects.create(
        chargingprofile_id=9,
        name="Night tariff",
        chargingprofile_purpose="TxDefaultProfile",
        chargingprofile_kind="Recurring",
        recurrency_kind="Daily",
        stack_level=3,
        charging_rate_unit="W",
        chargingschedule_period=[{"start_period": 0, "limit": 7400}],
        start_schedule=datetime.datetime(2025, 1, 1, 22, tzinfo=datetime.UTC),
        duration=28800,
    )
    command = command_issue(
        online,
        "set_charging_profile",
        {"profile": template.pk, "connector_id": 1, "min_charging_rate": 1.5},
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 1,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Recurring",
                "recurrencyKind": "Daily",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "startSchedule": "2025-01-01T22:00:00Z",
                        "duration": 28800,
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400}],
                        "minChargingRate": 1.5,
                    }
                ],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    installed = ChargingProfile.objects.get(chargepoint=online)
    assert installed.chargingprofile_id == 1
    assert installed.connector == evse
    assert str(installed.min_charging_rate) == "1.5"
    # The template itself stays a template.
    template.refresh_from_db()
    assert template.chargepoint is None


def test_it_installs_no_profile_the_charger_rejected(online, charger):
    command = command_issue(
        online,
        "set_charging_profile",
        {"purpose": "TxDefaultProfile", "periods": [{"start_period": 0, "limit": 16}]},
    )

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED
    assert not ChargingProfile.objects.exists()


def seed_004_limit(limit, profile_id: int = 1) -> dict:
    """Seed 004's SetChargingProfile: a TxProfile of one period for the running transaction."""
    return {
        "evseId": 1,
        "chargingProfile": {
            "id": profile_id,
            "stackLevel": 1,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "transactionId": TX_ID,
            "chargingSchedule": [
                {
                    "id": profile_id,
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
                }
            ],
        },
    }


@pytest.mark.parametrize("limit", [16, 0, 32, 6, 10.5], ids=["16A", "pause", "max", "min", "half"])
def test_it_limits_the_current_of_the_running_transaction(online, evse, active_tx, charger, limit):
    command = command_issue(online, "set_current_limit", {"limit": limit})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "SetChargingProfile", seed_004_limit(limit)]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}
    assert command.transaction == active_tx
    assert command.connector == evse
    evse.refresh_from_db()
    assert evse.current_limit == limit
    profile = ChargingProfile.objects.get(chargepoint=online)
    assert profile.transaction == active_tx
    assert profile.connector == evse
    assert profile.chargingprofile_purpose == "TxProfile"
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": limit}]


def test_it_replaces_the_transactions_limit_rather_than_stacking_another(
    online, evse, active_tx, charger
):
    first = command_issue(online, "set_current_limit", {"limit": 16})
    charger.command(first, {"status": "Accepted"})
    second = command_issue(online, "set_current_limit", {"limit": 8, "connector_id": 1})

    sent = charger.command(second, {"status": "Accepted"})

    # 2.0.1 K01.FR.05: the same profile id replaces the installed profile.
    assert sent == [2, second.message_id, "SetChargingProfile", seed_004_limit(8, profile_id=1)]
    assert ChargingProfile.objects.get(chargepoint=online).chargingschedule_period == [
        {"start_period": 0, "limit": 8}
    ]
    evse.refresh_from_db()
    assert evse.current_limit == 8


def test_it_keeps_the_limit_the_charger_rejected(online, evse, active_tx, charger):
    command = command_issue(online, "set_current_limit", {"limit": 16})

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED
    evse.refresh_from_db()
    assert evse.current_limit is None
    assert not ChargingProfile.objects.exists()


@pytest.mark.parametrize("limit", [5, 33, -1])
def test_it_refuses_a_current_limit_the_wallbox_cannot_take(online, evse, active_tx, limit):
    errors = refused(online, "set_current_limit", {"limit": limit})

    assert list(errors) == ["limit"]


def test_it_refuses_a_current_limit_without_a_running_transaction(online, evse):
    errors = refused(online, "set_current_limit", {"limit": 16})

    assert errors == {
        "transaction_id": ["There is no active transaction on charge point CP-TEST-1."]
    }

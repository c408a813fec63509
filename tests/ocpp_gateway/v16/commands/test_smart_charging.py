"""OCPP 1.6 Smart Charging profile (2.0.1 block K): installing and clearing profiles."""

from decimal import Decimal

import pytest

from chargepoints.enums import CommandStatus
from chargepoints.models import ChargePoint, ChargingProfile, Connector, Transaction
from tests.ocpp_gateway.v16.commands.helpers import (
    ACCEPTED,
    REJECTED,
    T_EXPIRY,
    T_RETRIEVE,
    assert_answer,
    assert_fields,
    assert_frame,
    utc,
)


def profiles(chargepoint: ChargePoint) -> list[ChargingProfile]:
    return list(
        ChargingProfile.objects.filter(chargepoint=chargepoint).order_by("chargingprofile_id")
    )


def test_it_installs_a_profile_given_field_by_field(exchange, online, connector):
    params = {
        "charging_profile_id": 7,
        "connector_id": 1,
        "purpose": "TxDefaultProfile",
        "kind": "Recurring",
        "recurrency_kind": "Daily",
        "stack_level": 2,
        "charging_rate_unit": "W",
        "periods": [
            {"start_period": 0, "limit": 11000, "number_phases": 3},
            {"start_period": 3600, "limit": 7400.5},
        ],
        "duration": 86400,
        "start_schedule": T_RETRIEVE,
        "valid_from": T_RETRIEVE,
        "valid_to": T_EXPIRY,
        "min_charging_rate": 1400.0,
    }
    command, sent = exchange("set_charging_profile", params)
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 7,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Recurring",
                "recurrencyKind": "Daily",
                "validFrom": T_RETRIEVE,
                "validTo": T_EXPIRY,
                "chargingSchedule": {
                    "duration": 86400,
                    "startSchedule": T_RETRIEVE,
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 11000, "numberPhases": 3},
                        {"startPeriod": 3600, "limit": 7400.5},
                    ],
                    "minChargingRate": 1400.0,
                },
            },
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    [profile] = profiles(online)
    assert_fields(
        profile,
        chargingprofile_id=7,
        connector=connector,
        transaction=None,
        chargingprofile_purpose="TxDefaultProfile",
        chargingprofile_kind="Recurring",
        recurrency_kind="Daily",
        stack_level=2,
        charging_rate_unit="W",
        chargingschedule_period=params["periods"],
        duration=86400,
        start_schedule=utc(T_RETRIEVE),
        valid_from=utc(T_RETRIEVE),
        valid_to=utc(T_EXPIRY),
        min_charging_rate=Decimal("1400.0"),
    )


def test_it_sends_a_charging_station_max_profile_as_1_6_charge_point_max_profile(exchange, online):
    command, sent = exchange(
        "set_charging_profile",
        {"purpose": "ChargingStationMaxProfile", "periods": [{"start_period": 0, "limit": 32}]},
    )
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        {
            "connectorId": 0,
            "csChargingProfiles": {
                "chargingProfileId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "ChargePointMaxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32}],
                },
            },
        },
    )
    [profile] = profiles(online)
    assert_fields(profile, connector=None, chargingprofile_purpose="ChargingStationMaxProfile")


def tx_profile_frame(tx: Transaction, *, profile_id: int, stack_level: int, limit) -> dict:
    return {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": profile_id,
            "transactionId": tx.pk,
            "stackLevel": stack_level,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            },
        },
    }


def test_it_binds_a_tx_profile_to_the_active_transaction(exchange, online, connector, tx):
    # OCPP 1.6 §5.16.3: a TxProfile names the transaction it limits.
    command, sent = exchange(
        "set_charging_profile",
        {"connector_id": 1, "purpose": "TxProfile", "periods": [{"start_period": 0, "limit": 16}]},
    )
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        tx_profile_frame(tx, profile_id=1, stack_level=0, limit=16),
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert command.transaction == tx
    [profile] = profiles(online)
    assert_fields(profile, connector=connector, transaction=tx, chargingprofile_purpose="TxProfile")


@pytest.mark.parametrize("refusal", ["Rejected", "NotSupported"])
def test_it_installs_no_profile_when_refused(exchange, online, connector, tx, refusal):
    command, _ = exchange(
        "set_charging_profile",
        {"connector_id": 1, "purpose": "TxProfile", "periods": [{"start_period": 0, "limit": 16}]},
        {"status": refusal},
    )
    assert command.status == CommandStatus.REJECTED
    assert profiles(online) == []


@pytest.mark.parametrize(
    "limit, wire_limit",
    [
        (16, 16),
        (32.0, 32),
        (10.5, 10.5),
        (0, 0),  # pauses charging (seed 004)
        pytest.param(6.3, 6.3),
    ],
)
def test_it_sets_the_seed_004_current_limit_as_a_tx_profile(
    exchange, online, connector, tx, limit, wire_limit
):
    command, sent = exchange("set_current_limit", {"limit": limit})
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        tx_profile_frame(tx, profile_id=1, stack_level=1, limit=wire_limit),
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert (command.transaction, command.connector) == (tx, connector)
    [profile] = profiles(online)
    assert_fields(
        profile,
        transaction=tx,
        connector=connector,
        chargingprofile_purpose="TxProfile",
        chargingprofile_kind="Absolute",
        charging_rate_unit="A",
        chargingschedule_period=[{"start_period": 0, "limit": wire_limit}],
    )
    assert_fields(connector, current_limit=limit)


def test_it_replaces_the_transactions_limit_instead_of_stacking_another(
    exchange, online, connector, tx
):
    # OCPP 1.6 §5.16.2: a profile with an installed profile's id replaces it.
    exchange("set_current_limit", {"limit": 16})
    command, sent = exchange("set_current_limit", {"limit": 8})
    assert_frame(
        command,
        sent,
        "SetChargingProfile",
        tx_profile_frame(tx, profile_id=1, stack_level=1, limit=8),
    )
    [profile] = profiles(online)
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": 8}]
    assert_fields(connector, current_limit=8)


def test_it_keeps_the_current_limit_when_refused(exchange, online, connector, tx):
    Connector.objects.filter(pk=connector.pk).update(current_limit=32)
    command, _ = exchange("set_current_limit", {"limit": 6}, REJECTED)
    assert_answer(command, CommandStatus.REJECTED, REJECTED)
    assert profiles(online) == []
    assert_fields(connector, current_limit=32)


@pytest.fixture
def installed(online, connector) -> None:
    """Profile 1 for the whole charger; 2 and 3 defaults for connector 1 at levels 0 and 1."""
    for profile_id, where, purpose, level in [
        (1, None, "ChargePointMaxProfile", 0),
        (2, connector, "TxDefaultProfile", 0),
        (3, connector, "TxDefaultProfile", 1),
    ]:
        ChargingProfile.objects.create(
            chargepoint=online,
            chargingprofile_id=profile_id,
            name=f"Profile {profile_id}",
            connector=where,
            chargingprofile_purpose=purpose,
            stack_level=level,
            chargingschedule_period=[{"start_period": 0, "limit": 16}],
        )


@pytest.mark.parametrize(
    "params, payload, left",
    [
        ({"charging_profile_id": 2}, {"id": 2}, [1, 3]),
        (
            {"connector_id": 1, "purpose": "TxDefaultProfile", "stack_level": 0},
            {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0},
            [1, 3],
        ),
        ({"connector_id": 1}, {"connectorId": 1}, [1]),
        ({"connector_id": 0}, {"connectorId": 0}, [2, 3]),
        ({"purpose": "TxDefaultProfile"}, {"chargingProfilePurpose": "TxDefaultProfile"}, [1]),
        ({}, {}, []),
    ],
)
def test_it_clears_the_profiles_named_by_id_or_criteria(
    exchange, online, installed, params, payload, left
):
    # OCPP 1.6 §5.5: an id clears that profile, otherwise every one matching all criteria.
    command, sent = exchange("clear_charging_profile", params)
    assert_frame(command, sent, "ClearChargingProfile", payload)
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert [p.chargingprofile_id for p in profiles(online)] == left


@pytest.mark.parametrize(
    "stored_as, cleared_as",
    [
        ("ChargePointMaxProfile", "ChargePointMaxProfile"),
        pytest.param(
            "ChargingStationMaxProfile",
            "ChargePointMaxProfile",
        ),
        pytest.param(
            "ChargePointMaxProfile",
            "ChargingStationMaxProfile",
        ),
    ],
)
def test_it_clears_a_max_profile_by_either_of_its_names(exchange, online, stored_as, cleared_as):
    # Both names are 1.6 ChargePointMaxProfile: the charger clears the profile either way.
    ChargingProfile.objects.create(
        chargepoint=online,
        chargingprofile_id=1,
        name="Site limit",
        chargingprofile_purpose=stored_as,
        chargingschedule_period=[{"start_period": 0, "limit": 32}],
    )
    command, sent = exchange("clear_charging_profile", {"purpose": cleared_as})
    assert_frame(
        command, sent, "ClearChargingProfile", {"chargingProfilePurpose": "ChargePointMaxProfile"}
    )
    assert profiles(online) == []


def test_it_clears_no_profile_the_charger_does_not_know(exchange, online, installed):
    answer = {"status": "Unknown"}
    command, _ = exchange("clear_charging_profile", {"charging_profile_id": 2}, answer)
    assert_answer(command, CommandStatus.REJECTED, answer)
    assert [p.chargingprofile_id for p in profiles(online)] == [1, 2, 3]

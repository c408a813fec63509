"""OCPP 2.0.1 block K SmartCharging: clearing profiles, reading them and the composite schedule."""

import pytest

from chargepoints.enums import CommandStatus
from chargepoints.models import ChargingProfile
from tests.ocpp_gateway.command_helpers import command_issue


@pytest.fixture
def installed(online, evse) -> list[ChargingProfile]:
    def profile(profile_id, purpose, connector=None, stack_level=0):
        return ChargingProfile.objects.create(
            chargepoint=online,
            chargingprofile_id=profile_id,
            name=f"{purpose} {profile_id}",
            chargingprofile_purpose=purpose,
            connector=connector,
            stack_level=stack_level,
        )

    return [
        profile(1, "ChargingStationMaxProfile"),
        profile(2, "TxDefaultProfile"),
        profile(3, "TxDefaultProfile", connector=evse),
        profile(4, "TxDefaultProfile", stack_level=1),
    ]


def test_it_clears_one_profile_by_id(online, installed, charger):
    command = command_issue(online, "clear_charging_profile", {"charging_profile_id": 3})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "ClearChargingProfile", {"chargingProfileId": 3}]
    assert command.status == CommandStatus.ACCEPTED
    left = ChargingProfile.objects.filter(chargepoint=online)
    assert sorted(left.values_list("chargingprofile_id", flat=True)) == [1, 2, 4]


def test_it_clears_the_station_wide_profiles_matching_all_criteria(online, installed, charger):
    command = command_issue(
        online,
        "clear_charging_profile",
        {"connector_id": 0, "purpose": "TxDefaultProfile", "stack_level": 0},
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "ClearChargingProfile",
        {
            "chargingProfileCriteria": {
                "evseId": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "stackLevel": 0,
            }
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    left = ChargingProfile.objects.filter(chargepoint=online)
    assert sorted(left.values_list("chargingprofile_id", flat=True)) == [1, 3, 4]


def test_it_clears_the_profiles_of_one_evse(online, installed, charger):
    command = command_issue(online, "clear_charging_profile", {"connector_id": 1})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "ClearChargingProfile",
        {"chargingProfileCriteria": {"evseId": 1}},
    ]
    left = ChargingProfile.objects.filter(chargepoint=online)
    assert sorted(left.values_list("chargingprofile_id", flat=True)) == [1, 2, 4]


def test_it_clears_nothing_when_the_charger_knows_no_such_profile(online, installed, charger):
    command = command_issue(online, "clear_charging_profile", {"charging_profile_id": 9})

    charger.command(command, {"status": "Unknown"})

    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "Unknown"}
    assert ChargingProfile.objects.filter(chargepoint=online).count() == 4


@pytest.mark.parametrize("answer", ["Accepted", "NoProfiles"])
def test_it_asks_for_every_installed_profile(online, charger, answer):
    command = command_issue(online, "get_charging_profiles")

    sent = charger.command(command, {"status": answer})

    # chargingProfile is required in a 2.0.1 GetChargingProfilesRequest, even when empty.
    assert sent == [
        2,
        command.message_id,
        "GetChargingProfiles",
        {"requestId": command.request_id, "chargingProfile": {}},
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": answer}


def test_it_asks_for_the_profiles_matching_criteria(online, evse, charger):
    command = command_issue(
        online,
        "get_charging_profiles",
        {
            "connector_id": 1,
            "purpose": "TxProfile",
            "stack_level": 1,
            "charging_profile_ids": [1, 2],
            "sources": ["CSO", "EMS"],
        },
    )

    sent = charger.command(command, {"status": "NoProfiles"})

    assert sent == [
        2,
        command.message_id,
        "GetChargingProfiles",
        {
            "requestId": command.request_id,
            "evseId": 1,
            "chargingProfile": {
                "chargingProfilePurpose": "TxProfile",
                "stackLevel": 1,
                "chargingProfileId": [1, 2],
                "chargingLimitSource": ["CSO", "EMS"],
            },
        },
    ]
    assert command.status == CommandStatus.ACCEPTED


def test_it_asks_for_the_station_level_profiles_with_evse_0(online, evse, charger):
    command = command_issue(online, "get_charging_profiles", {"connector_id": 0})

    sent = charger.command(command, {"status": "NoProfiles"})

    assert sent == [
        2,
        command.message_id,
        "GetChargingProfiles",
        {"requestId": command.request_id, "evseId": 0, "chargingProfile": {}},
    ]


@pytest.mark.parametrize(
    "params, payload",
    [
        ({"duration": 600}, {"duration": 600, "evseId": 0}),
        (
            {"duration": 3600, "connector_id": 1, "charging_rate_unit": "A"},
            {"duration": 3600, "chargingRateUnit": "A", "evseId": 1},
        ),
    ],
)
def test_it_asks_for_the_composite_schedule(online, evse, charger, params, payload):
    command = command_issue(online, "get_composite_schedule", params)
    answer = {
        "status": "Accepted",
        "schedule": {
            "evseId": payload["evseId"],
            "duration": payload["duration"],
            "scheduleStart": "2025-01-01T00:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
        },
    }

    sent = charger.command(command, answer)

    assert sent == [2, command.message_id, "GetCompositeSchedule", payload]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer


def test_it_records_a_composite_schedule_the_charger_refused(online, charger):
    command = command_issue(online, "get_composite_schedule", {"duration": 600})

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED

"""OCPP 2.0.1 block K SmartCharging: ReportChargingProfiles."""

from chargepoints.models import ChargingProfile, Connector
from tests.ocpp_gateway.v201.handlers.helpers import CHARGEPOINT_ID, REQUESTS, T0, TX_ID, utc


def test_it_keeps_the_charging_profiles_a_charger_reports(wire):
    wire.result("ReportChargingProfiles", REQUESTS["ReportChargingProfiles"])

    profile = ChargingProfile.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert profile.chargingprofile_id == 100
    assert profile.connector is None
    assert profile.stack_level == 0
    assert profile.chargingprofile_purpose == "ChargingStationMaxProfile"
    assert profile.chargingprofile_kind == "Absolute"
    assert profile.chargingschedule_id == 7
    assert profile.charging_rate_unit == "A"
    assert profile.chargingschedule_period == [{"start_period": 0, "limit": 32.0}]


def test_it_keeps_a_reported_evse_profile_on_that_evse_connector(wire, chargepoint):
    connector = Connector.objects.create(
        chargepoint=chargepoint, connectorid=1, evse_id=1, evse_connector_id=1
    )
    report = {
        "requestId": 16,
        "chargingLimitSource": "CSO",
        "evseId": 1,
        "chargingProfile": [
            {
                "id": 999,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "transactionId": TX_ID,
                "chargingSchedule": [
                    {
                        "id": 1,
                        "startSchedule": T0,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3}
                        ],
                    }
                ],
            }
        ],
    }

    wire.result("ReportChargingProfiles", report)

    profile = ChargingProfile.objects.get(chargingprofile_id=999)
    assert profile.connector == connector
    assert profile.start_schedule == utc(T0)
    assert profile.chargingschedule_period == [
        {"start_period": 0, "limit": 16.0, "number_phases": 3}
    ]

"""OCPP 2.0.1 block B Provisioning: BootNotification, Heartbeat, NotifyReport."""

from django.conf import settings

from chargepoints.enums import RegistrationStatus
from chargepoints.models import ChargePoint, ConfigurationVariable, Heartbeat
from ocpp_gateway.timefmt import ocpp_datetime
from tests.ocpp_gateway.v201.handlers.helpers import CHARGEPOINT_ID, REQUESTS, T1

# -- BootNotification, Heartbeat ----------------------------------------------


def test_it_stores_what_the_charger_says_about_itself_at_boot(wire):
    wire.result("BootNotification", REQUESTS["BootNotification"])

    chargepoint = ChargePoint.objects.get(pk=CHARGEPOINT_ID)
    assert chargepoint.chargepoint_vendor == "BMW"
    assert chargepoint.chargepoint_model == "EIAW-E22KTSE6B04"
    assert chargepoint.chargepoint_serial_number == "ETEST1234567890AB"
    assert chargepoint.firmware_version == "1.9.3"
    assert chargepoint.iccid == "89490200001234567890"
    assert chargepoint.imsi == "262011234567890"
    assert chargepoint.boot_reason == "PowerUp"
    assert chargepoint.last_boot_at is not None


def test_it_tells_a_pending_charger_when_to_boot_again(wire, chargepoint):
    chargepoint.registration_status = RegistrationStatus.PENDING
    chargepoint.save()

    answer = wire.result("BootNotification", REQUESTS["BootNotification"])

    assert answer["status"] == "Pending"
    assert answer["interval"] == settings.CSMS_BOOT_RETRY_INTERVAL


def test_it_records_a_heartbeat_and_answers_with_its_time(wire):
    answer = wire.result("Heartbeat", {})

    heartbeat = Heartbeat.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert answer == {"currentTime": ocpp_datetime(heartbeat.timestamp)}
    assert ChargePoint.objects.get(pk=CHARGEPOINT_ID).last_heartbeat == heartbeat.timestamp


# -- NotifyReport -------------------------------------------------------------


def test_it_stores_reported_device_model_variables(wire):
    wire.result("NotifyReport", REQUESTS["NotifyReport"])

    variable = ConfigurationVariable.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (
        variable.component,
        variable.variable,
        variable.evse_id,
        variable.attribute_type,
        variable.value,
        variable.readonly,
    ) == ("ChargingStation", "StatusLedBrightness", 0, "Actual", "46", False)


def test_it_stores_each_attribute_of_an_evse_variable_and_marks_read_only_ones(wire):
    report = {
        "requestId": 2,
        "generatedAt": T1,
        "seqNo": 0,
        "tbc": False,
        "reportData": [
            {
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "variableAttribute": [
                    {"type": "Actual", "value": "11040", "mutability": "ReadOnly"},
                    {"type": "MaxSet", "value": "22000", "mutability": "ReadOnly"},
                ],
            },
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variableAttribute": [{"type": "Actual", "mutability": "WriteOnly"}],
            },
        ],
    }

    wire.result("NotifyReport", report)

    stored = ConfigurationVariable.objects.order_by("attribute_type").values_list(
        "component", "evse_id", "variable", "attribute_type", "value", "readonly"
    )
    assert list(stored) == [
        ("EVSE", 1, "Power", "Actual", "11040", True),
        ("EVSE", 1, "Power", "MaxSet", "22000", True),
    ]


def test_a_later_report_updates_the_stored_value(wire):
    wire.result("NotifyReport", REQUESTS["NotifyReport"], unique_id="1")
    report = REQUESTS["NotifyReport"] | {"requestId": 2}
    report["reportData"] = [
        {
            "component": {"name": "ChargingStation"},
            "variable": {"name": "StatusLedBrightness"},
            "variableAttribute": [{"type": "Actual", "value": "80"}],
        }
    ]

    wire.result("NotifyReport", report, unique_id="2")

    assert ConfigurationVariable.objects.get().value == "80"

"""Every class of bad input gets the CALLERROR the specification gives, and harms nothing."""

import json

import pytest
from django.test import override_settings

from chargepoints.models import StatusNotification, Transaction
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire

STATUS_16 = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}


@pytest.fixture
def wire16(chargepoint):
    return Wire(ChargePoint16, chargepoint.pk)


@pytest.fixture
def wire201(chargepoint):
    return Wire(ChargePoint201, chargepoint.pk)


def error(answer: list) -> tuple:
    assert answer[0] == 4 and isinstance(answer[3], str) and isinstance(answer[4], dict), answer
    return answer[1], answer[2]


# -- frames that are not OCPP-J ----------------------------------------------


@pytest.mark.parametrize("frame", ["not json", "{", '{"an": "object"}', "[]", "42"])
def test_a_201_frame_whose_id_cannot_be_read_is_answered_with_id_minus_one(wire201, frame):
    assert error(wire201.send_raw(frame)) == ("-1", "RpcFrameworkError")


@pytest.mark.parametrize("frame", ["not json", '{"an": "object"}', "[2]", "[2, 17, "])
def test_a_16_frame_whose_id_cannot_be_read_is_logged_and_not_answered(wire16, frame):
    assert wire16.send_raw(frame) is None
    logged = OCPPMessage.objects.get()
    assert logged.direction == "INBOUND" and logged.payload == {"raw": frame}


@pytest.mark.parametrize(
    "frame, expected_201, expected_16",
    [
        ('[2, "a1", "Heartbeat"]', "RpcFrameworkError", "FormationViolation"),
        ('[2, "a1", 7, {}]', "RpcFrameworkError", "FormationViolation"),
        ('[2, "a1", "Heartbeat", []]', "FormatViolation", "FormationViolation"),
        ('[7, "a1", "Heartbeat", {}]', "MessageTypeNotSupported", "GenericError"),
    ],
)
def test_a_malformed_call_gets_the_versions_error_code(
    wire16, wire201, frame, expected_201, expected_16
):
    assert error(wire201.send_raw(frame)) == ("a1", expected_201)
    assert error(wire16.send_raw(frame)) == ("a1", expected_16)


def test_a_message_id_longer_than_36_characters_is_refused_with_that_id(wire16, wire201):
    # The client can match the refusal to its call (an independent 1.6 test
    # client waited for an answer that never came).
    long_id = "x" * 37
    frame = json.dumps([2, long_id, "Heartbeat", {}])
    assert error(wire201.send_raw(frame)) == (long_id, "RpcFrameworkError")
    assert error(wire16.send_raw(frame)) == (long_id, "FormationViolation")
    assert not OCPPMessage.objects.filter(action="Heartbeat", direction="INBOUND").exists()


def test_an_answer_with_an_overlong_id_is_not_answered(wire16):
    assert wire16.send_raw(json.dumps([3, "y" * 37, {}])) is None


# -- actions ---------------------------------------------------------------------


def test_an_unknown_action_is_not_implemented(wire16, wire201):
    assert error(wire16.call("OpenThePodBayDoors", {})) == ("1", "NotImplemented")
    assert error(wire201.call("OpenThePodBayDoors", {})) == ("1", "NotImplemented")


def test_a_csms_action_sent_by_a_charger_is_not_supported(wire16, wire201):
    assert error(wire16.call("RemoteStartTransaction", {"idTag": "X"})) == ("1", "NotSupported")
    assert error(wire201.call("Reset", {"type": "Immediate"})) == ("1", "NotSupported")


def test_an_action_of_the_other_version_is_not_implemented(wire16):
    # TransactionEvent does not exist in OCPP 1.6.
    assert error(wire16.call("TransactionEvent", {})) == ("1", "NotImplemented")


# -- payloads that fail the schema ----------------------------------------------


@pytest.mark.parametrize(
    "payload, code",
    [
        # a field of the wrong JSON type
        ({**STATUS_16, "connectorId": "1"}, "TypeConstraintViolation"),
        # a required field missing (1.6 keeps the specification's spelling)
        ({"connectorId": 1, "status": "Available"}, "OccurenceConstraintViolation"),
        # a value outside its enumeration
        ({**STATUS_16, "status": "Sleeping"}, "PropertyConstraintViolation"),
        # a string longer than allowed
        ({**STATUS_16, "info": "x" * 51}, "PropertyConstraintViolation"),
        # a field the action does not have
        ({**STATUS_16, "colour": "red"}, "FormationViolation"),
    ],
)
def test_a_16_payload_failing_its_schema_gets_the_matching_error(wire16, payload, code):
    assert error(wire16.call("StatusNotification", payload)) == ("1", code)
    assert not StatusNotification.objects.exists(), "nothing of a refused report is applied"


@pytest.mark.parametrize(
    "payload, code",
    [
        (
            {
                "timestamp": "2026-11-21T10:00:00Z",
                "connectorStatus": "Occupied",
                "evseId": "1",
                "connectorId": 1,
            },
            "TypeConstraintViolation",
        ),
        (
            {"timestamp": "2026-11-21T10:00:00Z", "connectorStatus": "Occupied", "connectorId": 1},
            "OccurrenceConstraintViolation",
        ),
        (
            {
                "timestamp": "2026-11-21T10:00:00Z",
                "connectorStatus": "Charging",
                "evseId": 1,
                "connectorId": 1,
            },
            "PropertyConstraintViolation",
        ),
        (
            {
                "timestamp": "2026-11-21T10:00:00Z",
                "connectorStatus": "Occupied",
                "evseId": 1,
                "connectorId": 1,
                "x": 1,
            },
            "FormatViolation",
        ),
    ],
)
def test_a_201_payload_failing_its_schema_gets_the_matching_error(wire201, payload, code):
    assert error(wire201.call("StatusNotification", payload)) == ("1", code)


def test_a_timestamp_that_is_no_date_is_a_property_violation(wire16):
    answer = wire16.call("StatusNotification", {**STATUS_16, "timestamp": "yesterday"})
    assert error(answer) == ("1", "PropertyConstraintViolation")


def test_bad_input_does_not_close_the_conversation(wire201):
    wire201.send_raw("garbage")
    wire201.call("Nope", {})
    assert wire201.call("Heartbeat", {}, unique_id="after")[0:2] == [3, "after"]


# -- failures on our side -----------------------------------------------------


def test_a_handler_exception_answers_internal_error_and_writes_nothing(
    wire16, connector, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    # Fail after the transaction row is written: the service's atomic block must undo it.
    monkeypatch.setattr("chargepoints.services.transactions.readings_store", broken)
    answer = wire16.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": "T1", "meterStart": 0, "timestamp": "2026-11-21T10:00:00Z"},
    )
    assert error(answer) == ("1", "InternalError")
    assert answer[3] == "Internal error", "no internals leak to the charger"
    assert not Transaction.objects.exists()
    assert "disk on fire" in caplog.text and "Traceback" in caplog.text
    logged = list(
        OCPPMessage.objects.order_by("direction").values_list("direction", "message_type")
    )
    assert logged == [("INBOUND", 2), ("OUTBOUND", 4)]


@override_settings(CSMS_MAX_FRAME_BYTES=200)
def test_a_frame_above_the_size_limit_is_refused(wire201):
    frame = json.dumps([2, "huge", "DataTransfer", {"vendorId": "X", "data": "x" * 500}])
    assert error(wire201.send_raw(frame)) == ("huge", "FormatViolation")
    assert wire201.call("Heartbeat", {})[0] == 3


def test_an_answer_to_a_call_we_never_made_is_logged_and_ignored(wire16, caplog):
    assert wire16.send_raw('[3, "never-sent", {"status": "Accepted"}]') is None
    assert wire16.send_raw('[4, "never-sent-2", "GenericError", "", {}]') is None
    logged = OCPPMessage.objects.order_by("message_id")
    assert [(m.message_id, m.message_type, m.direction) for m in logged] == [
        ("never-sent", 3, "INBOUND"),
        ("never-sent-2", 4, "INBOUND"),
    ]
    assert "never made" in caplog.text


def test_a_frame_nested_too_deeply_is_answered_not_crashed_on(wire201, wire16):
    # Within the frame size limit, but past what the decoder's stack holds.
    deep = "[" * 20_000 + "]" * 20_000
    assert error(wire201.send_raw(deep)) == ("-1", "RpcFrameworkError")
    assert wire16.send_raw(deep) is None
    # The connection lives on: the next frame is answered.
    assert wire201.result("Heartbeat", {})["currentTime"]


def test_nan_and_infinity_are_not_json(wire201):
    frame = (
        '[2, "n1", "MeterValues", {"evseId": 1, "meterValue": '
        '[{"timestamp": "2026-11-21T10:00:00Z", "sampledValue": [{"value": NaN}]}]}]'
    )
    assert error(wire201.send_raw(frame)) == ("-1", "RpcFrameworkError")
    # Both frames are in the log: nothing unstorable reached the database.
    assert OCPPMessage.objects.count() == 2


@pytest.mark.parametrize("frame", ['[3, "abc"]', '[4, "abc", "GenericError"]'])
def test_a_malformed_answer_is_logged_and_not_answered(wire201, frame):
    assert wire201.send_raw(frame) is None
    assert OCPPMessage.objects.get().payload == {"raw": frame}

"""The compiled schema check says yes exactly where the reporting validator does.

Every frame is checked by a schema compiled to Python (fastjsonschema); only
a payload it refuses goes to jsonschema, which words the error. If the
compiled check were laxer anywhere, a bad payload would reach a handler.
"""

import copy

import pytest
from jsonschema import Draft4Validator

from ocpp_gateway.protocol import FrameError, _schema, validate_payload

METER_VALUES = {
    "connectorId": 1,
    "transactionId": 5,
    "meterValue": [
        {
            "timestamp": "2026-03-01T10:00:00Z",
            "sampledValue": [
                {"value": "1250", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "32", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            ],
        }
    ],
}


def _set(path, value):
    def change(payload):
        target = payload
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


SAMPLE = ["meterValue", 0, "sampledValue", 0]
CHANGES = {
    "as sent": lambda payload: None,
    "connector id a boolean": _set(["connectorId"], True),
    "connector id a float": _set(["connectorId"], 1.5),
    "connector id a string": _set(["connectorId"], "1"),
    "connector id negative": _set(["connectorId"], -1),
    "transaction id null": _set(["transactionId"], None),
    "meter value missing": _set(["meterValue"], KeyError),
    "meter value empty": _set(["meterValue"], []),
    "sampled values empty": _set(["meterValue", 0, "sampledValue"], []),
    "value a number": _set([*SAMPLE, "value"], 1250),
    "unknown measurand": _set([*SAMPLE, "measurand"], "Energy.Imaginary"),
    "unknown unit": _set([*SAMPLE, "unit"], "furlongs"),
    "an extra property": _set([*SAMPLE, "colour"], "blue"),
    "timestamp a number": _set(["meterValue", 0, "timestamp"], 1700000000),
    "timestamp not a date": _set(["meterValue", 0, "timestamp"], "yesterday"),
    "payload empty": lambda payload: payload.clear(),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_the_compiled_check_agrees_with_the_reporting_validator(change):
    payload = copy.deepcopy(METER_VALUES)
    CHANGES[change](payload)
    sent = copy.deepcopy(payload)
    expected_valid = Draft4Validator(_schema(2, "MeterValues", "1.6")).is_valid(payload)
    try:
        validate_payload(
            message_type_id=2, action="MeterValues", payload=payload, ocpp_version="1.6"
        )
        valid = True
    except FrameError:
        valid = False
    assert valid == expected_valid
    # Checked as it came: nothing filled in or changed.
    assert payload == sent


def test_a_default_in_the_schema_is_not_added_to_the_payload():
    payload = {"generatedAt": "2025-03-01T08:01:00Z", "requestId": 11, "seqNo": 0, "data": "x"}
    validate_payload(
        message_type_id=2,
        action="NotifyCustomerInformation",
        payload=payload,
        ocpp_version="2.0.1",
    )
    assert "tbc" not in payload


STATUS_201 = {
    "timestamp": "2026-03-01T10:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}


@pytest.mark.parametrize("value", [1.0, 1e20, True, "1"])
def test_an_integer_must_be_an_integer_in_every_version(value):
    # The 2.x schema files name draft 6, where 1.0 is an integer; OCPP-J
    # validation is draft 4's, and so is ours, compiled or not.
    payload = {**STATUS_201, "evseId": value}
    with pytest.raises(FrameError):
        validate_payload(
            message_type_id=2,
            action="StatusNotification",
            payload=payload,
            ocpp_version="2.0.1",
        )

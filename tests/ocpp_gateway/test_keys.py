"""The memoised key conversion gives the ocpp library's own result for every key OCPP has."""

import json

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case

from ocpp_gateway.keys import camel_keys, snake_keys
from ocpp_gateway.protocol import SCHEMAS


def _property_names(schema, found: set[str]) -> set[str]:
    if isinstance(schema, dict):
        found.update(schema.get("properties", {}))
        for value in schema.values():
            _property_names(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _property_names(value, found)
    return found


def _every_key() -> list[str]:
    found: set[str] = set()
    for path in SCHEMAS.glob("v*/schemas/*.json"):
        _property_names(json.loads(path.read_text(encoding="utf-8-sig")), found)
    return sorted(found)


def test_every_schema_key_converts_as_the_library_converts_it():
    keys = _every_key()
    assert len(keys) > 300
    payload = {key: [{key: index}] for index, key in enumerate(keys)}
    assert snake_keys(payload) == camel_to_snake_case(payload)
    snake = camel_to_snake_case(payload)
    assert camel_keys(snake) == snake_to_camel_case(snake)


def test_values_are_left_alone():
    payload = {"idTag": "camelCaseValue", "meterValue": [{"sampledValue": [{"value": "1"}]}]}
    assert snake_keys(payload) == {
        "id_tag": "camelCaseValue",
        "meter_value": [{"sampled_value": [{"value": "1"}]}],
    }

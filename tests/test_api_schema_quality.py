"""The OpenAPI schema is good enough to generate an SDK from: names, ids, examples, descriptions.

A client generator turns component names into classes and operation ids
into methods. Generic names (``CodeEnum``, ``Status0c4Enum``) and ids such as
``sessions_stop_create`` make an SDK its users must guess at; these tests
walk /api/v1/schema/ and name what falls short. Every field is described,
every operation has examples, and every example is valid against the
schema of what it exemplifies, so that examples cannot drift from the API.
"""

import re

import jsonschema
import pytest
from django.test import Client

from csms.api.operation_ids import VERBS, is_collection

# An enum named after a bare field name says nothing of what it holds; a
# hexadecimal suffix is drf-spectacular resolving a clash of such names.
GENERIC_ENUM = re.compile(
    r"^(Blank|Null|Code|Status|Type|Kind|Source|Format|Purpose|Name|Value|Unit|Outcome|Derived"
    r"|State|Reason)Enum$"
)
HASH_SUFFIX = re.compile(r"[0-9a-f]{3}Enum$")
# "ResetCommandCommandEnum": a field named as its component, twice over.
STUTTER = re.compile(r"([A-Z][a-z]+)\1")
# Fine: "Patched<X>Request" is the PATCH body of <X> (every field optional),
# "<X>Request" the write side of <X> (COMPONENT_SPLIT_REQUEST), "Paginated<X>List" a page.
COMPONENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")

OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# drf-spectacular's own verbs and prefixes: a generator makes them method names.
# An action followed by a method (sessions_stop_create) is refused by the verb test below.
BAD_ID_PARTS = re.compile(r"(^api_|_v1_|_retrieve$|_partial_update$|_destroy$)")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method.upper(), operation


def test_no_component_has_a_generic_or_hashed_name(schema):
    names = set(schema["components"]["schemas"])
    generic = sorted(
        name
        for name in names
        if GENERIC_ENUM.match(name)
        or HASH_SUFFIX.search(name)
        or STUTTER.search(name)
        or not COMPONENT.match(name)
    )
    assert generic == []


def test_an_enum_of_one_value_is_written_in_place(schema):
    # The discriminator of each command body, the blank of an optional choice.
    components = schema["components"]["schemas"]
    assert [name for name, c in components.items() if len(c.get("enum") or ()) == 1] == []
    assert components["ResetCommand"]["properties"]["command"]["enum"] == ["RESET"]


def test_operation_ids_are_unique_snake_case_resource_then_verb(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    wrong = [i for i in ids if not OPERATION_ID.match(i) or BAD_ID_PARTS.search(i)]
    assert wrong == []


def test_each_operation_id_ends_with_the_verb_of_its_method(schema):
    wrong = []
    for path, method, operation in operations(schema):
        operation_id = operation["operationId"]
        last = [part for part in path.strip("/").split("/") if not part.startswith("{")][-1]
        if method == "GET":
            verbs = ("_list", "_get")
        elif method == "POST" and is_collection(last.replace("-", "_")):
            # A view may name what creating does (charge_point_command_send).
            verbs = ("_create", "_send", "_start")
        elif method == "POST":
            verbs = ("_" + last.replace("-", "_"),)
        else:
            verbs = ("_" + VERBS[method],)
        if not operation_id.endswith(verbs):
            wrong.append(f"{method} {path}: {operation_id}")
    assert wrong == []


# The driver journey, as a generated SDK's methods (tests/test_generated_client.py).
DRIVER_JOURNEY = {
    ("POST", "/api/v1/auth/register/"): "auth_register",
    ("POST", "/api/v1/auth/login/"): "auth_login",
    ("POST", "/api/v1/id-tags/"): "id_tag_create",
    ("GET", "/api/v1/locations/"): "location_list",
    ("GET", "/api/v1/evses/{evse_id}/"): "evse_get",
    (
        "GET",
        "/api/v1/charge-points/{chargepoint_id}/connectors/{connector_id}/price/",
    ): "charge_point_connector_price_get",
    ("POST", "/api/v1/sessions/"): "session_start",
    ("GET", "/api/v1/sessions/{session_id}/"): "session_get",
    ("POST", "/api/v1/sessions/{session_id}/stop/"): "session_stop",
    ("GET", "/api/v1/sessions/{session_id}/receipt/"): "session_receipt_get",
    ("GET", "/api/v1/sessions/"): "session_list",
    ("GET", "/api/v1/cdrs/"): "cdr_list",
    ("GET", "/api/v1/cdrs/{id}/"): "cdr_get",
    ("PATCH", "/api/v1/me/"): "me_update",
    ("POST", "/api/v1/notifications/"): "notification_send",
    ("POST", "/api/v1/charge-points/{chargepoint_id}/commands/"): "charge_point_command_send",
}


def test_the_ids_a_driver_app_calls_read_as_methods(schema):
    ids = {(method, path): op["operationId"] for path, method, op in operations(schema)}
    assert {key: ids.get(key) for key in DRIVER_JOURNEY} == DRIVER_JOURNEY


# Media that no example can show: the bytes of a photo.
BINARY = {"type": "string", "format": "binary"}


def _media_example_values(media: dict) -> list:
    if "example" in media:
        return [media["example"]]
    return [example["value"] for example in media.get("examples", {}).values()]


def _has_example(media: dict, schema: dict) -> bool:
    if _media_example_values(media) or media.get("schema") == BINARY:
        return True
    ref = media.get("schema", {}).get("$ref", "")
    return bool(ref) and "example" in schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _undescribed_fields(schema) -> list[str]:
    missing = []
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{name}.{field}")
    return missing


def _bodies(schema):
    """(what, media) of every request body and success answer."""
    for path, method, operation in operations(schema):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            yield f"{method} {path} request", media
        for code, response in operation.get("responses", {}).items():
            if code.startswith("2"):
                for media in response.get("content", {}).values():
                    yield f"{method} {path} {code}", media


def _operations_without_examples(schema) -> list[str]:
    return [what for what, media in _bodies(schema) if not _has_example(media, schema)]


def test_every_field_of_every_component_is_described(schema):
    assert _undescribed_fields(schema) == []


def test_every_operation_has_a_request_and_an_answer_example(schema):
    assert _operations_without_examples(schema) == []


def _json_schema(node, *, strict: bool = True):
    """OpenAPI 3.0 schema -> JSON Schema: nullable as a null type; no member left unnamed.

    Objects take no member they do not name (drf-spectacular leaves that
    open), so a misspelt or stale field in an example fails; parts of an
    allOf stay open, as each names only its own members.
    """
    if isinstance(node, list):
        return [_json_schema(item, strict=strict) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {}
    for key, value in node.items():
        if key in {"properties", "mapping"}:
            converted[key] = {name: _json_schema(item) for name, item in value.items()}
        elif key == "allOf":
            converted[key] = _json_schema(value, strict=False)
        elif key not in {"nullable", "example", "examples", "discriminator"}:
            converted[key] = _json_schema(value)
    if strict and "properties" in node and "additionalProperties" not in node:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _validator(schema, body: dict):
    components = {
        name: _json_schema(component) for name, component in schema["components"]["schemas"].items()
    }
    return jsonschema.Draft202012Validator(
        {"components": {"schemas": components}, "allOf": [_json_schema(body)]}
    )


def _examples(schema):
    """(what, example, its schema): of every operation's bodies and of the components."""
    for what, media in _bodies(schema):
        for value in _media_example_values(media):
            yield what, value, media["schema"]
    for name, component in schema["components"]["schemas"].items():
        if "example" in component:
            yield (
                f"component {name}",
                component["example"],
                {"$ref": f"#/components/schemas/{name}"},
            )
    for path, method, operation in operations(schema):
        for code, response in operation.get("responses", {}).items():
            for header, spec in response.get("headers", {}).items():
                if "example" in spec:
                    yield f"{method} {path} {code} {header}", spec["example"], spec["schema"]


def test_every_example_is_valid_against_its_schema(schema):
    invalid = []
    count = 0
    for what, value, body in _examples(schema):
        count += 1
        for error in _validator(schema, body).iter_errors(value):
            invalid.append(f"{what}: {'.'.join(map(str, error.absolute_path))}: {error.message}")
    assert count > 150
    assert invalid == []


def _scalars(value, path=()):
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _scalars(item, (*path, name))
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item, path)
    else:
        yield path, value


RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z")
# Payloads quoted from OCPP keep OCPP's words ({"status": "Accepted"}).
OCPP_PAYLOADS = {"params", "request", "response"}


def test_the_examples_tell_one_consistent_story(schema):
    """UTC times with Z, one currency, Thai phone numbers, UPPER_SNAKE_CASE API statuses."""
    wrong = []
    for what, value, _ in _examples(schema):
        for path, scalar in _scalars(value):
            key = path[-1] if path else ""
            if not isinstance(scalar, str) or OCPP_PAYLOADS & set(path):
                continue
            if re.match(r"\d{4}-\d\d-\d\dT", scalar) and not RFC3339_UTC.fullmatch(scalar):
                wrong.append(f"{what}: {key}={scalar}")
            if key == "currency" and scalar != "EUR":
                wrong.append(f"{what}: {key}={scalar}")
            if key == "phone_number" and not scalar.startswith("+66"):
                wrong.append(f"{what}: {key}={scalar}")
            api_status = key == "status" and "id-tags" not in what
            if api_status and not what.startswith("component") and scalar.upper() != scalar:
                wrong.append(f"{what}: {key}={scalar}")
    assert wrong == []


def test_an_example_that_does_not_fit_its_schema_is_caught(schema):
    # The check above is not vacuous: a stale field name, a lowercase enum, a missing member.
    session = {"$ref": "#/components/schemas/Session"}
    value = next(
        v for what, v, _ in _examples(schema) if what == "GET /api/v1/sessions/{session_id}/ 200"
    )
    assert list(_validator(schema, session).iter_errors(value)) == []
    for broken in (
        {**value, "connectorid": 1},
        {**value, "status": "charging"},
        {k: v for k, v in value.items() if k != "session_id"},
        {**value, "end_time": 5},
    ):
        assert list(_validator(schema, session).iter_errors(broken)) != []


def test_rate_limits_and_idempotency_keys_are_documented(schema):
    idempotent = set()
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            assert {"RateLimit", "RateLimit-Policy"} <= set(response.get("headers", {})), (
                f"{method} {path} {code}"
            )
            if code == "429":
                assert "Retry-After" in response["headers"]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if "Idempotency-Key" in headers:
            idempotent.add(operation["operationId"])
            assert "422" in operation["responses"]
            ok = [r for c, r in operation["responses"].items() if c.startswith("2")]
            assert all("Idempotent-Replayed" in r["headers"] for r in ok)
    # Every POST that acts on a charger or a session (accounts/api/idempotency.py).
    assert idempotent == {
        "session_start",
        "session_stop",
        "transaction_stop",
        "reservation_create",
        "reservation_cancel",
        "charge_point_command_send",
        "charge_point_rotate_password",
    }


def test_the_command_bodies_are_described_and_exemplified(schema):
    # The part of the schema the command catalogue makes: enforced already.
    components = schema["components"]["schemas"]
    mapping = components["CommandRequest"]["discriminator"]["mapping"]
    commands = [ref.rsplit("/", 1)[1] for ref in mapping.values()]
    assert len(commands) >= 28
    missing = [
        entry
        for entry in _undescribed_fields(schema)
        if entry.split(".")[0] in commands and not entry.endswith(".command")
    ]
    assert missing == []
    assert all("example" in components[name] for name in commands)
    sends = [
        entry
        for entry in _operations_without_examples(schema)
        if entry.startswith("POST /api/v1/charge-points/{chargepoint_id}/commands/ request")
    ]
    assert sends == []

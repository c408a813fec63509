"""The command body's schema: one typed variant per command, true to what the server takes.

The variants are read from the command catalogue's forms, so these tests
check the promise both ways: each documented example passes the schema and
the server; a parameter the schema does not list is refused by both.
"""

import datetime

import jsonschema
import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import IdTag
from chargepoints.api.commands.schema import EXAMPLES
from chargepoints.api.commands.serializers import API_COMMANDS
from chargepoints.commands.params import FORMS
from chargepoints.enums import CommandName, ReservationStatus, TransactionStatus
from chargepoints.models import ChargePoint, Command, Connector, Reservation, Transaction
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

SEND = "/api/v1/charge-points/{chargepoint_id}/commands/"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def body_schema(schema) -> dict:
    """The request body, with the components it refers to, as one JSON schema."""
    body = schema["paths"][SEND]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CommandRequest"}
    return {**schema["components"]["schemas"]["CommandRequest"], "components": schema["components"]}


def validator(schema) -> jsonschema.Draft4Validator:
    # OpenAPI 3.0 schemas are JSON schema draft 4 plus a few keywords.
    return jsonschema.Draft4Validator(
        body_schema(schema), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def variant(schema, name: str) -> dict:
    body = body_schema(schema)
    ref = body["discriminator"]["mapping"][name.upper()]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.fixture
def api(db) -> APIClient:
    operator = user_in_group(OPERATORS, username="operator", password="operator password 42")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    return client


@pytest.fixture
def chargers(location):
    """A 1.6 and a 2.0.1 charger, each as the examples assume it (see EXAMPLES)."""
    tag = IdTag.objects.create(idToken="04E91C5A")
    made = {}
    for version in ("ocpp1.6", "ocpp2.0.1"):
        chargepoint = ChargePoint.objects.create(
            chargepoint_id=f"CP-{version}", location=location, ocpp_version=version
        )
        connector = Connector.objects.create(chargepoint=chargepoint, connectorid=1)
        Transaction.objects.create(
            chargepoint=chargepoint,
            connector=connector,
            transaction_status=TransactionStatus.ACTIVE,
            start_transaction_timestamp=timezone.now(),
        )
        made[version] = chargepoint
    Reservation.objects.create(
        chargepoint=made["ocpp2.0.1"],
        connector=made["ocpp2.0.1"].connectors.get(),
        id_tag=tag,
        reservation_id=1234,
        start_time=timezone.now(),
        expiry_date=timezone.now() + datetime.timedelta(hours=1),
        status=ReservationStatus.ACTIVE,
    )
    return made


def example(name: str) -> dict:
    body = {"command": name.upper(), **EXAMPLES[name]}
    if "expiry_date" in body:
        # A reservation ends within hours from now; the documented date is only a shape.
        soon = timezone.now() + datetime.timedelta(hours=1)
        body["expiry_date"] = soon.isoformat().replace("+00:00", "Z")
    return body


def test_the_body_is_a_discriminated_union_of_every_command_the_api_sends(schema):
    body = body_schema(schema)
    mapping = body["discriminator"]["mapping"]
    assert body["discriminator"]["propertyName"] == "command"
    assert sorted(mapping) == sorted(name.upper() for name in API_COMMANDS)
    assert len(body["oneOf"]) == len(mapping) == len(FORMS) - 1
    assert "SET_PASSWORD" not in mapping, "only the password rotation sends a password"
    reset = variant(schema, "reset")
    # The discriminator's value, in place: a constant is no type worth a class.
    assert reset["properties"]["command"] == {
        "type": "string",
        "enum": ["RESET"],
        "description": "Which command: tells the bodies apart.",
    }
    assert reset["additionalProperties"] is False
    assert reset["required"] == ["command"]
    assert set(reset["properties"]) == {"command", "type", "evse_id"}


def test_parameters_are_typed_from_the_catalogue(schema):
    unlock = variant(schema, "unlock_connector")
    assert unlock["required"] == ["command", "connector_id"]
    assert unlock["properties"]["connector_id"]["type"] == "integer"
    assert unlock["properties"]["connector_id"]["minimum"] == 1
    profile = variant(schema, "set_charging_profile")
    assert profile["properties"]["periods"]["type"] == "array"
    assert profile["properties"]["periods"]["items"]["required"] == ["start_period", "limit"]
    assert profile["properties"]["purpose"] == {
        "allOf": [{"$ref": "#/components/schemas/ChargingProfilePurposeEnum"}],
        "description": "OCPP ChargingProfilePurposeType.",
    }
    led = variant(schema, "set_led_brightness")
    assert led["properties"]["brightness"]["maximum"] == 100
    reserve = variant(schema, "reserve_now")
    assert reserve["properties"]["expiry_date"]["format"] == "date-time"


def test_every_parameter_is_described_and_every_command_has_an_example(schema):
    for name in API_COMMANDS:
        described = variant(schema, name)
        assert described["description"], name
        assert described["example"]["command"] == name.upper()
        for key, param in described["properties"].items():
            if key != "command":
                assert param.get("description"), f"{name}.{key} has no description"


@pytest.mark.parametrize("name", [str(name) for name in EXAMPLES])
def test_each_documented_example_passes_the_schema_and_the_server(schema, api, chargers, name):
    body = example(name)
    validator(schema).validate(body)
    answers = {}
    for version, chargepoint in chargers.items():
        url = reverse("api:chargepoint-command-list", kwargs={"chargepoint_id": chargepoint.pk})
        response = api.post(url, body, format="json")
        answers[version] = (response.status_code, response.json())
    accepted = [version for version, (code, _) in answers.items() if code == 201]
    assert accepted, answers
    assert Command.objects.filter(name=name).count() == len(accepted)


def test_the_examples_cover_every_command(schema):
    assert set(EXAMPLES) == set(API_COMMANDS)


@pytest.mark.parametrize("name", [str(name) for name in API_COMMANDS])
def test_a_parameter_the_schema_does_not_list_is_refused_by_both(schema, api, chargers, name):
    body = {**example(name), "colour": "red"}
    errors = list(validator(schema).iter_errors(body))
    assert errors, "the schema refuses it"
    url = reverse("api:chargepoint-command-list", kwargs={"chargepoint_id": "CP-ocpp2.0.1"})
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert "colour" in str(response.json())
    assert not Command.objects.exists()


def test_a_command_name_is_upper_snake_case_in_requests_and_answers(api, chargers):
    url = reverse("api:chargepoint-command-list", kwargs={"chargepoint_id": "CP-ocpp1.6"})
    response = api.post(url, {"command": "RESET", "type": "hard"}, format="json")
    assert response.status_code == 201
    assert response.json()["command"] == "RESET"
    assert Command.objects.get().name == CommandName.RESET


def test_an_unknown_command_lists_the_names_the_api_takes(api, chargers):
    url = reverse("api:chargepoint-command-list", kwargs={"chargepoint_id": "CP-ocpp1.6"})
    response = api.post(url, {"command": "SELF_DESTRUCT"}, format="json")
    assert response.status_code == 400
    message = str(response.json())
    assert "Unknown command 'SELF_DESTRUCT'" in message
    assert "REMOTE_START" in message
    assert "SET_PASSWORD" not in message


def test_the_password_cannot_be_sent_as_a_command(api, chargers):
    url = reverse("api:chargepoint-command-list", kwargs={"chargepoint_id": "CP-ocpp1.6"})
    response = api.post(url, {"command": "SET_PASSWORD"}, format="json")
    assert response.status_code == 400
    assert "rotate-password" in str(response.json())
    assert not Command.objects.exists()


def test_a_wrong_type_passes_neither(schema, api, chargers):
    body = {"command": "SET_LED_BRIGHTNESS", "brightness": "bright"}
    assert list(validator(schema).iter_errors(body))
    url = reverse("api:chargepoint-command-list", kwargs={"chargepoint_id": "CP-ocpp2.0.1"})
    assert api.post(url, body, format="json").status_code == 400


def test_the_discriminator_values_are_the_enum_values(schema):
    body = body_schema(schema)
    for value, ref in body["discriminator"]["mapping"].items():
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert component["properties"]["command"]["enum"] == [value]

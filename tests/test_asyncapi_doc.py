"""docs/asyncapi.yaml describes every message the app sockets send, as they send it.

The sockets are driven in process until each has sent every kind of message
it knows; each message is validated against the document's schema for its
type, with the REST objects it carries resolved against the REST API's own
OpenAPI document (the ``openapi.json`` the AsyncAPI document points to).
"""

import asyncio
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest
import yaml
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from accounts.enums import NotificationType
from accounts.services import notification_create
from accounts.services.live import SESSION, user_note
from chargepoints.enums import SessionStatus
from chargepoints.models import ChargingSession, Transaction
from chargepoints.services.connections import Connection, chargepoint_connected
from chargepoints.services.live import transaction_group, transaction_live
from csms.asgi import application
from tests.tokens import token_for
from tests.waiting import DEADLINE

DOC = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"
BASE = "https://csms.invalid/docs/"


def asyncapi() -> dict:
    return yaml.safe_load(DOC.read_text())


def test_the_document_is_asyncapi_3_with_both_sockets_and_their_close_codes():
    doc = asyncapi()
    assert doc["asyncapi"] == "3.0.0"
    assert {channel["address"] for channel in doc["channels"].values()} == {
        "/ws/v1/live/",
        "/ws/v1/transactions/{transaction_id}/",
    }
    for code in ("4401", "4403", "4404"):
        assert code in doc["info"]["description"]
    # Every message an operation names exists, and its payload schema too.
    for operation in doc["operations"].values():
        assert operation["action"] == "receive"
        channel = operation["channel"]["$ref"].removeprefix("#/channels/")
        for ref in operation["messages"]:
            name = ref["$ref"].rsplit("/", 1)[1]
            message = doc["channels"][channel]["messages"][name]["$ref"].rsplit("/", 1)[1]
            schema = doc["components"]["messages"][message]["payload"]["$ref"].rsplit("/", 1)[1]
            assert schema in doc["components"]["schemas"]


def test_the_openapi_description_links_the_socket_document(settings):
    assert "docs/asyncapi.yaml" in settings.SPECTACULAR_SETTINGS["DESCRIPTION"]
    assert "/ws/v1/live/" in settings.SPECTACULAR_SETTINGS["DESCRIPTION"]


def as_json_schema(node):
    """OpenAPI 3.0's ``nullable`` spelled as JSON Schema (the rest is the same)."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def validator_for(doc: dict):
    openapi = as_json_schema(SchemaGenerator().get_schema(request=None, public=True))
    registry = Registry().with_resources(
        [
            (BASE + "asyncapi.yaml", Resource(contents=doc, specification=DRAFT7)),
            (BASE + "openapi.json", Resource(contents=openapi, specification=DRAFT7)),
        ]
    )

    def validate(message: dict, schema_name: str) -> None:
        schema = {"$ref": f"{BASE}asyncapi.yaml#/components/schemas/{schema_name}"}
        jsonschema.Draft7Validator(schema, registry=registry).validate(message)

    return validate


def documented_types(doc: dict) -> dict[str, str]:
    """Message type -> the schema of its payload, from the document."""
    types = {}
    for message in doc["components"]["messages"].values():
        schema_name = message["payload"]["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][schema_name]
        parts = [schema, *schema.get("allOf", [])]
        for part in parts:
            const = part.get("properties", {}).get("type", {}).get("const")
            if const:
                types[const] = schema_name
    return types


async def socket_at(path: str):
    socket = WebsocketCommunicator(application, path)
    connected, _ = await socket.connect(timeout=DEADLINE)
    assert connected
    return socket


@pytest.mark.django_db(transaction=True)
def test_every_message_the_sockets_send_is_documented_and_valid(chargepoint, connector, driver):
    doc = asyncapi()
    validate = validator_for(doc)
    types = documented_types(doc)
    session = ChargingSession.objects.create(
        chargepoint=chargepoint, connector=connector, user=driver, status=SessionStatus.CHARGING
    )
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        start_transaction_timestamp=timezone.now(),
        wh_meter_start=0,
        wh_meter_last=500,
    )
    key = quote(token_for(driver))

    def changes():
        user_note(user_id=driver.pk, what=SESSION, id=session.session_id)
        notification_create(user=driver, type=NotificationType.GENERAL, title="Hello", message="Hi")
        chargepoint_connected(
            chargepoint_id=chargepoint.pk,
            connection=Connection(connection_id="c-1", ocpp_version="ocpp1.6"),
        )

    async def scenario():
        heard = []
        live = await socket_at(f"/ws/v1/live/?token={key}")
        heard.append(await live.receive_json_from(timeout=DEADLINE))
        await database_sync_to_async(changes)()
        heard += [await live.receive_json_from(timeout=DEADLINE) for _ in range(3)]
        await live.disconnect()

        watch = await socket_at(f"/ws/v1/transactions/{tx.pk}/?token={key}")
        heard.append(await watch.receive_json_from(timeout=DEADLINE))
        update = await database_sync_to_async(transaction_live)(tx)
        await get_channel_layer().group_send(transaction_group(tx.pk), update)
        heard.append(await watch.receive_json_from(timeout=DEADLINE))
        await watch.disconnect()
        return heard

    heard = asyncio.run(scenario())
    for message in heard:
        assert message["type"] in types, f"undocumented message type {message['type']}"
        validate(message, types[message["type"]])
    # And nothing is documented that the sockets never send.
    assert {message["type"] for message in heard} == set(types)


@pytest.mark.django_db
def test_a_message_that_breaks_the_document_is_caught(chargepoint, connector, driver):
    # The check above would pass vacuously if the schemas accepted anything.
    validate = validator_for(asyncapi())
    with pytest.raises(jsonschema.ValidationError):
        validate({"type": "charger", "data": {"chargepoint_id": "X"}, "at": "now"}, "LiveCharger")
    with pytest.raises(jsonschema.ValidationError):
        validate(
            {"type": "session", "data": {"session_id": 1}, "at": "2026-01-01T00:00:00Z"},
            "LiveSession",
        )

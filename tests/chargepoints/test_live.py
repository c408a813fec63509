"""Live transaction updates: the gateway publishes them, apps subscribe over WebSocket."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.models import IdTag
from accounts.services import user_create
from chargepoints.models import Transaction
from chargepoints.services.live import transaction_group
from csms.asgi import application
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db(transaction=True)
TAG = "LIVE-TAG"


async def frame(adapter, sent, action, payload, unique_id):
    await adapter.route_message(json.dumps([2, unique_id, action, payload]))
    return json.loads(sent[-1])


@pytest.fixture
def charger16(chargepoint, connector, driver):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    IdTag.objects.create(idToken=TAG, user=driver)
    return chargepoint


def meter(tx_id, wh, watts):
    return {
        "connectorId": 1,
        "transactionId": tx_id,
        "meterValue": [
            {
                "timestamp": timezone.now().isoformat(),
                "sampledValue": [
                    {"value": str(wh), "measurand": "Energy.Active.Import.Register"},
                    {"value": str(watts), "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    }


def test_the_gateway_publishes_each_change_of_a_transaction(charger16):
    async def scenario():
        sent = []

        async def send(text):
            sent.append(text)

        adapter = ChargePoint16(charger16.pk, send=send)
        layer = get_channel_layer()
        started = await frame(
            adapter,
            sent,
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": TAG,
                "meterStart": 1000,
                "timestamp": "2026-01-01T00:00:00Z",
            },
            "1",
        )
        tx_id = started[2]["transactionId"]
        channel = await layer.new_channel()
        await layer.group_add(transaction_group(tx_id), channel)
        await frame(adapter, sent, "MeterValues", meter(tx_id, 2500, 7200), "2")
        update = await asyncio.wait_for(layer.receive(channel), DEADLINE)
        await frame(
            adapter,
            sent,
            "StopTransaction",
            {"transactionId": tx_id, "meterStop": 3000, "timestamp": timezone.now().isoformat()},
            "3",
        )
        final = await asyncio.wait_for(layer.receive(channel), DEADLINE)
        return update, final

    update, final = asyncio.run(scenario())
    assert update["type"] == "transaction.update"
    assert update["status"] == "ACTIVE"
    assert update["energy_kwh"] == 1.5
    assert update["power_w"] == 7200.0
    assert final["status"] == "COMPLETED"
    assert final["energy_kwh"] == 2.0


def make_tx(chargepoint, connector, user, **fields):
    return Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=user,
        start_transaction_timestamp=timezone.now(),
        wh_meter_start=0,
        wh_meter_last=500,
        **fields,
    )


async def connect(path: str, headers=None):
    communicator = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await communicator.connect(timeout=DEADLINE)
    assert connected
    return communicator


def test_a_driver_watches_their_transaction_live(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    key = token_for(driver)

    async def scenario():
        socket = await connect(f"/ws/v1/transactions/{tx.pk}/?token={key}")
        snapshot = await socket.receive_json_from(timeout=DEADLINE)
        await get_channel_layer().group_send(
            transaction_group(tx.pk),
            {
                "type": "transaction.update",
                "transaction_id": tx.pk,
                "status": "ACTIVE",
                "energy_kwh": 0.9,
            },
        )
        update = await socket.receive_json_from(timeout=DEADLINE)
        await get_channel_layer().group_send(
            transaction_group(tx.pk),
            {
                "type": "transaction.update",
                "transaction_id": tx.pk,
                "status": "COMPLETED",
                "energy_kwh": 1.0,
            },
        )
        final = await socket.receive_json_from(timeout=DEADLINE)
        closed = await socket.receive_output(timeout=DEADLINE)
        return snapshot, update, final, closed

    snapshot, update, final, closed = asyncio.run(scenario())
    assert snapshot["type"] == "transaction.snapshot"
    assert snapshot["transaction_id"] == tx.pk
    assert snapshot["energy_kwh"] == 0.5
    assert update["energy_kwh"] == 0.9
    assert final["status"] == "COMPLETED"
    assert closed["type"] == "websocket.close"


def test_the_token_may_come_in_an_authorization_header(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    key = token_for(driver)

    async def scenario():
        socket = await connect(
            f"/ws/v1/transactions/{tx.pk}/", headers=[(b"authorization", f"Token {key}".encode())]
        )
        message = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect(timeout=DEADLINE)
        return message

    assert asyncio.run(scenario())["transaction_id"] == tx.pk


def close_code(path: str, headers=None) -> int:
    async def scenario():
        socket = await connect(path, headers)
        output = await socket.receive_output(timeout=DEADLINE)
        return output

    output = asyncio.run(scenario())
    assert output["type"] == "websocket.close"
    return output["code"]


def test_nobody_watches_another_drivers_transaction(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    other = user_create(username="other", password="pw other 123", phone_number="+66800000009")
    assert close_code(f"/ws/v1/transactions/{tx.pk}/?token={token_for(other)}") == 4403


def test_an_operator_watches_any_transaction(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    operator = user_in_group(OPERATORS, username="ops", password="pw ops 12345")
    key = token_for(operator)

    async def scenario():
        socket = await connect(f"/ws/v1/transactions/{tx.pk}/?token={key}")
        message = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect(timeout=DEADLINE)
        return message

    assert asyncio.run(scenario())["transaction_id"] == tx.pk


def test_no_token_or_a_bad_one_is_refused(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    assert close_code(f"/ws/v1/transactions/{tx.pk}/") == 4401
    assert close_code(f"/ws/v1/transactions/{tx.pk}/?token=nope") == 4401


def test_a_blocked_drivers_token_is_refused(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    key = token_for(driver)
    driver.status = "BLOCKED"
    driver.save()
    assert close_code(f"/ws/v1/transactions/{tx.pk}/?token={key}") == 4401


def test_an_unknown_transaction_is_not_found(driver):
    assert close_code(f"/ws/v1/transactions/999999/?token={token_for(driver)}") == 4404


def test_a_finished_transaction_is_sent_once_and_the_socket_closed(chargepoint, connector, driver):
    tx = make_tx(
        chargepoint,
        connector,
        driver,
        transaction_status="COMPLETED",
        stop_transaction_timestamp=timezone.now(),
        wh_meter_stop=800,
    )
    key = token_for(driver)

    async def scenario():
        socket = await connect(f"/ws/v1/transactions/{tx.pk}/?token={key}")
        message = await socket.receive_json_from(timeout=DEADLINE)
        closed = await socket.receive_output(timeout=DEADLINE)
        return message, closed

    message, closed = asyncio.run(scenario())
    assert message["status"] == "COMPLETED"
    assert message["energy_kwh"] == 0.8
    assert closed["type"] == "websocket.close"
    assert closed.get("code", 1000) == 1000

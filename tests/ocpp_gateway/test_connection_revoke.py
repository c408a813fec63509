"""Issue 16: a connection is admitted on the terms of its handshake; when an operator
changes them (profile, password, registration status), the live connection closes
and the charger meets the new terms when it reconnects."""

import asyncio

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chargepoints.models import ChargePoint
from chargepoints.services.connections import chargepoint_connection_revoke
from csms.asgi import application
from ocpp_gateway.consumer import CLOSE_REVOKED
from tests.server import database_copy, http_json, project_env, running_server
from tests.waiting import DEADLINE


async def connected(chargepoint_id: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, f"/ocpp/{chargepoint_id}", subprotocols=["ocpp1.6"]
    )
    admitted, _ = await communicator.connect(timeout=DEADLINE)
    assert admitted
    return communicator


@pytest.mark.django_db(transaction=True)
def test_a_revoked_connection_is_closed_with_its_code():
    ChargePoint.objects.create(pk="CP-REVOKE")

    async def scenario():
        communicator = await connected("CP-REVOKE")
        other = await connected("CP-KEEP")
        await sync_to_async(chargepoint_connection_revoke)(
            chargepoint_id="CP-REVOKE", reason="its registration status changed"
        )
        closed = await communicator.receive_output(timeout=DEADLINE)
        assert closed == {"type": "websocket.close", "code": CLOSE_REVOKED}
        # Another charger's connection is not touched.
        assert await other.receive_nothing(timeout=0.2)
        await other.disconnect()

    ChargePoint.objects.create(pk="CP-KEEP")
    asyncio.run(scenario())


TOKEN = "e2e0revoke00token" + "0" * 46 + "c"
SETUP = f"""
from chargepoints.models import ChargePoint
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_store
token_store(user_in_group(OPERATORS, username="revoker", password="revoker password 42"), "{TOKEN}")
ChargePoint.objects.create(chargepoint_id="REVOKE-E2E", registration_status="Accepted")
"""


@pytest.mark.e2e
def test_an_operator_rejecting_a_connected_charger_closes_its_connection(
    tmp_path, demo_database_template
):
    database = database_copy(demo_database_template, tmp_path, setup=SETUP)
    with running_server(project_env(SQLITE_PATH=str(database))) as base:

        async def scenario():
            url = base.replace("http", "ws", 1) + "/ocpp/REVOKE-E2E"
            async with websockets.connect(url, subprotocols=["ocpp1.6"]) as socket:
                status, body = await asyncio.to_thread(
                    http_json,
                    "PATCH",
                    f"{base}/api/v1/charge-points/REVOKE-E2E/",
                    {"registration_status": "Rejected"},
                    headers={"Authorization": f"Token {TOKEN}"},
                )
                assert status == 200, body
                await asyncio.wait_for(socket.wait_closed(), DEADLINE)
                assert socket.close_code == CLOSE_REVOKED
            # A change that touches no term of admission closes nothing.
            async with websockets.connect(url, subprotocols=["ocpp1.6"]) as socket:
                status, _ = await asyncio.to_thread(
                    http_json,
                    "PATCH",
                    f"{base}/api/v1/charge-points/REVOKE-E2E/",
                    {"name": "Renamed"},
                    headers={"Authorization": f"Token {TOKEN}"},
                )
                assert status == 200
                await socket.send('[2,"hb",  "Heartbeat", {}]')
                answer = await asyncio.wait_for(socket.recv(), DEADLINE)
                assert answer.startswith('[3,"hb"')

        asyncio.run(scenario())

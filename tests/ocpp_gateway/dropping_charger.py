"""A real OCPP 1.6 client that charges when told to, until its connection drops.

The simulator (ocpp_gateway/simulator) ends its transaction before it
leaves; this one just goes, as a charger losing its network mid-charge does.
"""

import asyncio
import contextlib
import datetime

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as Client16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16

from tests.waiting import DEADLINE


class DroppingCharger(Client16):
    """Answers a remote start, starts the transaction, and charges until dropped."""

    @on("RemoteStartTransaction")
    async def on_remote_start(self, id_tag, **_):
        return result16.RemoteStartTransaction(status="Accepted")

    @after("RemoteStartTransaction")
    async def after_remote_start(self, id_tag, connector_id=1, **_):
        # A task: this loop also reads the answers to our own calls.
        self.charging = asyncio.create_task(self.charge(id_tag, connector_id))

    async def charge(self, id_tag: str, connector_id: int) -> None:
        await self.call(call16.StartTransaction(connector_id, id_tag, 1000, now()))
        await self.call(call16.StatusNotification(connector_id, "NoError", "Charging"))


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


@contextlib.asynccontextmanager
async def dropping_charger(ws_base: str, chargepoint_id: str):
    ws = await websockets.connect(
        f"{ws_base}/ocpp/{chargepoint_id}", subprotocols=["ocpp1.6"], open_timeout=DEADLINE
    )
    client = DroppingCharger(chargepoint_id, ws, response_timeout=DEADLINE)
    reader = asyncio.create_task(client.start())
    try:
        await client.call(call16.BootNotification("Test", "Dropping"))
        for connector_id in (1, 2):
            await client.call(call16.StatusNotification(connector_id, "NoError", "Available"))
        yield client
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        await ws.close()

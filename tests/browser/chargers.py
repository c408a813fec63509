"""Chargers for browser tests: simulated ones charging on their own, and one the test steers.

Each runs its asyncio loop in a thread of its own, so the test itself stays
synchronous like the Selenium calls around it.
"""

import asyncio
import contextlib
import itertools
import json
import threading
import time
from urllib.parse import quote

from websockets.sync.client import connect as ws_connect

from ocpp_gateway.simulator import Options, SimulatedCharger, Stats
from ocpp_gateway.simulator.frames import now
from tests.waiting import DEADLINE


@contextlib.contextmanager
def loop_thread():
    """An event loop running in a daemon thread until the ``with`` block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        # What still runs is cancelled and awaited here, so that nothing is
        # left to finish in a closed loop.
        asyncio.run_coroutine_threadsafe(_cancel_the_rest(), loop).result(DEADLINE)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=DEADLINE)
        loop.close()


async def _cancel_the_rest() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


@contextlib.contextmanager
def simulated_chargers(ws_url: str, chargers: dict[str, Options]):
    """Simulated chargers (``ocpp_gateway.simulator``), each charging as its options say.

    Yields their shared Stats; when the block ends they stop their sessions
    and disconnect.
    """
    stats = Stats()
    deadline = time.monotonic() + 10 * DEADLINE
    running = {
        chargepoint_id: SimulatedCharger(chargepoint_id, options, stats)
        for chargepoint_id, options in chargers.items()
    }
    with loop_thread() as loop:
        tasks = [
            asyncio.run_coroutine_threadsafe(charger.run(deadline), loop)
            for charger in running.values()
        ]
        try:
            yield stats
        finally:
            for charger in running.values():
                # A session waiting for its next meter reading ends at once.
                loop.call_soon_threadsafe(charger.stop_requested.set)
                loop.call_soon_threadsafe(charger.closing.set)
            for task in tasks:
                with contextlib.suppress(Exception):
                    task.result(DEADLINE)


def charging_options(ws_url: str, version: str, **options) -> Options:
    return Options(url=ws_url + "/ocpp", version=version, duration=10 * DEADLINE, **options)


class SteeredCharger:
    """An OCPP 1.6 charger that sends what the test tells it to, frame by frame.

    OCPP-J frames written out (tests outside the gateway do not import the
    ``ocpp`` library): a call is ``[2, id, action, payload]``, its answer
    ``[3, id, payload]`` or an error ``[4, id, code, description, details]``.
    """

    def __init__(self, socket):
        self.socket = socket
        self.ids = itertools.count(1)

    def call(self, action: str, payload: dict) -> dict:
        message_id = f"browser-{next(self.ids)}"
        self.socket.send(json.dumps([2, message_id, action, payload]))
        while True:
            frame = json.loads(self.socket.recv(timeout=DEADLINE))
            if frame[0] == 2:
                # The server asking something of us: this charger supports nothing.
                self.socket.send(json.dumps([4, frame[1], "NotImplemented", "", {}]))
            elif frame[1] == message_id:
                assert frame[0] == 3, f"{action} refused: {frame}"
                return frame[2]

    def boot(self) -> dict:
        return self.call(
            "BootNotification", {"chargePointVendor": "Browser", "chargePointModel": "Test"}
        )

    def status(self, status: str, *, connector_id: int = 1, error_code: str = "NoError") -> dict:
        return self.call(
            "StatusNotification",
            {
                "connectorId": connector_id,
                "errorCode": error_code,
                "status": status,
                "timestamp": now(),
            },
        )


@contextlib.contextmanager
def steered_charger(ws_url: str, chargepoint_id: str):
    """A connected OCPP 1.6 charger, disconnected when the block ends."""
    with ws_connect(
        f"{ws_url}/ocpp/{quote(chargepoint_id, safe='')}",
        subprotocols=["ocpp1.6"],
        open_timeout=DEADLINE,
    ) as socket:
        yield SteeredCharger(socket)

"""One simulated charger: boot, report status, authorize, charge with meter values, stop."""

import asyncio
import contextlib
import itertools
import random
import time
import uuid
from base64 import b64encode
from urllib.parse import quote

import websockets
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ocpp_gateway.simulator.clients import Client16, Client201
from ocpp_gateway.simulator.frames import ChargerFrames, now
from ocpp_gateway.simulator.options import SUBPROTOCOLS, Options, Stats


class SimulatedCharger(ChargerFrames):
    """One charger running sessions in a loop until the deadline."""

    def __init__(self, chargepoint_id: str, options: Options, stats: Stats):
        self.chargepoint_id = chargepoint_id
        self.options = options
        self.stats = stats
        self.meter_wh = random.randint(0, 50_000)
        self.charging = False
        self.transaction_id = None
        self.stop_requested = asyncio.Event()
        self.session_task: asyncio.Task | None = None
        self.deadline = 0.0
        # Set to end the run early (a test, or Ctrl-C in a controlling loop).
        self.closing = asyncio.Event()
        # Set once this charger has had its sessions (or can have no more).
        self.finished = asyncio.Event()
        self.sessions_run = 0

    async def run(self, deadline: float) -> None:
        url = f"{self.options.url.rstrip('/')}/{quote(self.chargepoint_id, safe='')}"
        headers = {}
        if self.options.password:
            token = b64encode(f"{self.chargepoint_id}:{self.options.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            connection = await websockets.connect(
                url,
                subprotocols=[SUBPROTOCOLS[self.options.version]],
                additional_headers=headers,
                open_timeout=self.options.connect_timeout,
                ping_interval=None,
            )
        except Exception as exc:
            self.stats.fail(f"{self.chargepoint_id}: connect failed: {exc!r}")
            self.finished.set()
            return
        client_class = Client16 if self.options.version == "1.6" else Client201
        client = client_class(self.chargepoint_id, connection, response_timeout=60, charger=self)
        self.deadline = deadline
        reader = asyncio.create_task(client.start())
        self.stats.connected += 1
        self.stats.peak_connected = max(self.stats.peak_connected, self.stats.connected)
        try:
            await self._lifecycle(client, deadline)
        except websockets.ConnectionClosed as exc:
            self.stats.fail(f"{self.chargepoint_id}: connection closed: {exc}")
        finally:
            self.finished.set()
            self.stats.connected -= 1
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            await connection.close()

    async def call(self, client, payload):
        started = time.perf_counter()
        try:
            result = await client.call(payload, suppress=False)
        except websockets.ConnectionClosed:
            raise
        except Exception as exc:
            self.stats.fail(f"{type(payload).__name__}: {exc!r}"[:300])
            return None
        self.stats.record(time.perf_counter() - started)
        return result

    async def _lifecycle(self, client, deadline: float) -> None:
        v16 = self.options.version == "1.6"
        if v16:
            await self.call(
                client,
                call16.BootNotification(
                    charge_point_vendor="Simulator", charge_point_model="SIM-16"
                ),
            )
            await self.call(client, self._status16("Available"))
        else:
            await self.call(
                client,
                call201.BootNotification(
                    charging_station={"vendor_name": "Simulator", "model": "SIM-201"},
                    reason="PowerUp",
                ),
            )
            await self.call(
                client,
                call201.StatusNotification(
                    timestamp=now(), connector_status="Available", evse_id=1, connector_id=1
                ),
            )
        while time.monotonic() < deadline and not self.closing.is_set():
            if self.options.remote or self.finished.is_set():
                # Idle until told otherwise; a remote start runs its own session.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.closing.wait(), min(30.0, max(deadline - time.monotonic(), 0))
                    )
            else:
                await self._session(client, deadline, v16)
                self.sessions_run += 1
                if self.sessions_run == self.options.sessions:
                    self.finished.set()
            await self.call(client, call16.Heartbeat() if v16 else call201.Heartbeat())
        if self.session_task is not None:
            self.stop_requested.set()
            with contextlib.suppress(Exception):
                await self.session_task

    async def remote_session(self, client, *, id_tag: str, remote_start_id: int | None = None):
        """A session a remote start asked for, until a remote stop (or the deadline)."""
        await self._session(
            client,
            self.deadline,
            self.options.version == "1.6",
            id_tag=id_tag,
            remote_start_id=remote_start_id,
        )

    async def _session(
        self,
        client,
        deadline: float,
        v16: bool,
        *,
        id_tag: str | None = None,
        remote_start_id: int | None = None,
    ) -> None:
        options = self.options
        remote = id_tag is not None
        id_tag = id_tag or options.id_tag
        self.charging = True
        self.stop_requested.clear()
        try:
            await self._charge(client, deadline, v16, id_tag, remote, remote_start_id)
        finally:
            self.charging = False
            self.transaction_id = None

    async def _charge(self, client, deadline, v16, id_tag, remote, remote_start_id) -> None:
        options = self.options
        if not remote:
            await self.call(
                client,
                call16.Authorize(id_tag=id_tag)
                if v16
                else call201.Authorize(id_token={"id_token": id_tag, "type": "ISO14443"}),
            )
        if v16:
            started = await self.call(
                client,
                call16.StartTransaction(
                    connector_id=1,
                    id_tag=id_tag,
                    meter_start=self.meter_wh,
                    timestamp=now(),
                ),
            )
            if started is None:
                return
            transaction_id = started.transaction_id
            await self.call(client, self._status16("Charging"))
        else:
            transaction_id = str(uuid.uuid4())
            seq = itertools.count()
            await self.call(
                client,
                self._event201(
                    "Started",
                    "RemoteStart" if remote else "Authorized",
                    transaction_id,
                    next(seq),
                    with_token=True,
                    id_tag=id_tag,
                    remote_start_id=remote_start_id,
                ),
            )
        self.transaction_id = transaction_id
        self.stats.transactions += 1
        rounds = itertools.count() if remote else range(options.meter_values_per_session)
        for _ in rounds:
            if (
                time.monotonic() >= deadline
                or self.stop_requested.is_set()
                or self.closing.is_set()
            ):
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), options.meter_interval)
            if self.stop_requested.is_set():
                break
            self.meter_wh += random.randint(50, 400)
            if v16:
                await self.call(
                    client,
                    call16.MeterValues(
                        connector_id=1, transaction_id=transaction_id, meter_value=[self._meter16()]
                    ),
                )
            else:
                await self.call(
                    client,
                    self._event201("Updated", "MeterValuePeriodic", transaction_id, next(seq)),
                )
        stopped = self.stop_requested.is_set()
        if v16:
            await self.call(
                client,
                call16.StopTransaction(
                    meter_stop=self.meter_wh,
                    timestamp=now(),
                    transaction_id=transaction_id,
                    reason="Remote" if stopped else "EVDisconnected",
                ),
            )
            await self.call(client, self._status16("Available"))
        else:
            await self.call(
                client,
                self._event201(
                    "Ended",
                    "RemoteStop" if stopped else "EVDeparted",
                    transaction_id,
                    next(seq),
                    stopped="Remote" if stopped else "EVDisconnected",
                ),
            )

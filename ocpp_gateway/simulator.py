"""Simulated chargers: boot, report status, authorize, charge with meter values, stop.

Used by ``manage.py simulate_chargers`` and the benchmark. Each charger is the
``ocpp`` library's own client, which validates every answer against the
official JSON schemas, so a schema violation by the CSMS counts as an error.
"""

import asyncio
import contextlib
import itertools
import random
import statistics
import time
import uuid
from base64 import b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import websockets
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ocpp_gateway.simulator_clients import Client16, Client201

SUBPROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}


@dataclass
class Stats:
    """What all simulated chargers saw, shared by them."""

    connected: int = 0
    peak_connected: int = 0
    calls: int = 0
    errors: int = 0
    transactions: int = 0
    latencies: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def record(self, seconds: float) -> None:
        self.calls += 1
        self.latencies.append(seconds)

    def fail(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(reason)

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)] * 1000

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (
            f"connected {self.connected} | calls {self.calls} ({self.calls / elapsed:.0f}/s) | "
            f"transactions {self.transactions} | errors {self.errors} | "
            f"p50 {self.percentile(0.5):.1f} ms | p99 {self.percentile(0.99):.1f} ms"
        )

    def summary(self) -> dict:
        elapsed = time.monotonic() - self.started
        return {
            "seconds": round(elapsed, 1),
            "peak_connected": self.peak_connected,
            "calls": self.calls,
            "calls_per_second": round(self.calls / elapsed, 1) if elapsed else 0.0,
            "transactions": self.transactions,
            "errors": self.errors,
            "p50_ms": round(self.percentile(0.5), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if self.latencies else 0,
        }


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Options:
    url: str
    version: str
    duration: float
    meter_interval: float = 1.0
    meter_values_per_session: int = 5
    id_tag: str = "DEMO-RFID-0001"
    password: str | None = None
    connect_timeout: float = 30.0
    # Charge only when told to (remote start/stop) instead of in a loop.
    remote: bool = False
    # Charge this many times, then stay connected until every charger has:
    # the run ends when all are done, however fast the CSMS answers.
    sessions: int | None = None


class SimulatedCharger:
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

    @staticmethod
    def _status16(status: str):
        return call16.StatusNotification(
            connector_id=1, error_code="NoError", status=status, timestamp=now()
        )

    def _meter16(self) -> dict:
        return {
            "timestamp": now(),
            "sampled_value": [
                {
                    "value": str(self.meter_wh),
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                },
                {
                    "value": str(random.randint(3000, 11000)),
                    "measurand": "Power.Active.Import",
                    "unit": "W",
                },
            ],
        }

    def _event201(
        self,
        event_type,
        trigger,
        transaction_id,
        seq_no,
        *,
        with_token=False,
        stopped=None,
        id_tag=None,
        remote_start_id=None,
    ):
        info = {
            "transaction_id": transaction_id,
            "charging_state": "Charging" if event_type != "Ended" else "EVConnected",
        }
        if stopped:
            info["stopped_reason"] = stopped
        if remote_start_id is not None:
            info["remote_start_id"] = remote_start_id
        return call201.TransactionEvent(
            event_type=event_type,
            timestamp=now(),
            trigger_reason=trigger,
            seq_no=seq_no,
            transaction_info=info,
            evse={"id": 1, "connector_id": 1} if event_type == "Started" else None,
            id_token={"id_token": id_tag or self.options.id_tag, "type": "ISO14443"}
            if with_token
            else None,
            meter_value=[
                {
                    "timestamp": now(),
                    "sampled_value": [
                        {
                            "value": self.meter_wh,
                            "measurand": "Energy.Active.Import.Register",
                            "context": "Sample.Periodic",
                        },
                        {
                            "value": random.randint(3000, 11000),
                            "measurand": "Power.Active.Import",
                            "context": "Sample.Periodic",
                        },
                    ],
                }
            ],
        )


async def simulate(
    *,
    chargepoint_ids: list[str],
    options: Options,
    progress: Callable[[str], None] | None = None,
    ramp_seconds: float = 5.0,
) -> Stats:
    """Run every charger until ``options.duration`` has passed; return what they saw.

    With ``options.sessions``, the run ends earlier, once every charger has had
    its sessions.
    """
    stats = Stats()
    deadline = time.monotonic() + options.duration
    chargers = [
        SimulatedCharger(chargepoint_id, options, stats) for chargepoint_id in chargepoint_ids
    ]

    async def start(index: int, charger: SimulatedCharger) -> None:
        # Spread connections over the ramp, as a fleet coming back online would.
        await asyncio.sleep(ramp_seconds * index / max(len(chargers), 1))
        await charger.run(deadline)

    tasks = [asyncio.create_task(start(i, c)) for i, c in enumerate(chargers)]

    async def close_when_all_finished() -> None:
        await asyncio.gather(*(charger.finished.wait() for charger in chargers))
        for charger in chargers:
            charger.closing.set()

    closer = asyncio.create_task(close_when_all_finished()) if options.sessions else None
    reporter = None
    if progress is not None:

        async def report() -> None:
            while True:
                await asyncio.sleep(2)
                progress(stats.line())

        reporter = asyncio.create_task(report())
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in (reporter, closer):
            if task is not None:
                task.cancel()
    return stats

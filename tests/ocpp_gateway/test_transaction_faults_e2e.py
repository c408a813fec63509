"""Issue 16, end to end: transaction faults reproduced against a real server, and healed.

Real ``manage.py serve`` processes on one SQLite file, real WebSocket clients
sending the frames the misbehaving chargers sent:

- three OCPP 1.6 stations sharing one tag, each starting a transaction and
  never stopping the refused ones (ConcurrentTx ghosts);
- an OCPP 2.0.1 station sending an Updated 19 ms after its Ended;
- a start sent just before the connection dropped, then the server killed.
"""

import asyncio
import contextlib
import json
import os
import signal

import pytest
import websockets

from tests.server import database_copy, project_env, running_server, sqlite_row_wait, sqlite_rows
from tests.waiting import DEADLINE

pytestmark = pytest.mark.e2e

TAG = "E2E-SHARED-TAG"
STATIONS = ["E2E-SIM-0", "E2E-SIM-1", "E2E-SIM-2"]
SETUP = f"""
from accounts.models import IdTag
from accounts.services import user_create
from chargepoints.models import ChargePoint
driver = user_create(
    username="e2e-driver", password="correct horse 42", phone_number="+66800000016"
)
IdTag.objects.create(idToken="{TAG}", user=driver)
for name in {[*STATIONS, "E2E-WB-201", "E2E-DROP"]!r}:
    ChargePoint.objects.create(chargepoint_id=name)
"""
T0, T1, T2, T3 = (
    "2026-03-01T10:00:00Z",
    "2026-03-01T10:15:00Z",
    "2026-03-01T10:30:00Z",
    "2026-03-01T10:45:00Z",
)


@pytest.fixture
def database(tmp_path_factory, demo_database_template):
    return database_copy(demo_database_template, tmp_path_factory.mktemp("faults"), setup=SETUP)


def server(database):
    return running_server(project_env(SQLITE_PATH=str(database)))


def rows(database, sql: str, *params) -> list[tuple]:
    return sqlite_rows(database, sql, *params)


class Station:
    """A charger speaking raw OCPP-J frames, so that it can misbehave exactly."""

    def __init__(self, ws):
        self.ws = ws
        self.count = 0

    async def send(self, action: str, payload: dict) -> str:
        self.count += 1
        unique_id = f"{action}-{self.count}"
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        return unique_id

    async def answer(self, unique_id: str) -> list:
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), DEADLINE))
            if frame[1] == unique_id:
                return frame

    async def call(self, action: str, payload: dict) -> list:
        return await self.answer(await self.send(action, payload))

    async def boot(self) -> None:
        answer = await self.call(
            "BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Sim"}
        )
        assert answer[2]["status"] == "Accepted", answer

    async def start(self, at: str = T0) -> dict:
        payload = {"connectorId": 1, "idTag": TAG, "meterStart": 1000, "timestamp": at}
        return (await self.call("StartTransaction", payload))[2]

    async def available(self, at: str) -> None:
        payload = {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": at}
        assert (await self.call("StatusNotification", payload))[2] == {}


@contextlib.asynccontextmanager
async def station(base_url: str, name: str, protocol: str = "ocpp1.6"):
    url = base_url.replace("http://", "ws://") + f"/ocpp/{name}"
    async with websockets.connect(url, subprotocols=[protocol], open_timeout=DEADLINE) as ws:
        yield Station(ws)


def kill(base_url) -> None:
    """As a crash would: no shutdown of any kind."""
    os.kill(base_url.pid, signal.SIGKILL)


def test_concurrent_tx_ghosts_never_block_the_tag_and_are_closed_after_reboot(database):
    with server(database) as base_url:

        async def shared_tag():
            async with contextlib.AsyncExitStack() as stack:
                stations = [await stack.enter_async_context(station(base_url, n)) for n in STATIONS]
                answers = []
                for sim in stations:
                    await sim.boot()
                    answers.append(await sim.start())
                # The first station stops; the refused ones never do (1.6 lets them).
                stop = {"transactionId": answers[0]["transactionId"], "meterStop": 4000}
                await stations[0].call("StopTransaction", {**stop, "timestamp": T1})
                again = await stations[0].start(at=T2)
                return answers, again

        answers, again = asyncio.run(shared_tag())
        kill(base_url)

    statuses = [answer["idTagInfo"]["status"] for answer in answers]
    assert statuses == ["Accepted", "ConcurrentTx", "ConcurrentTx"]
    # Before the fix: ConcurrentTx for good, the two ghosts being ACTIVE.
    assert again["idTagInfo"] == {"status": "Accepted"}
    ghosts = [answer["transactionId"] for answer in answers[1:]]
    assert (
        rows(
            database,
            "SELECT transaction_status, start_status, user_id FROM chargepoints_transaction "
            "WHERE transaction_id IN (?, ?)",
            *ghosts,
        )
        == [("ACTIVE", "ConcurrentTx", None)] * 2
    )

    # A new server on the same database; the ghost stations reboot and say
    # their connector is free: their transactions are closed, for review.
    with server(database) as base_url:

        async def reboot():
            for name in STATIONS[1:]:
                async with station(base_url, name) as sim:
                    await sim.boot()
                    await sim.available(T3)

        asyncio.run(reboot())

    closed = rows(
        database,
        "SELECT transaction_status, needs_review, reason_stopped FROM chargepoints_transaction "
        "WHERE transaction_id IN (?, ?)",
        *ghosts,
    )
    assert closed == [("COMPLETED", 1, "Other")] * 2
    assert rows(
        database,
        "SELECT transaction_status FROM chargepoints_transaction WHERE transaction_id = ?",
        again["transactionId"],
    ) == [("ACTIVE",)]
    assert rows(
        database, "SELECT COUNT(*) FROM billing_cdr WHERE transaction_id IN (?, ?)", *ghosts
    ) == [(0,)]


def event(kind: str, seq_no: int, at: str, trigger: str, wh: int, **info) -> dict:
    return {
        "eventType": kind,
        "timestamp": at,
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "late-tx", **info},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": at,
                "sampledValue": [
                    {"value": wh, "measurand": "Energy.Active.Import.Register"},
                ],
            }
        ],
    }


def test_a_201_update_sent_19_ms_after_the_end_is_kept_but_never_applied(database):
    with server(database) as base_url:

        async def shutdown_race():
            async with station(base_url, "E2E-WB-201", "ocpp2.0.1") as wallbox:
                started = event(
                    "Started", 0, T0, "CablePluggedIn", 1000, chargingState="EVConnected"
                )
                await wallbox.call("TransactionEvent", started)
                updated = event(
                    "Updated", 1, T1, "MeterValuePeriodic", 5000, chargingState="Charging"
                )
                await wallbox.call("TransactionEvent", updated)
                # Ended, and 19 ms later an Updated, both before any answer came.
                ended = event(
                    "Ended", 2, T2, "EVDeparted", 9000, chargingState="Idle", stoppedReason="Local"
                )
                late = event(
                    "Updated",
                    3,
                    "2026-03-01T10:30:00.019Z",
                    "ChargingStateChanged",
                    9100,
                    chargingState="SuspendedEV",
                )
                ids = [
                    await wallbox.send("TransactionEvent", ended),
                    await wallbox.send("TransactionEvent", late),
                ]
                return [await wallbox.answer(unique_id) for unique_id in ids]

        answers = asyncio.run(shutdown_race())

    # Both answered as usual (a refused transaction message is retried for ever).
    assert [frame[0] for frame in answers] == [3, 3]
    assert [frame[2] for frame in answers] == [{}, {}]
    tx = rows(
        database,
        "SELECT transaction_id, trigger_reason, charging_state, wh_meter_last, wh_meter_stop, "
        "total_energy, sequence_number, needs_review FROM chargepoints_transaction "
        "WHERE charger_transaction_id = 'late-tx'",
    )
    assert [row[1:] for row in tx] == [("EVDeparted", "Idle", 9000.0, 9000.0, 8.0, 2, 1)]
    assert rows(
        database,
        "SELECT value, after_end FROM chargepoints_sampledvalue WHERE transaction_id = ? "
        "ORDER BY timestamp",
        tx[0][0],
    ) == [("1000", 0), ("5000", 0), ("9000", 0), ("9100", 1)]


def test_a_start_sent_just_before_the_connection_dropped_is_closed_after_the_reboot(database):
    with server(database) as base_url:

        async def drop_after_start():
            async with station(base_url, "E2E-DROP") as sim:
                await sim.boot()
                # The start goes out, the connection drops before any answer.
                payload = {"connectorId": 1, "idTag": TAG, "meterStart": 1000, "timestamp": T0}
                await sim.send("StartTransaction", payload)

        asyncio.run(drop_after_start())
        (tx_id,) = sqlite_row_wait(
            database,
            "SELECT transaction_id FROM chargepoints_transaction WHERE chargepoint_id = ?",
            "E2E-DROP",
        )
        kill(base_url)
    assert rows(
        database,
        "SELECT transaction_status FROM chargepoints_transaction WHERE transaction_id = ?",
        tx_id,
    ) == [("ACTIVE",)]

    with server(database) as base_url:

        async def come_back():
            async with station(base_url, "E2E-DROP") as sim:
                await sim.boot()
                await sim.available(T1)
                # The tag is free for the driver's next charging.
                return await sim.start(at=T2)

        again = asyncio.run(come_back())

    assert again["idTagInfo"] == {"status": "Accepted"}
    assert rows(
        database,
        "SELECT transaction_status, needs_review, stop_transaction_timestamp IS NOT NULL "
        "FROM chargepoints_transaction WHERE transaction_id = ?",
        tx_id,
    ) == [("COMPLETED", 1, 1)]

"""End to end: a real Daphne server on a free port, real OCPP clients over WebSocket."""

import asyncio
import contextlib
import json
from base64 import b64encode
from urllib.parse import quote

import pytest
import websockets
from ocpp.v16 import ChargePoint as Client16
from ocpp.v16 import call as call16
from ocpp.v201 import ChargePoint as Client201
from ocpp.v201 import call as call201

from tests.server import (
    database_copy,
    manage,
    project_env,
    running_server,
    sqlite_rows,
)
from tests.waiting import DEADLINE, wait_until, wait_until_async

pytestmark = pytest.mark.e2e

BMW = "DE*BMW*ETEST1234567890AB"
TAG = "DEMO-RFID-0001"
PASSWORD = "a-sixteen-char-pw"
SETUP = f"""
from chargepoints.models import ChargePoint
from chargepoints.services.connections import chargepoint_set_password
cp = ChargePoint.objects.create(chargepoint_id="E2E-PW")
chargepoint_set_password(chargepoint=cp, password="{PASSWORD}")
ChargePoint.objects.create(chargepoint_id="E2E-REPLACE")
ChargePoint.objects.create(chargepoint_id="E2E-RECONNECT")
ChargePoint.objects.create(chargepoint_id="E2E-BAD")
"""


def start_server(tmp_path_factory, template, **env):
    database = database_copy(template, tmp_path_factory.mktemp("e2e"), setup=SETUP)
    env = project_env(SQLITE_PATH=str(database), CSMS_MAX_FRAME_BYTES="4096", **env)
    return database, running_server(env)


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database, context = start_server(tmp_path_factory, demo_database_template)
    with context as base_url:
        yield base_url.replace("http://", "ws://"), database


def select(database, table: str, columns: str, **where) -> list[tuple]:
    """Rows the server stored, read from its SQLite file."""
    condition = " AND ".join(f"{column}=?" for column in where)
    return sqlite_rows(
        database, f"SELECT {columns} FROM {table} WHERE {condition}", *where.values()
    )


def url_of(base: str, chargepoint_id: str) -> str:
    return f"{base}/ocpp/{quote(chargepoint_id, safe='')}"


@contextlib.asynccontextmanager
async def charger(base, chargepoint_id, subprotocols=("ocpp1.6",), password=None, origin=None):
    headers = {}
    if password is not None:
        token = b64encode(f"{chargepoint_id}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    ws = await websockets.connect(
        url_of(base, chargepoint_id),
        origin=origin,
        subprotocols=list(subprotocols),
        additional_headers=headers,
        open_timeout=DEADLINE,
    )
    client_class = Client16 if ws.subprotocol == "ocpp1.6" else Client201
    client = client_class(chargepoint_id, ws, response_timeout=DEADLINE)
    reader = asyncio.create_task(client.start())
    try:
        yield client, ws
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        await ws.close()


def refused_status(base, chargepoint_id, **kwargs) -> int:
    async def attempt():
        try:
            async with charger(base, chargepoint_id, **kwargs):
                return 101
        except websockets.InvalidStatus as exc:
            return exc.response.status_code

    return asyncio.run(attempt())


# -- admission -------------------------------------------------------------


def test_an_unknown_charger_is_refused_at_the_handshake(server):
    base, _ = server
    assert refused_status(base, "NOBODY-KNOWS-ME") == 403


def test_a_page_in_a_browser_cannot_connect_as_a_charger(server):
    # Browsers send an Origin header; chargers do not. The same charger
    # without one is admitted.
    base, _ = server
    assert refused_status(base, "CP-DEMO-16", origin="https://evil.example") == 403
    assert refused_status(base, "CP-DEMO-16") == 101


def test_a_handshake_offering_no_supported_protocol_is_refused(server):
    base, _ = server
    assert refused_status(base, "CP-DEMO-16", subprotocols=("ocpp1.5", "ocpp2.0")) == 403


def test_the_server_prefers_201_and_stores_the_negotiated_version(server):
    base, database = server

    async def scenario():
        async with charger(base, BMW, subprotocols=("ocpp1.6", "ocpp2.0.1")) as (_, ws):
            assert ws.subprotocol == "ocpp2.0.1"
            await wait_until_async(
                lambda: (
                    select(
                        database,
                        "chargepoints_chargepoint",
                        "ocpp_version, connected",
                        chargepoint_id=BMW,
                    )
                    == [("ocpp2.0.1", 1)]
                )
            )

    asyncio.run(scenario())


def test_a_charger_with_a_password_needs_the_right_one(server):
    base, _ = server
    assert refused_status(base, "E2E-PW") == 403
    assert refused_status(base, "E2E-PW", password="wrong-password-16ch") == 403
    assert refused_status(base, "E2E-PW", password=PASSWORD) == 101


def test_a_second_connection_replaces_the_first(server):
    base, database = server

    async def scenario():
        async with (
            charger(base, "E2E-REPLACE") as (_, first),
            charger(base, "E2E-REPLACE") as (client, _second),
        ):
            await asyncio.wait_for(first.wait_closed(), DEADLINE)
            assert first.close_code == 4000
            # The old socket's disconnect must not mark the charger offline.
            answer = await client.call(call16.Heartbeat())
            assert answer.current_time.endswith("Z")
            rows = select(
                database,
                "chargepoints_chargepoint",
                "connected, last_heartbeat IS NOT NULL",
                chargepoint_id="E2E-REPLACE",
            )
            assert rows == [(1, 1)]
        await wait_until_async(
            lambda: (
                select(
                    database, "chargepoints_chargepoint", "connected", chargepoint_id="E2E-REPLACE"
                )
                == [(0,)]
            )
        )

    asyncio.run(scenario())


# -- full sessions -----------------------------------------------------------


def test_a_16_charger_runs_a_full_session(server):
    base, database = server

    async def scenario():
        async with charger(base, "CP-DEMO-16") as (cp, _):
            boot = await cp.call(
                call16.BootNotification(charge_point_vendor="ABB", charge_point_model="Terra AC")
            )
            assert boot.status == "Accepted" and boot.interval == 300
            await cp.call(
                call16.StatusNotification(connector_id=1, error_code="NoError", status="Preparing")
            )
            auth = await cp.call(call16.Authorize(id_tag=TAG.lower()))
            assert auth.id_tag_info["status"] == "Accepted"
            start = await cp.call(
                call16.StartTransaction(
                    connector_id=1, id_tag=TAG, meter_start=1000, timestamp="2026-11-21T10:00:00Z"
                )
            )
            assert start.id_tag_info["status"] == "Accepted"
            await cp.call(
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=start.transaction_id,
                    meter_value=[
                        {
                            "timestamp": "2026-11-21T10:30:00Z",
                            "sampled_value": [
                                {"value": "4.5", "unit": "kWh"},
                                {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
                            ],
                        }
                    ],
                )
            )
            await cp.call(
                call16.StopTransaction(
                    meter_stop=8500,
                    timestamp="2026-11-21T11:00:00Z",
                    transaction_id=start.transaction_id,
                    id_tag=TAG,
                )
            )
            return start.transaction_id

    transaction_id = asyncio.run(scenario())
    rows = select(
        database,
        "chargepoints_transaction",
        "wh_meter_start, wh_meter_stop, total_energy, last_power_w, "
        "transaction_status, reason_stopped",
        transaction_id=transaction_id,
    )
    assert rows == [(1000.0, 8500.0, 7.5, 7200.0, "COMPLETED", "Local")]
    assert select(
        database,
        "chargepoints_chargepoint",
        "chargepoint_vendor, chargepoint_model",
        chargepoint_id="CP-DEMO-16",
    ) == [("ABB", "Terra AC")]

    # The log entries join the server's next batch of database work, just after the answer.
    def logged():
        return sorted(
            select(
                database,
                "ocpp_gateway_ocppmessage",
                "direction, action",
                chargepoint_id="CP-DEMO-16",
                action="StopTransaction",
            )
        )

    wait_until(
        lambda: logged() == [("INBOUND", "StopTransaction"), ("OUTBOUND", "StopTransaction")],
        what="the StopTransaction frames in the message log",
    )


def test_the_bmw_wallbox_runs_a_full_session_on_201(server):
    base, database = server

    def event(event_type, trigger, seq_no, wh, **extra):
        return call201.TransactionEvent(
            event_type=event_type,
            timestamp=f"2026-11-21T12:{seq_no:02d}:00Z",
            trigger_reason=trigger,
            seq_no=seq_no,
            transaction_info={"transaction_id": "bmw-tx-1", "charging_state": "Charging", **extra},
            meter_value=[
                {
                    "timestamp": f"2026-11-21T12:{seq_no:02d}:00Z",
                    "sampled_value": [
                        {"value": wh, "measurand": "Energy.Active.Import.Register"},
                        {"value": 11000, "measurand": "Power.Active.Import"},
                        *[
                            {"value": 16.0, "measurand": "Current.Import", "phase": phase}
                            for phase in ("L1", "L2", "L3")
                        ],
                    ],
                }
            ],
            evse={"id": 1, "connector_id": 1} if event_type == "Started" else None,
            id_token={"id_token": TAG, "type": "ISO14443"} if event_type == "Started" else None,
            number_of_phases_used=3,
        )

    async def scenario():
        async with charger(base, BMW, subprotocols=("ocpp2.0.1",)) as (cp, _):
            boot = await cp.call(
                call201.BootNotification(
                    charging_station={
                        "vendor_name": "BMW",
                        "model": "EIAW-E22KTSE6B04",
                        "serial_number": "SN1",
                    },
                    reason="PowerUp",
                )
            )
            assert boot.status == "Accepted"
            await cp.call(
                call201.StatusNotification(
                    timestamp="2026-11-21T11:59:00Z",
                    connector_status="Occupied",
                    evse_id=1,
                    connector_id=1,
                )
            )
            started = await cp.call(event("Started", "Authorized", 0, 20000))
            assert started.id_token_info["status"] == "Accepted"
            await cp.call(event("Updated", "MeterValuePeriodic", 1, 22000))
            await cp.call(event("Ended", "EVDeparted", 2, 25500, stopped_reason="EVDisconnected"))

    asyncio.run(scenario())
    rows = select(
        database,
        "chargepoints_transaction",
        "wh_meter_start, wh_meter_stop, total_energy, last_current_a, number_of_phases_used, "
        "transaction_status, reason_stopped",
        charger_transaction_id="bmw-tx-1",
    )
    assert rows == [(20000.0, 25500.0, 5.5, 16.0, 3, "COMPLETED", "EVDisconnected")]
    assert select(
        database,
        "chargepoints_connector",
        "connector_status, status",
        evse_id=1,
        chargepoint_id=BMW,
    ) == [("Occupied", "Occupied")]


def test_a_reconnect_mid_transaction_and_a_doubled_stop_change_nothing(server):
    base, database = server
    start = call16.StartTransaction(
        connector_id=1, id_tag=TAG, meter_start=500, timestamp="2026-11-21T09:00:00Z"
    )

    async def scenario():
        async with charger(base, "E2E-RECONNECT") as (cp, _ws):
            first = await cp.call(start)
        # The connection dropped before the charger saw the answer: it retransmits.
        async with charger(base, "E2E-RECONNECT") as (cp, _):
            again = await cp.call(start)
            assert again.transaction_id == first.transaction_id
            stop = call16.StopTransaction(
                meter_stop=2500,
                timestamp="2026-11-21T10:00:00Z",
                transaction_id=first.transaction_id,
            )
            await cp.call(stop)
            before = select(
                database, "chargepoints_transaction", "*", transaction_id=first.transaction_id
            )
            await cp.call(stop)
            after = select(
                database, "chargepoints_transaction", "*", transaction_id=first.transaction_id
            )
            assert before == after
        return first.transaction_id

    transaction_id = asyncio.run(scenario())
    assert select(
        database, "chargepoints_transaction", "COUNT(*)", chargepoint_id="E2E-RECONNECT"
    ) == [(1,)]
    assert select(
        database, "chargepoints_transaction", "total_energy", transaction_id=transaction_id
    ) == [(2.0,)]


# -- bad input over the wire ---------------------------------------------------


def test_bad_frames_get_a_call_error_and_the_connection_stays_open(server):
    base, _ = server

    async def scenario():
        async with websockets.connect(
            url_of(base, "E2E-BAD"), subprotocols=["ocpp2.0.1"], open_timeout=DEADLINE
        ) as ws:
            answers = []
            for frame in (
                "this is not json",
                '{"an": "object"}',
                '[2, "7", "NoSuchAction", {}]',
                '[9, "8", "Heartbeat", {}]',
                '[2, "big", "DataTransfer", {"vendorId": "x", "data": "' + "x" * 5000 + '"}]',
                '[2, "ok", "Heartbeat", {}]',
            ):
                await ws.send(frame)
                answers.append(json.loads(await asyncio.wait_for(ws.recv(), DEADLINE)))
            return answers

    answers = asyncio.run(scenario())
    assert [answer[:3] for answer in answers[:5]] == [
        [4, "-1", "RpcFrameworkError"],
        [4, "-1", "RpcFrameworkError"],
        [4, "7", "NotImplemented"],
        [4, "8", "MessageTypeNotSupported"],
        [4, "big", "FormatViolation"],
    ]
    assert answers[5][0] == 3 and answers[5][1] == "ok"


# -- auto-registration -----------------------------------------------------------


def test_auto_registration_creates_an_unknown_charger(tmp_path_factory, demo_database_template):
    database, context = start_server(
        tmp_path_factory,
        demo_database_template,
        CSMS_AUTO_REGISTER="1",
        CSMS_AUTO_REGISTER_STATUS="Pending",
    )
    with context as base_url:
        base = base_url.replace("http://", "ws://")

        async def scenario():
            async with charger(base, "HOME-WALLBOX-1", subprotocols=("ocpp2.0.1",)) as (cp, _):
                return await cp.call(
                    call201.BootNotification(
                        charging_station={"vendor_name": "BMW", "model": "Wallbox"},
                        reason="PowerUp",
                    )
                )

        boot = asyncio.run(scenario())
    # The operator has not accepted it yet: answered Pending, retried in a minute.
    assert (boot.status, boot.interval) == ("Pending", 60)
    assert select(
        database,
        "chargepoints_chargepoint",
        "registration_status, chargepoint_vendor",
        chargepoint_id="HOME-WALLBOX-1",
    ) == [("Pending", "BMW")]


# -- the simulator users run ---------------------------------------------------


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_the_simulator_runs_sessions_without_a_single_error(server, version):
    base, database = server
    # The library's client checks every answer against the official schemas.
    result = manage(
        "simulate_chargers",
        "--url",
        f"{base}/ocpp",
        "--count",
        "3",
        "--ocpp",
        version,
        # One session each, all three connected at once; the run ends when
        # all three are done, --duration only bounds a broken run.
        "--sessions",
        "1",
        "--ramp",
        "0",
        "--duration",
        str(DEADLINE),
        "--meter-interval",
        "0.3",
        "--prefix",
        f"SIM{version}",
        "--id-tag",
        TAG,
        "--json",
        env=project_env(SQLITE_PATH=str(database)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["errors"] == 0 and summary["peak_connected"] == 3
    assert summary["transactions"] == 3
    completed = sqlite_rows(
        database,
        "SELECT COUNT(*) FROM chargepoints_transaction WHERE chargepoint_id LIKE ? "
        "AND transaction_status = 'COMPLETED' AND needs_review = 0",
        f"SIM{version}-%",
    )
    assert completed == [(3,)]


def test_a_21_charger_is_admitted_and_answered(server):
    base, database = server
    from ocpp.v21 import ChargePoint as Client21
    from ocpp.v21 import call as call21

    async def scenario():
        async with websockets.connect(
            url_of(base, "E2E-BAD"), subprotocols=["ocpp2.1"], open_timeout=DEADLINE
        ) as ws:
            assert ws.subprotocol == "ocpp2.1"
            client = Client21("E2E-BAD", ws, response_timeout=DEADLINE)
            reader = asyncio.create_task(client.start())
            try:
                return await client.call(
                    call21.BootNotification(
                        charging_station={"vendor_name": "ACME", "model": "Next"}, reason="PowerUp"
                    )
                )
            finally:
                reader.cancel()

    assert asyncio.run(scenario()).status == "Accepted"
    assert select(
        database, "chargepoints_chargepoint", "ocpp_version", chargepoint_id="E2E-BAD"
    ) == [("ocpp2.1",)]

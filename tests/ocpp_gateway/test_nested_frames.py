"""Issue 16: a deeply nested frame gets a CALLERROR, and the connection stays open.

End to end: a real server, a real WebSocket client in each version. A 10 KB
frame of arrays in arrays once raised an uncaught RecursionError and dropped
the connection; a shallower one (still far deeper than any OCPP message) got
past the decoder and failed further on as an InternalError.
"""

import asyncio
import contextlib
import json

import pytest
import websockets

from tests.server import database_copy, project_env, running_server, sqlite_rows
from tests.waiting import DEADLINE, wait_until

pytestmark = pytest.mark.e2e

SETUP = """
from chargepoints.models import ChargePoint
ChargePoint.objects.create(chargepoint_id="NEST-16")
ChargePoint.objects.create(chargepoint_id="NEST-201")
"""
CHARGERS = {"ocpp1.6": "NEST-16", "ocpp2.0.1": "NEST-201"}
FORMAT_ERROR = {"ocpp1.6": "FormationViolation", "ocpp2.0.1": "FormatViolation"}
DESCRIPTION = "Message is nested more than 64 levels deep"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(demo_database_template, tmp_path_factory.mktemp("nested"), setup=SETUP)
    with running_server(project_env(SQLITE_PATH=str(database))) as base_url:
        yield base_url.replace("http://", "ws://"), database


@contextlib.asynccontextmanager
async def connected(base: str, subprotocol: str):
    async with websockets.connect(
        f"{base}/ocpp/{CHARGERS[subprotocol]}",
        subprotocols=[subprotocol],
        open_timeout=DEADLINE,
    ) as ws:
        assert ws.subprotocol == subprotocol
        yield ws


async def answer(ws) -> list:
    return json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))


async def heartbeat_answered(ws, unique_id: str) -> None:
    """The connection lives on: the next call is answered, and nothing came before it."""
    await ws.send(json.dumps([2, unique_id, "Heartbeat", {}]))
    reply = await answer(ws)
    assert reply[:2] == [3, unique_id] and reply[2]["currentTime"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def data_transfer(unique_id: str, depth: int) -> str:
    """A DataTransfer CALL whose vendor data nests ``depth`` arrays deep."""
    return f'[2,"{unique_id}","DataTransfer",{{"vendorId":"com.example","data":{nested(depth)}}}]'


def run(coroutine_function, *args):
    return asyncio.run(coroutine_function(*args))


@pytest.mark.parametrize("subprotocol", sorted(CHARGERS))
@pytest.mark.parametrize("depth", [5000, 500], ids=["10KB-past-the-decoder", "1KB-decoded"])
def test_a_deeply_nested_call_is_refused_with_its_message_id(server, subprotocol, depth):
    base, _ = server
    frame = data_transfer("deep-1", depth)

    async def scenario():
        async with connected(base, subprotocol) as ws:
            await ws.send(frame)
            assert await answer(ws) == [4, "deep-1", FORMAT_ERROR[subprotocol], DESCRIPTION, {}]
            await heartbeat_answered(ws, "after-1")

    if depth == 5000:
        assert 10_000 <= len(frame) <= 11_000
    run(scenario)


def test_a_201_frame_nested_so_deep_its_id_cannot_be_read_is_answered_with_id_minus_one(server):
    base, _ = server

    async def scenario():
        async with connected(base, "ocpp2.0.1") as ws:
            await ws.send(nested(5000))
            # OCPP 2.0.1 part 4 §4.2.3: id "-1" when the message id cannot be read.
            assert await answer(ws) == [4, "-1", "RpcFrameworkError", DESCRIPTION, {}]
            await heartbeat_answered(ws, "after-2")

    run(scenario)


def test_a_16_frame_nested_so_deep_its_id_cannot_be_read_is_logged_and_the_connection_lives(
    server,
):
    # OCPP-J 1.6 has no id to answer an unreadable frame with: nothing is sent
    # back, and the next call is the next thing answered.
    base, database = server
    frame = nested(5000)

    async def scenario():
        async with connected(base, "ocpp1.6") as ws:
            await ws.send(frame)
            await heartbeat_answered(ws, "after-3")

    run(scenario)
    logged = wait_until(
        lambda: sqlite_rows(
            database,
            "SELECT payload FROM ocpp_gateway_ocppmessage WHERE chargepoint_id = ? AND action = ''",
            "NEST-16",
        )
    )
    assert {"raw": frame} in [json.loads(row[0]) for row in logged]


@pytest.mark.parametrize("subprotocol", sorted(CHARGERS))
def test_an_answer_of_the_chargers_nested_too_deeply_gets_no_answer(server, subprotocol):
    base, _ = server

    async def scenario():
        async with connected(base, subprotocol) as ws:
            await ws.send(f'[3,"not-ours",{{"data":{nested(5000)}}}]')
            await heartbeat_answered(ws, "after-4")

    run(scenario)


def test_vendor_data_within_the_limit_and_brackets_in_strings_are_answered_normally(server):
    base, _ = server
    # The frame's array, the payload object, then 60 arrays: 62 levels.
    within = data_transfer("within", 60)
    in_a_string = json.dumps(
        [2, "string", "DataTransfer", {"vendorId": "com.example", "data": "[{" * 500}]
    )

    async def scenario():
        async with connected(base, "ocpp2.0.1") as ws:
            for unique_id, frame in (("within", within), ("string", in_a_string)):
                await ws.send(frame)
                assert await answer(ws) == [3, unique_id, {"status": "UnknownVendorId"}]

    run(scenario)

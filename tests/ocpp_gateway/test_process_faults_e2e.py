"""End to end: a server that crashes or stops leaves no charger online and no command in flight.

Issue 16, "Stale connections" and "Stale commands". A charger connects to a
real server (Daphne) and is sent a command it never answers. Killed with
SIGKILL, the server clears nothing: a second server started on the same
database takes the first for dead once its heartbeat ages, and the charger
is offline, the command timed out, and a new command answered
``charger_offline`` at once. Stopped with SIGTERM, the server clears its own
before it exits. With two servers over Redis, a charger whose server was
killed comes back at once to the other: the command the dead one sent times
out all the same.
"""

import contextlib
import json
import shutil
import signal
from urllib.parse import quote

import pytest
from websockets.sync.client import connect as ws_connect

from tests.server import (
    ServerProcess as Server,
)
from tests.server import (
    database_copy,
    http_json,
    project_env,
    redis_server,
    sqlite_row_wait,
    sqlite_rows,
)

pytestmark = pytest.mark.e2e

CHARGER = "CP-DEMO-16"
TOKEN = "e2e0process0token" + "0" * 46 + "b"
SETUP = f"""
from accounts.models import User
from tests.tokens import token_store
ops = User.objects.create_superuser("ops", password="ops password 123")
token_store(ops, "{TOKEN}")
"""
# The first server: the API returns a command as soon as the connection took
# it, and the command waits long for the answer that never comes.
FIRST = {"CSMS_COMMAND_WAIT": "0", "CSMS_COMMAND_TIMEOUT": "600"}
# The second server: quick heartbeats, and a process silent for 2 s is dead.
SECOND = {"CSMS_PROCESS_HEARTBEAT_INTERVAL": "0.2", "CSMS_PROCESS_STALE_AFTER": "2"}
# Two servers side by side: quick heartbeats, dead after 2 s of silence, 5 s to answer.
PEERS = {**SECOND, "CSMS_COMMAND_WAIT": "0", "CSMS_COMMAND_TIMEOUT": "5"}


@pytest.fixture
def database(tmp_path, demo_database_template) -> str:
    return str(database_copy(demo_database_template, tmp_path, setup=SETUP))


def api(base_url: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    return http_json(
        method, f"{base_url}/api/v1/{path}", body, headers={"Authorization": f"Token {TOKEN}"}
    )


def reset(base_url: str) -> tuple[int, dict]:
    body = {"command": "reset", "type": "soft"}
    return api(base_url, "POST", f"charge-points/{quote(CHARGER)}/commands/", body)


def charger_row(database: str) -> tuple:
    return sqlite_rows(
        database,
        "SELECT connected, connection_id, connection_process FROM chargepoints_chargepoint "
        "WHERE chargepoint_id=?",
        CHARGER,
    )[0]


def command_row(database: str, command_id: int) -> tuple:
    return sqlite_rows(
        database,
        "SELECT status, error_description FROM chargepoints_command WHERE id=?",
        command_id,
    )[0]


def server_pids(database: str) -> list[int]:
    return [pid for (pid,) in sqlite_rows(database, "SELECT pid FROM chargepoints_serverprocess")]


@contextlib.contextmanager
def silent_charger(base_url: str):
    """A 1.6 charger that boots, then takes calls and never answers them."""
    url = base_url.replace("http://", "ws://") + f"/ocpp/{quote(CHARGER)}"
    with ws_connect(url, subprotocols=["ocpp1.6"], open_timeout=60) as socket:
        boot = {"chargePointVendor": "E2E", "chargePointModel": "Silent"}
        socket.send(json.dumps([2, "boot-1", "BootNotification", boot]))
        answer = json.loads(socket.recv(timeout=60))
        assert answer[:2] == [3, "boot-1"], answer
        yield socket


def a_command_in_flight(base_url: str, database: str, socket) -> int:
    """Send the charger a command it receives and never answers; its id, once ``sent``."""
    status, command = reset(base_url)
    # Taken by the connection, not answered yet.
    assert status == 202, command
    call = json.loads(socket.recv(timeout=60))
    assert call[0] == 2 and call[2] == "Reset", call
    sqlite_row_wait(
        database, "SELECT 1 FROM chargepoints_command WHERE id=? AND status='sent'", command["id"]
    )
    return command["id"]


def test_a_crashed_server_leaves_its_charger_offline_and_its_command_timed_out(database):
    with Server(project_env(SQLITE_PATH=database, **FIRST)) as first:
        first_url = first.url()
        with silent_charger(first_url) as socket:
            command_id = a_command_in_flight(first_url, database, socket)
            assert server_pids(database) == [first.process.pid]

            first.process.send_signal(signal.SIGKILL)
            first.process.wait()

    # Nothing cleared it: the fault as the issue found it.
    assert charger_row(database)[0] == 1
    assert command_row(database, command_id)[0] == "sent"

    with Server(project_env(SQLITE_PATH=database, **SECOND)) as second:
        second_url = second.url()
        sqlite_row_wait(
            database,
            "SELECT 1 FROM chargepoints_command WHERE id=? AND status='timed_out'",
            command_id,
        )
        status, why = command_row(database, command_id)
        assert why.startswith("No live server process can send it or receive its answer any more")
        assert f"pid {first.process.pid} " in why
        assert charger_row(database)[0] == 0
        assert server_pids(database) == [second.process.pid]

        status, charger = api(second_url, "GET", f"charge-points/{quote(CHARGER)}/")
        assert (status, charger["connected"]) == (200, False)
        # Offline is known: answered at once, not after waiting for a connection.
        status, again = reset(second_url)
        assert (status, again["status"]) == (201, "CHARGER_OFFLINE"), again
        assert again["error_description"] == "The charge point is not connected."


def test_a_server_stopped_normally_clears_its_own_charger_and_command(database):
    with Server(project_env(SQLITE_PATH=database, **FIRST)) as server:
        base_url = server.url()
        with silent_charger(base_url) as socket:
            command_id = a_command_in_flight(base_url, database, socket)
            assert charger_row(database)[0] == 1

            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=60)

    assert charger_row(database) == (0, "", "")
    assert command_row(database, command_id) == (
        "timed_out",
        "The server process holding the charger's connection shut down with the command in flight.",
    )
    assert server_pids(database) == []


def test_a_command_of_a_crashed_server_times_out_though_its_charger_is_back_on_a_peer(
    database, tmp_path
):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    (tmp_path / "redis").mkdir()
    with redis_server(tmp_path / "redis") as redis_url:
        env = project_env(SQLITE_PATH=database, REDIS_URL=redis_url, **PEERS)
        with Server(env) as holder, Server(env) as peer:
            holder_url, peer_url = holder.url(), peer.url()
            with silent_charger(holder_url) as socket:
                # Asked of the peer, sent by the server holding the charger.
                command_id = a_command_in_flight(peer_url, database, socket)
                holder.process.send_signal(signal.SIGKILL)
                holder.process.wait()

            # Back at once, on the peer: before the peer finds the holder dead,
            # so that sweep sees the charger held by a live process.
            with silent_charger(peer_url):
                sqlite_row_wait(
                    database,
                    "SELECT 1 FROM chargepoints_command WHERE id=? AND status='timed_out'",
                    command_id,
                )
                assert charger_row(database)[0] == 1
                status, charger = api(peer_url, "GET", f"charge-points/{quote(CHARGER)}/")
                assert (status, charger["connected"]) == (200, True)

"""End to end: commands through the REST API reach a simulated charger on a real server.

The charger is the simulator in ``--remote`` mode: it starts a session when
told to and stops it when told to, as the issue's "done when" describes.
With Redis, two server processes share the charger connections: the charger
is connected to one, and the command is asked of the other.
"""

import contextlib
import json
import shutil
from urllib.parse import quote

import pytest

from tests.server import (
    database_copy,
    http_json,
    manage,
    project_env,
    redis_server,
    running_server,
    running_servers,
    simulated_charger,
    sqlite_row_wait,
    sqlite_rows,
)

pytestmark = pytest.mark.e2e

BMW = "DE*BMW*ETEST1234567890AB"
CP16 = "CP-DEMO-16"
TOKEN = "e2e0command0token" + "0" * 46 + "a"
SETUP = f"""
from accounts.models import User
from tests.tokens import token_store
ops = User.objects.create_superuser("ops", password="ops password 123")
token_store(ops, "{TOKEN}")
from chargepoints.models import ChargePoint
ChargePoint.objects.create(chargepoint_id="E2E-NEVER-CONNECTED")
"""
CHARGERS = {"1.6": CP16, "2.0.1": BMW}


def prepare_database(tmp_path_factory, template) -> tuple[dict, str]:
    database = database_copy(template, tmp_path_factory.mktemp("commands"), setup=SETUP)
    return project_env(SQLITE_PATH=str(database)), str(database)


def api(base_url: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    return http_json(method, base_url + path, body, headers={"Authorization": f"Token {TOKEN}"})


def command(base_url: str, chargepoint_id: str, **body) -> tuple[int, dict]:
    path = f"/api/v1/charge-points/{quote(chargepoint_id, safe='')}/commands/"
    return api(base_url, "POST", path, body)


@contextlib.contextmanager
def charger_online(base_url: str, database: str, version: str):
    """The version's demo charger as a remote-controlled simulator, once the server saw it boot.

    The same charger serves several tests of one server: it counts as online
    only with a boot newer than the last test's, and leaving waits until the
    server has seen it go, so no test acts on the previous test's connection.
    """
    chargepoint_id = CHARGERS[version]
    (last_boot,) = sqlite_rows(
        database,
        "SELECT COALESCE(last_boot_at, '') FROM chargepoints_chargepoint WHERE chargepoint_id=?",
        chargepoint_id,
    )[0]
    with simulated_charger(base_url.replace("http://", "ws://"), version, chargepoint_id):
        sqlite_row_wait(
            database,
            "SELECT 1 FROM chargepoints_chargepoint WHERE chargepoint_id=? AND connected=1 "
            "AND COALESCE(last_boot_at, '') != ?",
            chargepoint_id,
            last_boot,
        )
        # And its status is in: it reported its connector after booting.
        sqlite_row_wait(
            database,
            "SELECT 1 FROM chargepoints_connector WHERE chargepoint_id=? AND status='Available'",
            chargepoint_id,
        )
        yield chargepoint_id
    sqlite_row_wait(
        database,
        "SELECT 1 FROM chargepoints_chargepoint WHERE chargepoint_id=? AND connected=0",
        chargepoint_id,
    )


def remote_start_and_stop(base_url: str, database: str, version: str) -> None:
    chargepoint_id = CHARGERS[version]
    status, started = command(
        base_url, chargepoint_id, command="remote_start", connector_id=1, id_tag="DEMO-RFID-0001"
    )
    assert status == 201, started
    assert started["status"] == "ACCEPTED", started
    assert started["response"] == {"status": "Accepted"}
    tx_id, remote_start_id = sqlite_row_wait(
        database,
        "SELECT transaction_id, remote_start_id FROM chargepoints_transaction "
        "WHERE chargepoint_id=? AND transaction_status='ACTIVE'",
        chargepoint_id,
    )
    if version == "2.0.1":
        # The charger echoed the remote start id we sent (OCPP 2.0.1 F01).
        assert remote_start_id == started["params"]["remote_start_id"]

    status, stopped = command(base_url, chargepoint_id, command="remote_stop", transaction_id=tx_id)
    assert status == 201, stopped
    assert stopped["status"] == "ACCEPTED", stopped
    reason = sqlite_row_wait(
        database,
        "SELECT reason_stopped FROM chargepoints_transaction "
        "WHERE transaction_id=? AND transaction_status='COMPLETED'",
        tx_id,
    )
    assert reason == ("Remote",)


@pytest.fixture(scope="module")
def one_server(tmp_path_factory, demo_database_template):
    env, database = prepare_database(tmp_path_factory, demo_database_template)
    with running_server(env) as base_url:
        yield base_url, database


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_remote_start_through_the_api_starts_a_transaction_and_a_remote_stop_ends_it(
    one_server, version
):
    base_url, database = one_server
    with charger_online(base_url, database, version):
        remote_start_and_stop(base_url, database, version)


def test_the_wallbox_takes_a_current_limit_and_led_brightness_while_charging(one_server):
    base_url, database = one_server
    with charger_online(base_url, database, "2.0.1"):
        status, started = command(
            base_url, BMW, command="remote_start", connector_id=1, id_tag="DEMO-RFID-0001"
        )
        assert started["status"] == "ACCEPTED", started
        sqlite_row_wait(
            database,
            "SELECT 1 FROM chargepoints_transaction WHERE chargepoint_id=? "
            "AND transaction_status='ACTIVE'",
            BMW,
        )
        status, limited = command(base_url, BMW, command="set_current_limit", limit=16)
        assert (status, limited["status"]) == (201, "ACCEPTED"), limited
        assert limited["request"]["chargingProfile"]["chargingSchedule"][0][
            "chargingSchedulePeriod"
        ] == [{"startPeriod": 0, "limit": 16}]
        assert sqlite_rows(
            database,
            "SELECT current_limit FROM chargepoints_connector WHERE chargepoint_id=?",
            BMW,
        ) == [(16.0,)]
        status, led = command(base_url, BMW, command="set_led_brightness", brightness=46)
        assert (status, led["status"]) == (201, "ACCEPTED"), led


def test_a_command_to_a_charger_that_is_not_connected_is_offline_at_once(one_server):
    base_url, _ = one_server
    status, body = command(base_url, "E2E-NOWHERE", command="reset")
    assert status == 404
    status, body = command(base_url, "E2E-NEVER-CONNECTED", command="reset", type="hard")
    assert status == 201
    assert body["status"] == "CHARGER_OFFLINE"
    status, again = api(base_url, "GET", body["url"].removeprefix(base_url))
    assert (status, again["id"], again["status"]) == (200, body["id"], "CHARGER_OFFLINE")


# -- two server processes over Redis -----------------------------------------


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, demo_database_template):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    env, database = prepare_database(tmp_path_factory, demo_database_template)
    with redis_server(tmp_path_factory.mktemp("redis")) as redis_url:
        env = {**env, "REDIS_URL": redis_url}
        with running_servers(env, env) as (first, second):
            yield first, second, database, env


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_command_asked_of_one_process_reaches_the_charger_connected_to_another(
    two_servers, version
):
    first, second, database, _ = two_servers
    assert first.pid != second.pid
    with charger_online(first, database, version):
        remote_start_and_stop(second, database, version)


def test_the_management_command_reaches_the_charger_through_redis(two_servers):
    first, _, database, env = two_servers
    with charger_online(first, database, "1.6"):
        result = manage(
            "ocpp_command",
            CP16,
            "get_configuration",
            "--param",
            "keys=HeartbeatInterval",
            env=env,
        )
        assert result.returncode == 0, result.stderr
        record = json.loads(result.stdout)
        assert record["status"] == "ACCEPTED"
        assert record["source"] == "CLI"
        assert record["response"]["configurationKey"][0]["key"] == "HeartbeatInterval"

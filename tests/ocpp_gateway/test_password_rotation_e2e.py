"""End to end: a charger on security profile 1 gets a new password and reconnects with it.

A real server; each charger is a plain WebSocket client that presents its
password in the handshake (HTTP Basic, as OCPP security profile 1 says),
boots, and answers the one command it is sent as a test tells it. The
rotation is asked for as an operator would: through the REST API, or with
``manage.py rotate_charger_password`` (which, with the server's in-memory
channel layer, goes through the server's API).
"""

import asyncio
import json
import urllib.parse
from base64 import b64encode
from urllib.parse import quote

import pytest
import websockets

from tests.server import (
    database_copy,
    http_json,
    manage,
    project_env,
    running_server,
    sqlite_row_wait,
    sqlite_rows,
)
from tests.waiting import DEADLINE

pytestmark = pytest.mark.e2e

OLD = "the-old-password-A-1234"
TOKEN = "e2e0rotate0token" + "0" * 47 + "b"
PROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}
BOOT = {
    "1.6": {"chargePointVendor": "E2E", "chargePointModel": "Rotator"},
    "2.0.1": {"reason": "PowerUp", "chargingStation": {"vendorName": "E2E", "model": "Rotator"}},
}
CHARGERS = {
    ("1.6", "Accepted"): "PW-E2E-16-TAKES",
    ("2.0.1", "Accepted"): "PW-E2E-201-TAKES",
    ("1.6", "Rejected"): "PW-E2E-16-REFUSES",
    ("2.0.1", "Rejected"): "PW-E2E-201-REFUSES",
    ("1.6", "RebootRequired"): "PW-E2E-16-REBOOTS",
    ("2.0.1", "RebootRequired"): "PW-E2E-201-REBOOTS",
    # Answers with the password in its words (ECHO): a CALLERROR, a refusal.
    ("1.6", "Echo"): "PW-E2E-16-ECHOES",
    ("2.0.1", "Echo"): "PW-E2E-201-ECHOES",
}
ECHO = "Echo"
SETUP = f"""
from chargepoints.models import ChargePoint
from chargepoints.services.connections import chargepoint_set_password
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_store
rotator = user_in_group(OPERATORS, username="rotator", password="rotator password 42")
token_store(rotator, "{TOKEN}")
for chargepoint_id in {sorted(CHARGERS.values())!r}:
    chargepoint = ChargePoint.objects.create(chargepoint_id=chargepoint_id, security_profile=1)
    chargepoint_set_password(chargepoint=chargepoint, password="{OLD}")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(
        demo_database_template, tmp_path_factory.mktemp("passwords"), setup=SETUP
    )
    # Refusing the old password is a failed login from 127.0.0.1 each time: no
    # lock-out of the address may turn a later refusal into a different one.
    env = project_env(SQLITE_PATH=str(database), CSMS_CHARGER_AUTH_FAILURES="100")
    with running_server(env) as base_url:
        port = urllib.parse.urlsplit(base_url).port
        cli_env = {**env, "CSMS_HOST": "127.0.0.1", "CSMS_PORT": str(port)}
        yield base_url, cli_env, str(database)


async def connect(base_url: str, chargepoint_id: str, version: str, password: str):
    token = b64encode(f"{chargepoint_id}:{password}".encode()).decode()
    return await websockets.connect(
        f"{base_url.replace('http://', 'ws://')}/ocpp/{quote(chargepoint_id, safe='')}",
        subprotocols=[PROTOCOLS[version]],
        additional_headers={"Authorization": f"Basic {token}"},
        open_timeout=DEADLINE,
        ping_interval=None,
    )


async def boot(ws, version: str) -> dict:
    await ws.send(json.dumps([2, "boot-1", "BootNotification", BOOT[version]]))
    answer = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
    assert answer[:2] == [3, "boot-1"], answer
    return answer[2]


async def admitted(base_url: str, chargepoint_id: str, version: str, password: str) -> bool:
    """Whether the server lets the charger in with this password (and answers its boot)."""
    try:
        ws = await connect(base_url, chargepoint_id, version, password)
    except websockets.InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False
    try:
        await boot(ws, version)
    finally:
        await ws.close()
    return True


async def answer_the_command(ws, answer: str) -> list:
    """Wait for the server's CALL, answer it with status ``answer``; return the CALL.

    ECHO: the charger says the password back, as some do in their errors.
    """
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
        if frame[0] != 2:
            continue
        if answer == ECHO and frame[2] in ("ChangeConfiguration", "SetVariables"):
            await ws.send(json.dumps(echo(frame)))
            return frame
        if frame[2] == "ChangeConfiguration":
            await ws.send(json.dumps([3, frame[1], {"status": answer}]))
            return frame
        if frame[2] == "SetVariables":
            results = [
                {"attributeStatus": answer, "component": d["component"], "variable": d["variable"]}
                for d in frame[3]["setVariableData"]
            ]
            await ws.send(json.dumps([3, frame[1], {"setVariableResult": results}]))
            return frame
        # Nothing else is expected; answer so the server is not kept waiting.
        await ws.send(json.dumps([4, frame[1], "NotImplemented", "", {}]))


def echo(frame: list) -> list:
    password = presented_password(frame)
    if frame[2] == "ChangeConfiguration":
        details = {"value": frame[3]["value"], "password": password}
        return [4, frame[1], "PropertyConstraintViolation", f"cannot store {frame[3]}", details]
    (data,) = frame[3]["setVariableData"]
    result = {
        "attributeStatus": "Rejected",
        "component": data["component"],
        "variable": data["variable"],
        "attributeStatusInfo": {
            "reasonCode": "InvalidValue",
            "additionalInfo": f"value {password} not allowed",
        },
    }
    return [3, frame[1], {"setVariableResult": [result]}]


def presented_password(frame: list) -> str:
    """The password the charger takes from the CALL, as it presents it from now on."""
    if frame[2] == "ChangeConfiguration":
        assert frame[3]["key"] == "AuthorizationKey"
        # OCPP 1.6 security whitepaper: the value is the hex of the password's bytes.
        return bytes.fromhex(frame[3]["value"]).decode()
    (data,) = frame[3]["setVariableData"]
    assert (data["component"]["name"], data["variable"]["name"]) == (
        "SecurityCtrlr",
        "BasicAuthPassword",
    )
    return data["attributeValue"]


def through_api(base_url: str, cli_env: dict, chargepoint_id: str) -> dict:
    status, body = http_json(
        "POST",
        f"{base_url}/api/v1/charge-points/{quote(chargepoint_id, safe='')}/rotate-password/",
        headers={"Authorization": f"Token {TOKEN}"},
    )
    assert status == 201, body
    return body


def through_cli(base_url: str, cli_env: dict, chargepoint_id: str) -> dict:
    result = manage("rotate_charger_password", chargepoint_id, "--user", "rotator", env=cli_env)
    assert result.stdout, result.stderr
    return json.loads(result.stdout) | {"exit_code": result.returncode}


def rotation(server, version: str, answer: str, ask) -> tuple[list, dict]:
    """The charger connects with OLD and answers the new password: the CALL, the record."""
    base_url, cli_env, database = server
    chargepoint_id = CHARGERS[version, answer]

    async def scenario():
        ws = await connect(base_url, chargepoint_id, version, OLD)
        try:
            assert (await boot(ws, version))["status"] == "Accepted"
            asked = asyncio.create_task(asyncio.to_thread(ask, base_url, cli_env, chargepoint_id))
            frame = await answer_the_command(ws, answer)
            return frame, await asked
        finally:
            await ws.close()

    frame, record = asyncio.run(scenario())
    # The charger goes, as it does to use its new password; the server sees it gone.
    sqlite_row_wait(
        database,
        "SELECT 1 FROM chargepoints_chargepoint WHERE chargepoint_id=? AND connected=0",
        chargepoint_id,
    )
    return frame, record


def nowhere_stored(database: str, chargepoint_id: str, password: str) -> None:
    """Neither the command records nor the message log hold the password, in any form."""
    rows = sqlite_rows(
        database,
        "SELECT params || request || COALESCE(response, '') || error_code || error_description "
        "FROM chargepoints_command WHERE chargepoint_id=?",
        chargepoint_id,
    ) + sqlite_rows(
        database,
        "SELECT payload FROM ocpp_gateway_ocppmessage WHERE chargepoint_id=?",
        chargepoint_id,
    )
    stored = json.dumps(rows)
    assert rows
    assert password not in stored
    assert password.encode().hex() not in stored.lower()


@pytest.mark.parametrize(("version", "ask"), [("1.6", through_cli), ("2.0.1", through_api)])
def test_a_charger_reconnects_with_its_new_password_and_the_old_one_is_refused(
    server, version, ask
):
    base_url, _, database = server
    chargepoint_id = CHARGERS[version, "Accepted"]

    frame, record = rotation(server, version, "Accepted", ask)

    new = presented_password(frame)
    assert 16 <= len(new) <= 40
    assert record["status"] == "ACCEPTED"
    assert record["command"] == "SET_PASSWORD"
    assert new not in json.dumps(record)
    assert asyncio.run(admitted(base_url, chargepoint_id, version, new))
    assert not asyncio.run(admitted(base_url, chargepoint_id, version, OLD))
    assert sqlite_rows(
        database,
        "SELECT security_profile FROM chargepoints_chargepoint WHERE chargepoint_id=?",
        chargepoint_id,
    ) == [(1,)]
    nowhere_stored(database, chargepoint_id, new)


@pytest.mark.parametrize(("version", "ask"), [("1.6", through_api), ("2.0.1", through_cli)])
def test_a_charger_that_rejects_the_new_password_keeps_the_old_one(server, version, ask):
    base_url, _, database = server
    chargepoint_id = CHARGERS[version, "Rejected"]

    frame, record = rotation(server, version, "Rejected", ask)

    new = presented_password(frame)
    assert record["status"] == "REJECTED"
    if ask is through_cli:
        assert record["exit_code"] != 0
    assert asyncio.run(admitted(base_url, chargepoint_id, version, OLD))
    assert not asyncio.run(admitted(base_url, chargepoint_id, version, new))
    nowhere_stored(database, chargepoint_id, new)


@pytest.mark.parametrize(("version", "ask"), [("1.6", through_api), ("2.0.1", through_cli)])
def test_a_charger_that_must_reboot_first_gets_in_with_either_until_it_uses_the_new_one(
    server, version, ask
):
    # Not rebooted yet, it reconnects with the old password; refused, it
    # would pile up failed logins towards a lock-out.
    base_url, _, database = server
    chargepoint_id = CHARGERS[version, "RebootRequired"]

    frame, record = rotation(server, version, "RebootRequired", ask)

    new = presented_password(frame)
    assert record["status"] == "ACCEPTED"
    assert asyncio.run(admitted(base_url, chargepoint_id, version, OLD))
    assert asyncio.run(admitted(base_url, chargepoint_id, version, OLD))
    # Rebooted, it presents the new one: from then on only that admits it.
    assert asyncio.run(admitted(base_url, chargepoint_id, version, new))
    assert not asyncio.run(admitted(base_url, chargepoint_id, version, OLD))
    assert asyncio.run(admitted(base_url, chargepoint_id, version, new))
    nowhere_stored(database, chargepoint_id, new)


@pytest.mark.parametrize(("version", "status"), [("1.6", "FAILED"), ("2.0.1", "REJECTED")])
def test_a_password_the_charger_says_back_is_stored_nowhere(server, version, status):
    base_url, _, database = server
    chargepoint_id = CHARGERS[version, ECHO]

    frame, record = rotation(server, version, ECHO, through_api)

    new = presented_password(frame)
    assert record["status"] == status
    assert new not in json.dumps(record)
    assert new.encode().hex() not in json.dumps(record)
    assert asyncio.run(admitted(base_url, chargepoint_id, version, OLD))
    nowhere_stored(database, chargepoint_id, new)

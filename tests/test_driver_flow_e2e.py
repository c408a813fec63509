"""End to end: a driver's whole charging, through the documented API only.

Issue 5's "done when": a driver can register, add an id tag and a vehicle,
find a nearby location, start charging, watch it live and see the finished
transaction with its energy. Here against a real server process (Daphne) and
a real simulated charger in ``--remote`` mode, for an OCPP 1.6 charger and an
OCPP 2.0.1 charger. The driver uses nothing but HTTP and a WebSocket, as an
app would: even "is the charger online?" is read from the location search.
"""

import json
import time
from datetime import datetime
from urllib.parse import quote, urlencode

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.server import database_copy, http_json, project_env, running_server, simulated_charger
from tests.waiting import DEADLINE, wait_until

pytestmark = pytest.mark.e2e

BMW = "DE*BMW*ETEST1234567890AB"
CP16 = "CP-DEMO-16"
DEMO_LOCATION = "DEMO-LOC-1"
CHARGERS = {"1.6": CP16, "2.0.1": BMW}
CONNECTORS = {"1.6": [1, 2], "2.0.1": [1]}
# About 300 m from the demo depot (52.5304, 13.3848): well inside a 5 km radius.
NEARBY = {"latitude": "52.5330", "longitude": "13.3870"}
ENERGY = "Energy.Active.Import.Register"
# Each version registers its own drivers and tag: one server serves both.
DRIVERS = {
    "1.6": {"a": "+66812345601", "b": "+66812345611", "tag": "E2E-APP-0001"},
    "2.0.1": {"a": "+66812345602", "b": "+66812345612", "tag": "E2E-APP-0002"},
}
PASSWORD = "e2e driver password 42"


# -- the server and the charger -----------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(demo_database_template, tmp_path_factory.mktemp("driver-flow"))
    env = project_env(
        SQLITE_PATH=str(database),
        # Registration and login share a throttle per client address; every
        # request here comes from 127.0.0.1.
        CSMS_THROTTLE_LOGIN="1000/min",
        CSMS_THROTTLE_ANON="1000/min",
        # The test polls faster than an app should; rates are not its subject.
        CSMS_THROTTLE_USER="100000/min",
    )
    with running_server(env) as base_url:
        yield base_url


# -- the driver's side: HTTP and WebSocket --------------------------------------


def api(
    base_url: str, method: str, path: str, body: dict | None = None, *, token: str | None = None
) -> tuple[int, dict]:
    headers = {"Authorization": f"Token {token}"} if token is not None else {}
    return http_json(method, f"{base_url}/api/v1/{path}", body, headers=headers)


def results(body) -> list:
    """A list endpoint's items, paginated or not."""
    return body["results"] if isinstance(body, dict) else body


def register(base_url: str, phone_number: str) -> str:
    status, body = api(
        base_url, "POST", "auth/register/", {"phone_number": phone_number, "password": PASSWORD}
    )
    assert status == 201, body
    assert body["token"], body
    assert body["user"]["phone_number"] == phone_number, body
    status, body = api(
        base_url, "POST", "auth/login/", {"phone_number": phone_number, "password": PASSWORD}
    )
    assert status == 200, body
    return body["token"]


def live_url(base_url: str, transaction_id: int, token: str | None) -> str:
    url = base_url.replace("http://", "ws://") + f"/ws/v1/transactions/{transaction_id}/"
    return url + (f"?token={quote(token)}" if token is not None else "")


def close_code(url: str) -> int:
    """The code the live socket is closed with, when it is closed without a message."""
    with (
        ws_connect(url, open_timeout=DEADLINE) as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=DEADLINE)
    return closed.value.rcvd.code


def receive(socket, seconds: float = DEADLINE) -> dict:
    return json.loads(socket.recv(timeout=seconds))


def nearby_chargepoint(
    base_url: str, chargepoint_id: str, *, token: str | None, near: dict = NEARBY
) -> dict | None:
    """The charger as the location search around ``near`` shows it; None when not found."""
    query = urlencode({**near, "radius": 5})
    status, body = api(base_url, "GET", f"locations/?{query}", token=token)
    assert status == 200, body
    location = next((x for x in results(body) if x["id"] == DEMO_LOCATION), None)
    if location is None:
        return None
    assert 0 < location["distance_km"] < 5, location
    return next(
        (x for x in location["chargepoints"] if x["chargepoint_id"] == chargepoint_id), None
    )


def wait_until_available(base_url: str, chargepoint_id: str, token: str) -> None:
    """What an app shows before it offers "start": the charger online, connector 1 free."""
    seen = {}

    def available() -> bool:
        seen["chargepoint"] = nearby_chargepoint(base_url, chargepoint_id, token=token)
        connector = next(x for x in seen["chargepoint"]["connectors"] if x["connector_id"] == 1)
        return seen["chargepoint"]["connected"] and connector["status"] == "AVAILABLE"

    wait_until(
        available,
        interval=0.1,
        what=lambda: f"{chargepoint_id} online and available: {seen['chargepoint']}",
    )


# -- the flow ---------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_driver_registers_finds_a_charger_charges_live_and_sees_the_finished_transaction(
    server, version
):
    base_url = server
    chargepoint_id = CHARGERS[version]
    people = DRIVERS[version]

    # 1. Register and log in, by phone number.
    token = register(base_url, people["a"])
    other = register(base_url, people["b"])

    # 2. An id tag and a vehicle.
    status, tag = api(base_url, "POST", "id-tags/", {"id_token": people["tag"]}, token=token)
    assert status == 201, tag
    assert tag["id_token"] == people["tag"]
    status, vehicle = api(
        base_url,
        "POST",
        "vehicles/",
        {"license_plate": f"E2E {people['tag'][-4:]}", "make": "BMW", "model": "i4"},
        token=token,
    )
    assert status == 201, vehicle

    # 3. A nearby location with this charger and its connectors, for drivers and anonymously.
    for who in (token, None):
        chargepoint = nearby_chargepoint(base_url, chargepoint_id, token=who)
        assert chargepoint is not None, f"{chargepoint_id} is not near {NEARBY}"
        assert [x["connector_id"] for x in chargepoint["connectors"]] == CONNECTORS[version]
    # Not found from far away: Bangkok is not near Berlin.
    far = {"latitude": "13.7563", "longitude": "100.5018"}
    assert nearby_chargepoint(base_url, chargepoint_id, token=token, near=far) is None

    ws_base = base_url.replace("http://", "ws://")
    with simulated_charger(ws_base, version, chargepoint_id) as (_, charger_saw):
        wait_until_available(base_url, chargepoint_id, token)

        # 4. Start charging.
        status, session = api(
            base_url,
            "POST",
            "sessions/",
            {
                "chargepoint_id": chargepoint_id,
                "connector_id": 1,
                "id_tag": people["tag"],
                "vehicle": vehicle["id"],
            },
            token=token,
        )
        assert status in (201, 202), session
        assert session["status"] in ("STARTING", "CHARGING"), session
        session_id = session["session_id"]

        # 5. The charger starts a transaction, and the session shows it.
        def with_transaction() -> dict | None:
            status, body = api(base_url, "GET", f"sessions/{session_id}/", token=token)
            assert status == 200, body
            return body if body["transaction"] is not None else None

        session = wait_until(with_transaction, interval=0.2, what="a transaction for the session")
        tx_id = session["transaction"]["transaction_id"]
        assert session["transaction"]["chargepoint_id"] == chargepoint_id
        assert session["transaction"]["id_token"] == people["tag"]
        assert session["transaction"]["vehicle"] == vehicle["id"]

        # 6. Watch it live; nobody else may, and not without a token.
        assert close_code(live_url(base_url, tx_id, other)) == 4403
        assert close_code(live_url(base_url, tx_id, None)) == 4401
        with ws_connect(live_url(base_url, tx_id, token), open_timeout=DEADLINE) as socket:
            snapshot = receive(socket)
            assert snapshot["type"] == "transaction.snapshot", snapshot
            assert snapshot["status"] == "ACTIVE", snapshot
            assert snapshot["transaction_id"] == tx_id
            energy = [snapshot["energy_kwh"]]
            deadline = time.monotonic() + DEADLINE
            while energy[-1] <= snapshot["energy_kwh"]:
                assert time.monotonic() < deadline, f"no energy flowed: {energy}"
                update = receive(socket)
                assert update["type"] == "transaction.update", update
                assert update["status"] == "ACTIVE", update
                energy.append(update["energy_kwh"])
            assert energy == sorted(energy), energy

            # 7. Stop: the socket gets the final state and is closed normally.
            status, stopped = api(base_url, "POST", f"sessions/{session_id}/stop/", token=token)
            assert status == 202, stopped
            deadline = time.monotonic() + DEADLINE
            update = snapshot
            while update["status"] == "ACTIVE":
                assert time.monotonic() < deadline, "the transaction did not end"
                update = receive(socket)
                assert update["type"] == "transaction.update", update
            assert update["status"] == "COMPLETED", update
            assert update["stopped_at"] is not None
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=DEADLINE)
            assert closed.value.rcvd.code == 1000
    # The charger validates every answer against the OCPP schemas: none was wrong.
    assert charger_saw.errors == 0, charger_saw.error_samples

    status, tx = api(base_url, "GET", f"transactions/{tx_id}/", token=token)
    assert status == 200, tx
    assert tx["status"] == "COMPLETED", tx
    assert tx["stopped_at"] is not None, tx
    assert tx["session_id"] == session_id
    assert tx["energy_kwh"] > 0, tx
    assert tx["energy_kwh"] == round((tx["wh_meter_stop"] - tx["wh_meter_start"]) / 1000, 3), tx
    assert update["energy_kwh"] == tx["energy_kwh"]

    status, session = api(base_url, "GET", f"sessions/{session_id}/", token=token)
    assert (status, session["status"]) == (200, "COMPLETED"), session

    status, body = api(
        base_url,
        "GET",
        f"transactions/{tx_id}/meter-values/?{urlencode({'measurand': ENERGY})}",
        token=token,
    )
    assert status == 200, body
    series = results(body)
    assert series, body
    assert {sample["measurand"] for sample in series} == {ENERGY}
    stamps = [datetime.fromisoformat(sample["timestamp"]) for sample in series]
    assert stamps == sorted(stamps), stamps
    readings = [sample["numeric_value"] for sample in series]
    assert tx["wh_meter_start"] <= min(readings) <= max(readings) <= tx["wh_meter_stop"], readings

    status, body = api(base_url, "GET", "notifications/", token=token)
    assert status == 200, body
    told = {note["type"] for note in results(body) if note["transaction_id"] == tx_id}
    assert {"CHARGING_STARTED", "CHARGING_COMPLETED"} <= told, body

    # 8. Another driver sees none of it.
    for path in (
        f"sessions/{session_id}/",
        f"transactions/{tx_id}/",
        f"transactions/{tx_id}/meter-values/",
    ):
        status, body = api(base_url, "GET", path, token=other)
        assert status == 404, (path, body)
    status, body = api(base_url, "POST", f"sessions/{session_id}/stop/", token=other)
    assert status == 404, body
    status, body = api(base_url, "GET", "notifications/", token=other)
    assert status == 200, body
    assert not [note for note in results(body) if note["transaction"] == tx_id], body

"""The staff's live socket /ws/admin/live/: who may open it, and what it tells them.

In-process (channels' communicator) for the rights and the origin check; a
real server and a real charger end to end.
"""

import asyncio
import contextlib
import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from urllib.parse import quote

import pytest
import websockets
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings

from accounts.services import user_create
from chargepoints.services.live import STAFF_GROUP
from csms.asgi import application
from tests.rights import OPERATORS, user_in_group
from tests.server import DEMO_OPERATOR_PASSWORD, database_copy, project_env, running_server
from tests.waiting import DEADLINE

PATH = "/ws/admin/live/"
OWN_ORIGIN = "http://testserver"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def handshake_headers(session: str | None = None, origin: str | None = OWN_ORIGIN, **extra):
    headers = [(b"host", b"testserver")]
    if session is not None:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers += [(name.encode(), value.encode()) for name, value in extra.items()]
    return headers


async def opened(path: str, headers) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=DEADLINE)
    assert connected
    return socket


def close_code(headers, path: str = PATH) -> int | None:
    async def scenario():
        socket = await opened(path, headers)
        output = await socket.receive_output(timeout=DEADLINE)
        await socket.wait()
        return output["code"] if output["type"] == "websocket.close" else None

    return asyncio.run(scenario())


async def note(*changes: tuple[str, str]) -> None:
    await get_channel_layer().group_send(
        STAFF_GROUP,
        {
            "type": "network.changed",
            "changes": [{"chargepoint_id": cp, "what": what} for cp, what in changes],
        },
    )


@pytest.fixture
def operator(transactional_db):
    return user_in_group(OPERATORS, username="ops", is_staff=True)


# -- who may open it ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_browser_that_is_not_logged_in():
    assert close_code(handshake_headers()) == 4401


@pytest.mark.django_db(transaction=True)
def test_it_refuses_staff_without_the_permission_to_view_chargers():
    staff = user_create(username="bare-staff", password="x", is_staff=True)
    assert close_code(handshake_headers(session_cookie(staff))) == 4403


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_user_who_is_not_staff():
    # The Operators' rights without the admin: not an admin session.
    member = user_in_group(OPERATORS, username="not-staff", is_staff=False)
    assert close_code(handshake_headers(session_cookie(member))) == 4401


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_page_of_another_site(operator):
    session = session_cookie(operator)
    assert close_code(handshake_headers(session, origin="https://evil.example")) == 4403
    # Same host, another scheme or port: another origin.
    assert close_code(handshake_headers(session, origin="https://testserver")) == 4403
    assert close_code(handshake_headers(session, origin="http://testserver:8080")) == 4403


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_handshake_without_an_origin(operator):
    assert close_code(handshake_headers(session_cookie(operator), origin=None)) == 4403


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_host_that_is_not_allowed(operator):
    # DNS rebinding: a foreign name pointed at this server.
    headers = handshake_headers(session_cookie(operator), origin="http://rebound.example")
    headers[0] = (b"host", b"rebound.example")
    assert close_code(headers) == 4403


@pytest.mark.django_db(transaction=True)
@override_settings(CSRF_TRUSTED_ORIGINS=["https://admin.example.com", "https://*.ops.example"])
def test_it_admits_the_trusted_origins(operator):
    session = session_cookie(operator)

    async def admitted(origin: str) -> bool:
        socket = await opened(PATH, handshake_headers(session, origin=origin))
        await note(("CP-1", "status"))
        output = await socket.receive_output(timeout=DEADLINE)
        await socket.disconnect()
        return output["type"] == "websocket.send"

    assert asyncio.run(admitted("https://admin.example.com"))
    assert asyncio.run(admitted("https://north.ops.example"))
    assert close_code(handshake_headers(session, origin="http://north.ops.example")) == 4403


@pytest.mark.django_db(transaction=True)
@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_the_own_origin_is_https(operator):
    session = session_cookie(operator)
    behind = {"x-forwarded-proto": "https"}
    assert close_code(handshake_headers(session, origin=OWN_ORIGIN, **behind)) == 4403

    async def scenario():
        socket = await opened(
            PATH, handshake_headers(session, origin="https://testserver", **behind)
        )
        await note(("CP-1", "status"))
        message = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect()
        return message

    assert asyncio.run(scenario())["changes"] == [{"chargepoint_id": "CP-1", "what": "status"}]


# -- what it tells ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_operator_hears_every_change_of_the_network(operator):
    session = session_cookie(operator)

    async def scenario():
        socket = await opened(PATH, handshake_headers(session))
        await note(("CP 1", "connection"), ("CP-2", "energy"))
        message = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect()
        return message

    assert asyncio.run(scenario()) == {
        "type": "network.changed",
        "changes": [
            {"chargepoint_id": "CP 1", "what": "connection"},
            {"chargepoint_id": "CP-2", "what": "energy"},
        ],
    }


@pytest.mark.django_db(transaction=True)
def test_a_chargers_page_hears_only_that_charger(operator):
    path = f"{PATH}?chargepoint={quote('CP 1/ü', safe='')}"
    session = session_cookie(operator)

    async def scenario():
        socket = await opened(path, handshake_headers(session))
        await note(("CP-2", "status"))
        await note(("CP-2", "energy"), ("CP 1/ü", "status"))
        message = await socket.receive_json_from(timeout=DEADLINE)
        quiet = await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
        return message, quiet

    message, quiet = asyncio.run(scenario())
    assert message["changes"] == [{"chargepoint_id": "CP 1/ü", "what": "status"}]
    assert quiet


@pytest.mark.django_db(transaction=True)
def test_logging_out_closes_the_socket(operator, monkeypatch):
    monkeypatch.setattr("chargepoints.admin.live.RIGHTS_RECHECK_SECONDS", 0.05)
    client = Client()
    client.force_login(operator)
    session = client.cookies["sessionid"].value

    async def scenario():
        socket = await opened(PATH, handshake_headers(session))
        await note(("CP-1", "status"))
        heard = await socket.receive_json_from(timeout=DEADLINE)
        await asyncio.to_thread(client.logout)
        closed = await socket.receive_output(timeout=DEADLINE)
        return heard, closed

    heard, closed = asyncio.run(scenario())
    assert heard["changes"] == [{"chargepoint_id": "CP-1", "what": "status"}]
    assert closed == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
def test_losing_the_permission_closes_the_socket(operator, monkeypatch):
    monkeypatch.setattr("chargepoints.admin.live.RIGHTS_RECHECK_SECONDS", 0.05)
    session = session_cookie(operator)

    async def scenario():
        socket = await opened(PATH, handshake_headers(session))
        await asyncio.to_thread(operator.groups.clear)
        return await socket.receive_output(timeout=DEADLINE)

    assert asyncio.run(scenario()) == {"type": "websocket.close", "code": 4403}


# -- end to end: a real server, a real charger ----------------------------------------

CHARGER = "CP-DEMO-16"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(demo_database_template, tmp_path_factory.mktemp("admin-live"))
    with running_server(project_env(SQLITE_PATH=str(database))) as base_url:
        yield base_url


def admin_login(base_url: str) -> str:
    """The session cookie of the demo operator, logged in through the admin's form."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"{base_url}/admin/login/", timeout=DEADLINE).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "operator", "password": DEMO_OPERATOR_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/admin/login/?next=/admin/",
        data=form,
        headers={"Referer": f"{base_url}/admin/login/"},
    )
    browser.open(request, timeout=DEADLINE).read()
    return next(cookie.value for cookie in jar if cookie.name == "sessionid")


@contextlib.asynccontextmanager
async def staff_socket(base_url: str, session: str, query: str = ""):
    ws_base = base_url.replace("http://", "ws://")
    async with websockets.connect(
        f"{ws_base}{PATH}{query}",
        origin=base_url,
        additional_headers={"Cookie": f"sessionid={session}"},
        open_timeout=DEADLINE,
    ) as socket:
        yield socket


async def notes_until(socket, wanted: set[str], chargepoint_id: str) -> set[str]:
    """The kinds of change heard about the charger, until all ``wanted`` came (or the deadline)."""
    heard: set[str] = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not wanted <= heard and loop.time() < deadline:
        try:
            raw = await asyncio.wait_for(socket.recv(), deadline - loop.time())
        except TimeoutError:
            break
        message = json.loads(raw)
        assert message["type"] == "network.changed"
        heard |= {c["what"] for c in message["changes"] if c["chargepoint_id"] == chargepoint_id}
    return heard


async def call(ws, action: str, payload: dict) -> dict:
    """One OCPP 1.6 call, as a charger sends it; the CALLRESULT's payload."""
    call.number += 1
    unique_id = str(call.number)
    await ws.send(json.dumps([2, unique_id, action, payload]))
    while True:
        answer = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
        if answer[0] == 3 and answer[1] == unique_id:
            return answer[2]
        assert answer[0] != 4, answer


call.number = 0


async def charging_session(base_url: str) -> None:
    """BootNotification, StatusNotification, a transaction with meter values, its stop."""
    ws_base = base_url.replace("http://", "ws://")
    async with websockets.connect(
        f"{ws_base}/ocpp/{quote(CHARGER, safe='')}",
        subprotocols=["ocpp1.6"],
        open_timeout=DEADLINE,
    ) as ws:
        await call(
            ws, "BootNotification", {"chargePointVendor": "Test", "chargePointModel": "Live"}
        )
        await call(
            ws,
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"},
        )
        started = await call(
            ws,
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": "DEMO-RFID-0001",
                "meterStart": 1000,
                "timestamp": "2026-01-01T10:00:00Z",
            },
        )
        for number in range(1, 4):
            await call(
                ws,
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": started["transactionId"],
                    "meterValue": [
                        {
                            "timestamp": f"2026-01-01T10:0{number}:00Z",
                            "sampledValue": [{"value": str(1000 + 500 * number)}],
                        }
                    ],
                },
            )
        await call(
            ws,
            "StopTransaction",
            {
                "meterStop": 3000,
                "timestamp": "2026-01-01T10:05:00Z",
                "transactionId": started["transactionId"],
            },
        )


@pytest.mark.e2e
def test_the_operator_hears_a_charger_connect_report_and_charge(server):
    session = admin_login(server)

    async def scenario():
        async with (
            staff_socket(server, session) as everything,
            staff_socket(server, session, f"?chargepoint={quote(CHARGER, safe='')}") as own,
            staff_socket(server, session, "?chargepoint=OTHER") as other,
        ):
            await charging_session(server)
            wanted = {"connection", "status", "energy", "transaction"}
            heard_all = await notes_until(everything, wanted, CHARGER)
            heard_own = await notes_until(own, wanted, CHARGER)
            # The stop, then the charger leaving: its going offline is heard too.
            heard_left = await notes_until(everything, {"connection"}, CHARGER)
            try:
                stray = await asyncio.wait_for(other.recv(), 1.0)
            except TimeoutError:
                stray = None
            return heard_all, heard_own, heard_left, stray

    heard_all, heard_own, heard_left, stray = asyncio.run(scenario())
    assert heard_all == {"connection", "status", "energy", "transaction"}
    assert heard_own == {"connection", "status", "energy", "transaction"}
    assert "connection" in heard_left
    assert stray is None


@pytest.mark.e2e
def test_a_foreign_page_cannot_open_the_socket_with_the_operators_cookie(server):
    session = admin_login(server)

    async def attempt(origin: str | None) -> int:
        ws_base = server.replace("http://", "ws://")
        async with websockets.connect(
            f"{ws_base}{PATH}",
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=DEADLINE,
        ) as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), DEADLINE)
            return closed.value.rcvd.code

    assert asyncio.run(attempt("https://evil.example")) == 4403
    assert asyncio.run(attempt(None)) == 4403

"""A driver's live socket (WebSocket /ws/v1/live/): their sessions, notifications and chargers.

In process first (Channels' communicator against the ASGI application),
then end to end: a real server, a real simulated charger, a driver's app
doing nothing but HTTP and one WebSocket.
"""

import asyncio
import json
from urllib.parse import quote

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from websockets.exceptions import ConnectionClosed

from accounts.enums import NotificationType, UserStatus
from accounts.services import notification_create, user_create, user_set_status
from accounts.services.live import SESSION, user_note
from chargepoints.enums import ReservationStatus, SessionStatus
from chargepoints.models import ChargingSession, Reservation
from chargepoints.services.connections import (
    Connection,
    chargepoint_connected,
    chargepoint_disconnected,
)
from csms.asgi import application
from tests.ocpp_gateway.dropping_charger import dropping_charger
from tests.server import (
    DEMO_OPERATOR_PASSWORD,
    database_copy,
    http_json,
    project_env,
    running_server,
)
from tests.tokens import app, token_for
from tests.waiting import DEADLINE

LIVE = "/ws/v1/live/"


# -- in process ------------------------------------------------------------------


async def connect(path: str = LIVE, *, token: str | None = None, headers=None):
    if token is not None:
        path += f"?token={quote(token)}"
    socket = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await socket.connect(timeout=DEADLINE)
    assert connected
    return socket


def in_thread(function, /, **kwargs):
    """Run a service as the server does: in a thread, committing on its own."""
    return database_sync_to_async(function)(**kwargs)


def rest(token: str, path: str) -> dict:
    response = app(token).get(f"/api/v1/{path}")
    assert response.status_code == 200, response.content
    return response.json()


def open_session(chargepoint, connector, user, status=SessionStatus.CHARGING) -> ChargingSession:
    return ChargingSession.objects.create(
        chargepoint=chargepoint, connector=connector, user=user, status=status
    )


def other_driver():
    return user_create(username="other", password="pw other 123", phone_number="+66800000009")


@pytest.mark.django_db(transaction=True)
def test_the_first_message_is_a_snapshot_of_open_sessions_and_unread_notifications(
    chargepoint, connector, driver
):
    charging = open_session(chargepoint, connector, driver)
    ChargingSession.objects.create(
        chargepoint=chargepoint, user=driver, status=SessionStatus.COMPLETED
    )
    notification_create(user=driver, type=NotificationType.GENERAL, title="One", message="1")
    notification_create(user=None, type=NotificationType.GENERAL, title="All", message="2")
    key = token_for(driver)

    async def scenario():
        socket = await connect(token=key)
        snapshot = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect()
        return snapshot

    snapshot = asyncio.run(scenario())
    assert snapshot["type"] == "snapshot"
    assert snapshot["at"].endswith("Z")
    # Each session exactly as the REST API shows it; the finished one is left out.
    assert snapshot["data"] == {
        "sessions": [rest(key, f"sessions/{charging.session_id}/")],
        "unread_notifications": 2,
    }


@pytest.mark.django_db(transaction=True)
def test_a_change_of_a_session_sends_it_as_the_rest_api_shows_it(chargepoint, connector, driver):
    session = open_session(chargepoint, connector, driver)
    key = token_for(driver)

    def finish():
        ChargingSession.objects.filter(pk=session.pk).update(status=SessionStatus.COMPLETED)
        user_note(user_id=driver.pk, what=SESSION, id=session.session_id)

    async def scenario():
        socket = await connect(token=key)
        await socket.receive_json_from(timeout=DEADLINE)
        await in_thread(finish)
        message = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect()
        return message

    message = asyncio.run(scenario())
    assert message["type"] == "session"
    assert message["data"]["status"] == "COMPLETED"
    assert message["data"] == rest(key, f"sessions/{session.session_id}/")


@pytest.mark.django_db(transaction=True)
def test_the_token_may_come_in_an_authorization_header(driver):
    key = token_for(driver)

    async def scenario():
        socket = await connect(headers=[(b"authorization", f"Token {key}".encode())])
        snapshot = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect()
        return snapshot

    assert asyncio.run(scenario())["type"] == "snapshot"


@pytest.mark.django_db(transaction=True)
def test_a_driver_hears_nothing_of_another_drivers_things(chargepoint, connector, driver):
    other = other_driver()
    theirs = open_session(chargepoint, connector, other)
    key = token_for(driver)

    def their_changes_then_mine():
        # Addressed to the other driver, and one wrongly addressed to us: neither is shown.
        user_note(user_id=other.pk, what=SESSION, id=theirs.session_id)
        user_note(user_id=driver.pk, what=SESSION, id=theirs.session_id)
        notification_create(user=other, type=NotificationType.GENERAL, title="T", message="t")
        notification_create(user=driver, type=NotificationType.GENERAL, title="Mine", message="m")

    async def scenario():
        socket = await connect(token=key)
        snapshot = await socket.receive_json_from(timeout=DEADLINE)
        await in_thread(their_changes_then_mine)
        first = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect()
        return snapshot, first

    snapshot, first = asyncio.run(scenario())
    assert snapshot["data"]["sessions"] == []
    # The first thing heard is the driver's own notification.
    assert (first["type"], first["data"]["title"]) == ("notification", "Mine")
    assert first["data"] == rest(key, f"notifications/{first['data']['id']}/")


@pytest.mark.django_db(transaction=True)
def test_a_notification_to_everyone_reaches_every_socket(driver):
    other = other_driver()
    keys = [token_for(driver), token_for(other)]

    async def scenario():
        sockets = [await connect(token=key) for key in keys]
        for socket in sockets:
            await socket.receive_json_from(timeout=DEADLINE)
        await in_thread(
            notification_create,
            user=None,
            type=NotificationType.SYSTEM_MAINTENANCE,
            title="Maintenance tonight",
            message="22:00-23:00",
        )
        heard = [await socket.receive_json_from(timeout=DEADLINE) for socket in sockets]
        for socket in sockets:
            await socket.disconnect()
        return heard

    for message in asyncio.run(scenario()):
        assert message["type"] == "notification"
        assert message["data"]["title"] == "Maintenance tonight"
        assert message["data"]["user"] is None
        assert message["data"]["read"] is False


@pytest.mark.django_db(transaction=True)
def test_a_charger_going_offline_and_online_is_told_to_its_drivers(chargepoint, connector, driver):
    open_session(chargepoint, connector, driver)
    holder = other_driver()
    Reservation.objects.create(
        reservation_id=1,
        chargepoint=chargepoint,
        connector=connector,
        user=holder,
        start_time=chargepoint.created_at,
        expiry_date=chargepoint.created_at.replace(year=chargepoint.created_at.year + 1),
        status=ReservationStatus.ACTIVE,
    )
    bystander = user_create(username="by", password="pw bystander 1", phone_number="+66800000010")
    keys = {"driver": token_for(driver), "holder": token_for(holder), "by": token_for(bystander)}
    connection = Connection(connection_id="c-1", ocpp_version="ocpp1.6")

    async def scenario():
        sockets = {who: await connect(token=key) for who, key in keys.items()}
        for socket in sockets.values():
            await socket.receive_json_from(timeout=DEADLINE)
        await in_thread(chargepoint_connected, chargepoint_id=chargepoint.pk, connection=connection)
        online = {
            who: await sockets[who].receive_json_from(timeout=DEADLINE)
            for who in ("driver", "holder")
        }
        await in_thread(
            chargepoint_disconnected, chargepoint_id=chargepoint.pk, connection_id="c-1"
        )
        offline = await sockets["driver"].receive_json_from(timeout=DEADLINE)
        # The bystander heard of neither: the first thing it hears is its own notification.
        await in_thread(
            notification_create,
            user=bystander,
            type=NotificationType.GENERAL,
            title="Yours",
            message="y",
        )
        bystanders = await sockets["by"].receive_json_from(timeout=DEADLINE)
        for socket in sockets.values():
            await socket.disconnect()
        return online, offline, bystanders

    online, offline, bystanders = asyncio.run(scenario())
    for message in online.values():
        assert message["type"] == "charger"
        assert message["data"]["chargepoint_id"] == chargepoint.pk
        assert message["data"]["connection"] == "ONLINE"
    assert offline["data"]["connection"] == "OFFLINE"
    assert set(offline["data"]) == {"chargepoint_id", "connection", "status"}
    # The public status, as the REST API shows it: unknown while offline.
    shown = rest(keys["driver"], f"charge-points/{chargepoint.pk}/")
    assert offline["data"]["status"] == shown["status"] == "UNKNOWN"
    assert bystanders["type"] == "notification"


def close_code(path: str = LIVE, *, token: str | None = None) -> int:
    async def scenario():
        socket = await connect(path, token=token)
        return await socket.receive_output(timeout=DEADLINE)

    output = asyncio.run(scenario())
    assert output["type"] == "websocket.close", output
    return output["code"]


@pytest.mark.django_db(transaction=True)
def test_no_token_or_a_bad_one_is_refused_with_4401(driver):
    assert close_code() == 4401
    assert close_code(token="nope") == 4401


@pytest.mark.django_db(transaction=True)
def test_a_blocked_drivers_token_is_refused_and_an_open_socket_closed(driver):
    key = token_for(driver)

    async def scenario():
        socket = await connect(token=key)
        await socket.receive_json_from(timeout=DEADLINE)
        await in_thread(user_set_status, user=driver, status=UserStatus.BLOCKED)
        return await socket.receive_output(timeout=DEADLINE)

    closed = asyncio.run(scenario())
    assert closed == {"type": "websocket.close", "code": 4401}
    assert close_code(token=key) == 4401


# -- end to end -------------------------------------------------------------------

CP16 = "CP-DEMO-16"
PASSWORD = "e2e live password 42"
TAG = "E2E-LIVE-0001"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(demo_database_template, tmp_path_factory.mktemp("user-live"))
    env = project_env(
        SQLITE_PATH=str(database), CSMS_THROTTLE_LOGIN="1000/min", CSMS_THROTTLE_ANON="1000/min"
    )
    with running_server(env) as base_url:
        yield base_url


def api(base_url, method, path, body=None, *, token=None):
    headers = {"Authorization": f"Token {token}"} if token is not None else {}
    return http_json(method, f"{base_url}/api/v1/{path}", body, headers=headers)


async def api_async(*args, **kwargs):
    # An app's HTTP requests, while its socket keeps listening.
    return await asyncio.to_thread(api, *args, **kwargs)


def log_in(base_url: str, **credentials) -> str:
    status, body = api(base_url, "POST", "auth/login/", credentials)
    assert status == 200, body
    return body["token"]


def register(base_url: str, phone_number: str) -> str:
    status, body = api(
        base_url, "POST", "auth/register/", {"phone_number": phone_number, "password": PASSWORD}
    )
    assert status == 201, body
    return body["token"]


def live(base_url: str, token: str):
    url = base_url.replace("http://", "ws://") + f"{LIVE}?token={quote(token)}"
    return websockets.connect(url, open_timeout=DEADLINE)


async def receive(socket) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), DEADLINE))


async def next_of(socket, kind: str) -> dict:
    """The next message of ``kind``; others on the way are skipped."""
    while True:
        message = await receive(socket)
        if message["type"] == kind:
            return message


@pytest.mark.e2e
def test_a_driver_follows_a_charge_a_charger_going_offline_and_a_notification_live(server):
    base_url = server
    ws_base = base_url.replace("http://", "ws://")
    token = register(base_url, "+66812345681")
    other = register(base_url, "+66812345682")
    operator = log_in(base_url, username="operator", password=DEMO_OPERATOR_PASSWORD)
    status, tag = api(base_url, "POST", "id-tags/", {"id_token": TAG}, token=token)
    assert status == 201, tag
    me = api(base_url, "GET", "me/", token=token)[1]
    their_me = api(base_url, "GET", "me/", token=other)[1]

    async def scenario():
        async with live(base_url, token) as socket, live(base_url, other) as others:
            snapshot = await next_of(socket, "snapshot")
            assert snapshot["data"]["sessions"] == []
            assert (await next_of(others, "snapshot"))["data"]["sessions"] == []

            async with dropping_charger(ws_base, CP16):
                status, session = await api_async(
                    base_url,
                    "POST",
                    "sessions/",
                    {"chargepoint_id": CP16, "connector_id": 1, "id_tag": TAG},
                    token=token,
                )
                assert status in (201, 202), session
                # The session's states arrive as the charger moves it on, each as
                # REST shows it, and the notification that charging started.
                seen, told = [], []
                while not (seen and seen[-1]["status"] == "CHARGING" and told):
                    message = await receive(socket)
                    if message["type"] == "session":
                        assert message["data"]["session_id"] == session["session_id"]
                        seen.append(message["data"])
                    elif message["type"] == "notification":
                        assert message["data"]["type"] == "CHARGING_STARTED", message
                        told.append(message["data"])
                statuses = [data["status"] for data in seen]
                assert set(statuses) <= {"REQUESTED", "STARTING", "CHARGING"}, statuses
                assert told[0]["transaction_id"] == seen[-1]["transaction"]["transaction_id"]
                status, shown = await api_async(
                    base_url, "GET", f"sessions/{session['session_id']}/", token=token
                )
                assert shown["status"] == "CHARGING", shown
                assert shown["session_id"] == seen[-1]["session_id"]
            # The charger dropped its connection mid-charge: the driver hears it.
            offline = await next_of(socket, "charger")
            assert offline["data"]["chargepoint_id"] == CP16
            assert offline["data"]["connection"] == "OFFLINE"
            assert offline["data"]["status"] == "UNKNOWN"

            # An operator writes to the driver.
            body = {"user": me["id"], "type": "GENERAL", "title": "Hello", "message": "Hi"}
            status, sent = await api_async(base_url, "POST", "notifications/", body, token=operator)
            assert status == 201, sent
            note = await next_of(socket, "notification")
            assert (note["data"]["id"], note["data"]["title"]) == (sent["id"], "Hello")

            # The other driver heard none of it: the first thing it hears is its own.
            body = {"user": their_me["id"], "type": "GENERAL", "title": "Theirs", "message": "x"}
            status, theirs = await api_async(
                base_url, "POST", "notifications/", body, token=operator
            )
            assert status == 201, theirs
            first = await receive(others)
            assert (first["type"], first["data"]["title"]) == ("notification", "Theirs")

            # Blocked by an operator, the driver's socket is closed at once.
            status, body = await api_async(
                base_url, "PATCH", f"users/{me['id']}/", {"status": "BLOCKED"}, token=operator
            )
            assert status == 200, body
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await receive(socket)
            assert closed.value.rcvd.code == 4401

        # A bad token never gets a snapshot.
        async with live(base_url, "not-a-token") as refused:
            with pytest.raises(ConnectionClosed) as closed:
                await receive(refused)
            assert closed.value.rcvd.code == 4401

    asyncio.run(scenario())

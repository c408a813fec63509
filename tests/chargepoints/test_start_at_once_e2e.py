"""End to end: a start answers at once, even from a charger that never answers (issue 18).

A real server, and a real OCPP 1.6 client that boots, reports its connector
free and then answers nothing: the driver's start is answered 202 with the
session STARTING while the remote start is still unanswered, and the session
ends FAILED when the command times out, without anyone reading it first.
"""

import asyncio
import json
import threading

import pytest
import websockets

from tests.server import database_copy, http_json, project_env, running_server, sqlite_rows
from tests.waiting import DEADLINE, wait_until

pytestmark = pytest.mark.e2e

CHARGER = "E2E-MUTE"
TOKEN = "e2e0starts0token" + "0" * 47 + "b"
SETUP = f"""
from accounts.models import IdTag
from accounts.services import user_create
from chargepoints.models import ChargePoint, Connector, Location
from tests.tokens import token_store
driver = user_create(username="mute-driver", password="driver pw 1234", phone_number="+66811110000")
token_store(driver, "{TOKEN}")
IdTag.objects.create(idToken="MUTE-TAG", user=driver)
# At a published location: drivers start only where the public list shows a charger.
site = Location.objects.create(
    country_code="DE", party_id="CSM", name="Mute site", address="Hauptstrasse 1",
    city="Berlin", postal_code="10115", country="DE",
    coordinates={{"latitude": "52.52", "longitude": "13.40"}}, time_zone="Europe/Berlin",
)
cp = ChargePoint.objects.create(chargepoint_id="{CHARGER}", location=site)
Connector.objects.create(chargepoint=cp, connectorid=1)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(
        demo_database_template, tmp_path_factory.mktemp("start-at-once"), setup=SETUP
    )
    # The server would wait a minute for an answer; the charger's command times out in 3 s.
    env = project_env(
        SQLITE_PATH=str(database),
        CSMS_COMMAND_WAIT="60",
        CSMS_COMMAND_TIMEOUT="3",
        CSMS_COMMAND_ACK_TIMEOUT="30",
    )
    with running_server(env) as base_url:
        yield base_url, str(database)


def api(base_url: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    return http_json(method, base_url + path, body, headers={"Authorization": f"Token {TOKEN}"})


class MuteCharger:
    """Boots, reports connector 1 Available, then reads every call and answers none."""

    def __init__(self, base_url: str):
        self.url = base_url.replace("http://", "ws://") + f"/ocpp/{CHARGER}"
        self.calls: list[str] = []
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self):
        async with websockets.connect(
            self.url, subprotocols=["ocpp1.6"], open_timeout=DEADLINE
        ) as ws:
            boot = {"chargePointVendor": "Mute", "chargePointModel": "Never answers"}
            await ws.send(json.dumps([2, "b1", "BootNotification", boot]))
            await ws.recv()
            status = {"connectorId": 1, "status": "Available", "errorCode": "NoError"}
            await ws.send(json.dumps([2, "s1", "StatusNotification", status]))
            await ws.recv()
            self.ready.set()
            while not self.stop.is_set():
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 0.2))
                except TimeoutError:
                    continue
                if frame[0] == 2:
                    self.calls.append(frame[2])

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(DEADLINE), "the mute charger did not come up"
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(DEADLINE)


def connected(database: str) -> bool:
    rows = sqlite_rows(
        database, "SELECT connected FROM chargepoints_chargepoint WHERE chargepoint_id=?", CHARGER
    )
    return bool(rows and rows[0][0])


def test_a_start_at_a_charger_that_never_answers_returns_at_once_and_fails_later(server):
    base_url, database = server
    with MuteCharger(base_url) as charger:
        wait_until(lambda: connected(database), what="the mute charger connected")

        status, body = api(base_url, "POST", "/api/v1/sessions/", {"chargepoint_id": CHARGER})

        # Answered before the charger answered (it never will) and before the command
        # timed out: the session is starting, its command still out.
        assert status == 202, body
        assert body["status"] == "STARTING"
        assert body["start_command"]["status"].lower() in {"pending", "sent"}
        session_id = body["session_id"]
        wait_until(lambda: "RemoteStartTransaction" in charger.calls, what="the remote start")

        def failed():
            _, shown = api(base_url, "GET", f"/api/v1/sessions/{session_id}/")
            return shown if shown["status"] == "FAILED" else None

        shown = wait_until(failed, what="the session failed")
        assert shown["status_reason"] == "The charger did not answer in time."
        assert shown["start_command"]["status"].lower() == "timed_out"
        # The same driver may start again at once: nothing waits any more.
        again, _ = api(base_url, "POST", "/api/v1/sessions/", {"chargepoint_id": CHARGER})
        assert again == 202

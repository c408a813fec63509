"""A WebSocket opened on a path no route takes is closed with 4404, not answered 500.

Against a real server (Daphne, DEBUG on as `make run` has it), with a real
client: an app mistyping its live socket's path and a charger mistyping
its ``/ocpp/<id>`` path both learn that the path is wrong.
"""

import asyncio
import json
import urllib.error
import urllib.request

import pytest
import websockets

from tests.server import database_copy, project_env, running_server
from tests.waiting import DEADLINE

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    env = project_env(
        SQLITE_PATH=str(database_copy(demo_database_template, tmp_path_factory.mktemp("paths")))
    )
    with running_server(env) as base_url:
        yield base_url


async def _closed_with(url: str, **options) -> int:
    async with websockets.connect(url, open_timeout=DEADLINE, **options) as socket:
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(socket.recv(), DEADLINE)
        return socket.close_code


@pytest.mark.parametrize(
    "path",
    [
        "/ws/v1/nothing/",
        "/ws/v1/transactions/not-a-number/",
        "/ws/v1/transactions/1",  # without its final slash
        "/",
    ],
)
def test_an_app_socket_on_an_unknown_path_is_closed_4404(server, path):
    url = server.replace("http://", "ws://") + path

    assert asyncio.run(_closed_with(url)) == 4404


@pytest.mark.parametrize("path", ["/ocpp/", "/ocp/CP-1", "/CP-1"])
def test_a_charger_on_an_unknown_path_is_closed_4404(server, path):
    url = server.replace("http://", "ws://") + path

    assert asyncio.run(_closed_with(url, subprotocols=["ocpp1.6", "ocpp2.0.1"])) == 4404


def test_the_server_goes_on_answering_after_unknown_sockets(server):
    asyncio.run(_closed_with(server.replace("http://", "ws://") + "/nope/"))

    with urllib.request.urlopen(server + "/health/", timeout=DEADLINE) as response:
        assert response.status == 200


# The same server, for HTTP in DEBUG: a client's mistake is never Django's HTML page.


def _request(url: str, method: str, body: bytes | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:
            return response.status, response.headers["Content-Type"], json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.load(error)


def test_in_debug_a_post_without_the_final_slash_is_served_not_a_500(server):
    body = json.dumps({"username": "nobody", "password": "wrong"}).encode()

    status, content_type, answer = _request(server + "/api/v1/auth/login", "POST", body)

    assert status == 400
    assert content_type == "application/problem+json"
    assert answer["code"] == "invalid"


def test_in_debug_an_unknown_api_path_is_a_404_problem(server):
    status, content_type, answer = _request(server + "/api/v1/no-such-thing/", "GET")

    assert status == 404
    assert content_type == "application/problem+json"
    assert answer["code"] == "not_found"

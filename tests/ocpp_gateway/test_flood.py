"""Issue 16: one charger's flood is refused before it reaches the database.

End to end, against a real server with small limits (set through the
environment, as an operator sets them): frames over the limits are answered
with a CALLERROR and neither processed nor logged; the charge point counts
them, with one event per episode; a charger that keeps on is disconnected
with close code 4008. The limits are the charger's, not its connection's: a
charger that reconnects finds them as it left them. Its answer to a call of
ours always passes. A charger at its normal pace, under the default limits,
is never refused anything.
"""

import asyncio
import contextlib
import json
from unittest.mock import ANY

import pytest
import websockets
from django.utils import timezone

from chargepoints.models import ChargerEvent
from chargepoints.services.flooding import FloodReport, chargepoint_flood_record
from ocpp_gateway import flood
from ocpp_gateway.flood import FloodLimit, flood_limit_for, flood_limits
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.server import database_copy, http_json, project_env, running_server, sqlite_rows
from tests.waiting import DEADLINE, wait_until

TOKEN = "e2e0flood0token" + "0" * 48 + "f"
NAMES = ("FLOOD-A", "FLOOD-B", "FLOOD-C", "FLOOD-D", "FLOOD-E", "FLOOD-F", "FLOOD-G", "SETTLE")
SETUP = f"""
from accounts.models import User
from chargepoints.models import ChargePoint
from tests.tokens import token_store
ops = User.objects.create_superuser("ops", password="ops password 123")
token_store(ops, "{TOKEN}")
for name in {(*NAMES, "CALM-16", "CALM-201")!r}:
    ChargePoint.objects.create(chargepoint_id=name)
"""
BURST = 5
CLOSE_AFTER = 10
BYTES_PER_MINUTE = 3000
# One frame earned back every 1000 s: within a test, a bucket never refills,
# whatever the machine's speed.
LIMITED = {
    "CSMS_CHARGER_FRAMES_PER_SECOND": "0.001",
    "CSMS_CHARGER_FRAME_BURST": str(BURST),
    "CSMS_CHARGER_BYTES_PER_MINUTE": str(BYTES_PER_MINUTE),
    "CSMS_CHARGER_FLOOD_CLOSE_AFTER": str(CLOSE_AFTER),
}
DETAILS = {
    "framesPerSecond": 0.001,
    "frameBurst": BURST,
    "bytesPerMinute": BYTES_PER_MINUTE,
    "closeAfter": CLOSE_AFTER,
}
T0 = "2026-11-21T10:00:00Z"


def start(tmp_path_factory, template, name: str, **env):
    database = database_copy(template, tmp_path_factory.mktemp(name), setup=SETUP)
    return database, running_server(project_env(SQLITE_PATH=str(database), **env))


@pytest.fixture(scope="module")
def limited(tmp_path_factory, demo_database_template):
    database, server = start(tmp_path_factory, demo_database_template, "flood", **LIMITED)
    with server as base_url:
        yield base_url.replace("http://", "ws://"), database


@pytest.fixture(scope="module")
def defaults(tmp_path_factory, demo_database_template):
    database, server = start(tmp_path_factory, demo_database_template, "calm")
    with server as base_url:
        yield base_url.replace("http://", "ws://"), database


@contextlib.asynccontextmanager
async def connected(base: str, chargepoint_id: str, subprotocol: str = "ocpp1.6"):
    async with websockets.connect(
        f"{base}/ocpp/{chargepoint_id}", subprotocols=[subprotocol], open_timeout=DEADLINE
    ) as ws:
        yield ws


async def answer(ws) -> list:
    return json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))


def rows(database, sql: str, *params) -> list[tuple]:
    return sqlite_rows(database, sql, *params)


def logged(database, chargepoint_id: str, **where) -> list[tuple]:
    condition = "".join(f" AND {column} = ?" for column in where)
    return rows(
        database,
        "SELECT direction, message_type, message_id FROM ocpp_gateway_ocppmessage"
        f" WHERE chargepoint_id = ?{condition} ORDER BY id",
        chargepoint_id,
        *where.values(),
    )


def refused_count(database, chargepoint_id: str) -> int:
    return rows(
        database,
        "SELECT frames_refused FROM chargepoints_chargepoint WHERE chargepoint_id = ?",
        chargepoint_id,
    )[0][0]


def flood_events(database, chargepoint_id: str) -> list[tuple]:
    return [
        (status, json.loads(payload))
        for status, payload in rows(
            database,
            "SELECT status, payload FROM chargepoints_chargerevent"
            " WHERE chargepoint_id = ? AND kind = 'FRAMES_LIMITED'",
            chargepoint_id,
        )
    ]


def meter_values(unique_id: str, minute: int) -> str:
    payload = {
        "connectorId": 1,
        "meterValue": [
            {
                "timestamp": f"2026-11-21T10:{minute:02d}:00Z",
                "sampledValue": [{"value": str(1000 + minute), "unit": "Wh"}],
            }
        ],
    }
    return json.dumps([2, unique_id, "MeterValues", payload])


async def log_settled(base: str, database) -> None:
    """Everything the server logged so far is in the database.

    Another charger's answered Heartbeat (the flooding one would be refused)
    is logged after whatever came before it: on SQLite one writer takes the
    work of every charger, in order. Once it is there, so is everything earlier.
    """
    async with connected(base, "SETTLE") as ws:
        await ws.send(json.dumps([2, "settled", "Heartbeat", {}]))
        assert (await answer(ws))[:2] == [3, "settled"]
    wait_until(
        lambda: logged(database, "SETTLE", message_id="settled", direction="OUTBOUND"),
        what="the settling Heartbeat logged",
    )


@pytest.mark.e2e
def test_frames_over_the_limit_are_refused_and_not_stored(limited):
    base, database = limited
    sent = 8

    async def scenario():
        async with connected(base, "FLOOD-A") as ws:
            # All at once, as a flooding charger sends them, not waiting for answers.
            for n in range(sent):
                await ws.send(meter_values(f"mv-{n}", n))
            return [await answer(ws) for _ in range(sent)]

    answers = asyncio.run(scenario())

    assert answers[:BURST] == [[3, f"mv-{n}", {}] for n in range(BURST)]
    assert answers[BURST:] == [
        [4, f"mv-{n}", "GenericError", "Rate limit exceeded", DETAILS] for n in range(BURST, sent)
    ]
    readings = rows(
        database,
        "SELECT value FROM chargepoints_sampledvalue WHERE chargepoint_id = ? ORDER BY timestamp",
        "FLOOD-A",
    )
    assert readings == [(str(1000 + n),) for n in range(BURST)]
    asyncio.run(log_settled(base, database))
    # Neither the refused frames nor their refusals are in the message log.
    assert [row[2] for row in logged(database, "FLOOD-A", direction="INBOUND")] == [
        f"mv-{n}" for n in range(BURST)
    ]
    assert not logged(database, "FLOOD-A", message_type=4)
    # Counted for the operator, in the admin: frames and one event for the episode.
    wait_until(lambda: refused_count(database, "FLOOD-A") == sent - BURST)
    assert flood_events(database, "FLOOD-A") == [("Limited", {"refused": 3, **DETAILS})]


@pytest.mark.e2e
def test_a_charger_that_keeps_flooding_is_disconnected_with_4008(limited):
    base, database = limited

    async def scenario():
        async with connected(base, "FLOOD-B", "ocpp2.0.1") as ws:
            for n in range(BURST + CLOSE_AFTER + 5):
                await ws.send(json.dumps([2, f"hb-{n}", "Heartbeat", {}]))
            answers = []
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    answers.append(await answer(ws))
            return answers, ws.close_code

    answers, close_code = asyncio.run(scenario())

    assert close_code == 4008
    assert [a[:2] for a in answers[:BURST]] == [[3, f"hb-{n}"] for n in range(BURST)]
    # Refused and answered until the refusals reach the setting; then closed.
    assert answers[BURST:] == [
        [4, f"hb-{n}", "GenericError", "Rate limit exceeded", DETAILS]
        for n in range(BURST, BURST + CLOSE_AFTER - 1)
    ]
    wait_until(lambda: refused_count(database, "FLOOD-B") >= CLOSE_AFTER)
    events = wait_until(
        lambda: [e for e in flood_events(database, "FLOOD-B") if e[0] == "Disconnected"],
        what=lambda: f"a Disconnected event in {flood_events(database, 'FLOOD-B')}",
    )
    assert len(flood_events(database, "FLOOD-B")) == 1
    assert events[0][1]["refused"] >= CLOSE_AFTER
    wait_until(
        lambda: (
            rows(
                database,
                "SELECT connected FROM chargepoints_chargepoint WHERE chargepoint_id = ?",
                "FLOOD-B",
            )
            == [(0,)]
        )
    )


@pytest.mark.e2e
def test_bytes_over_the_minutes_limit_are_refused(limited):
    base, database = limited
    # Nearly a minute's bytes each: the first passes, the second does not
    # (a minute would not earn its bytes back), and a small frame still fits
    # in what is left.
    data = "x" * (BYTES_PER_MINUTE - 150)

    def transfer(unique_id: str) -> str:
        return json.dumps([2, unique_id, "DataTransfer", {"vendorId": "com.example", "data": data}])

    async def scenario():
        async with connected(base, "FLOOD-C") as ws:
            results = []
            for frame in (transfer("big-1"), transfer("big-2"), '[2,"small","Heartbeat",{}]'):
                await ws.send(frame)
                results.append(await answer(ws))
            return results

    first, second, small = asyncio.run(scenario())

    assert first == [3, "big-1", {"status": "UnknownVendorId"}]
    assert second == [4, "big-2", "GenericError", "Rate limit exceeded", DETAILS]
    assert small[:2] == [3, "small"]
    wait_until(lambda: refused_count(database, "FLOOD-C") == 1)


@pytest.mark.e2e
def test_answers_and_unreadable_frames_over_the_limit_get_no_answer(limited):
    base, database = limited

    async def scenario():
        async with connected(base, "FLOOD-D") as ws:
            for n in range(BURST):
                await ws.send(json.dumps([2, f"hb-{n}", "Heartbeat", {}]))
                await answer(ws)
            # A CALLERROR answers a CALL only (OCPP-J 1.6 §4.2.3).
            await ws.send(json.dumps([3, "never-asked", {}]))
            await ws.send("not even json")
            await ws.send(json.dumps([2, "last", "Heartbeat", {}]))
            return await answer(ws)

    assert asyncio.run(scenario()) == [4, "last", "GenericError", "Rate limit exceeded", DETAILS]
    wait_until(lambda: refused_count(database, "FLOOD-D") == 3)


async def heartbeats_answered(ws, count: int) -> None:
    for n in range(count):
        await ws.send(json.dumps([2, f"hb-{n}", "Heartbeat", {}]))
        assert (await answer(ws))[:2] == [3, f"hb-{n}"]


def rotate_password(base: str, chargepoint_id: str) -> tuple[int, dict]:
    return http_json(
        "POST",
        f"{base.replace('ws://', 'http://')}/api/v1/charge-points/{chargepoint_id}/rotate-password/",
        None,
        headers={"Authorization": f"Token {TOKEN}"},
    )


@pytest.mark.e2e
def test_a_charger_over_its_limits_still_gets_its_answer_to_our_call_through(limited):
    # A charger replaying its offline queue at full speed is asked to take a
    # new password in the middle of it, and takes it.
    base, database = limited

    async def scenario():
        async with connected(base, "FLOOD-E") as ws:
            await heartbeats_answered(ws, BURST)
            rotation = asyncio.ensure_future(asyncio.to_thread(rotate_password, base, "FLOOD-E"))
            call = await answer(ws)
            assert call[2:4] == ["ChangeConfiguration", {"key": "AuthorizationKey", "value": ANY}]
            await ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
            # Over its limits all the same: a call of its own is refused.
            await ws.send(json.dumps([2, "after", "Heartbeat", {}]))
            return await rotation, await answer(ws)

    (status, command), after = asyncio.run(scenario())

    assert (status, command["status"], command["response"]) == (
        201,
        "ACCEPTED",
        {"status": "Accepted"},
    )
    assert after == [4, "after", "GenericError", "Rate limit exceeded", DETAILS]
    # The new password is the charger's credential, no longer an unconfirmed one.
    assert rows(
        database,
        "SELECT password != '', password_unconfirmed FROM chargepoints_chargepoint"
        " WHERE chargepoint_id = 'FLOOD-E'",
    ) == [(1, "")]
    wait_until(lambda: refused_count(database, "FLOOD-E") == 1)


@pytest.mark.e2e
def test_a_charger_that_reconnects_finds_its_limits_as_it_left_them(limited):
    base, _ = limited

    async def scenario():
        async with connected(base, "FLOOD-F") as ws:
            await heartbeats_answered(ws, BURST)
        async with connected(base, "FLOOD-F") as ws:
            await ws.send(json.dumps([2, "again", "Heartbeat", {}]))
            return await answer(ws)

    # Not a new burst: refused, as the next frame on the old connection would have been.
    assert asyncio.run(scenario()) == [4, "again", "GenericError", "Rate limit exceeded", DETAILS]


@pytest.mark.e2e
def test_a_charger_disconnected_for_flooding_that_comes_back_flooding_is_closed_at_once(limited):
    base, _ = limited

    async def flood_until_closed(count: int) -> tuple[list, int]:
        async with connected(base, "FLOOD-G") as ws:
            for n in range(count):
                await ws.send(json.dumps([2, f"hb-{n}", "Heartbeat", {}]))
            answers = []
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    answers.append(await answer(ws))
            return answers, ws.close_code

    first, first_code = asyncio.run(flood_until_closed(BURST + CLOSE_AFTER + 5))
    again, again_code = asyncio.run(flood_until_closed(5))

    assert (len([a for a in first if a[0] == 3]), first_code) == (BURST, 4008)
    # Its episode goes on: the first frame over the limits closes it, and
    # nothing it sent was processed.
    assert (again, again_code) == ([], 4008)


@pytest.mark.e2e
def test_a_charger_at_its_normal_pace_is_never_limited(defaults):
    base, database = defaults

    async def session(chargepoint_id: str, subprotocol: str, calls: list[tuple[str, dict]]):
        async with connected(base, chargepoint_id, subprotocol) as ws:
            for n, (action, payload) in enumerate(calls):
                await ws.send(json.dumps([2, f"c-{n}", action, payload]))
                reply = await answer(ws)
                assert reply[:2] == [3, f"c-{n}"], reply

    # What a charger sends when it boots and charges, then meter values:
    # one call at a time, as OCPP-J requires, each as soon as the last is answered.
    calls16 = [
        ("BootNotification", {"chargePointVendor": "ABB", "chargePointModel": "Terra AC"}),
        *(
            (
                "StatusNotification",
                {"connectorId": c, "errorCode": "NoError", "status": "Available"},
            )
            for c in (0, 1, 2)
        ),
        (
            "StartTransaction",
            {"connectorId": 1, "idTag": "DEMO-RFID-0001", "meterStart": 0, "timestamp": T0},
        ),
        *(
            (
                "MeterValues",
                {
                    "connectorId": 1,
                    "meterValue": [
                        {
                            "timestamp": f"2026-11-21T10:{minute:02d}:00Z",
                            "sampledValue": [{"value": str(100 * minute)}],
                        }
                    ],
                },
            )
            for minute in range(1, 41)
        ),
        ("Heartbeat", {}),
    ]
    calls201 = [
        (
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"model": "W", "vendorName": "BMW"}},
        ),
        *(("Heartbeat", {}) for _ in range(40)),
    ]
    asyncio.run(session("CALM-16", "ocpp1.6", calls16))
    asyncio.run(session("CALM-201", "ocpp2.0.1", calls201))

    for chargepoint_id in ("CALM-16", "CALM-201"):
        assert refused_count(database, chargepoint_id) == 0
        assert flood_events(database, chargepoint_id) == []
    stored = rows(
        database, "SELECT COUNT(*) FROM chargepoints_sampledvalue WHERE chargepoint_id = 'CALM-16'"
    )
    assert stored == [(40,)]


# -- the buckets, on a clock the test moves ----------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(flood, "monotonic", clock)
    return clock


@pytest.fixture
def reports(monkeypatch) -> list:
    """What the limits would write, instead of writing it."""
    written = []

    async def record(function, /, **kwargs):
        written.append(kwargs["report"])
        return 7

    monkeypatch.setattr(flood, "gateway_db", record)
    monkeypatch.setattr(flood, "REPORT_SECONDS", 0.01)
    return written


def admitted(limit: FloodLimit, frames: list[str]) -> list[bool]:
    async def run():
        results = [limit.admit(frame) for frame in frames]
        while limit.reporter is not None:
            await asyncio.sleep(0.01)
        return results

    return asyncio.run(run())


def test_the_frame_bucket_refills_at_its_rate_up_to_its_burst(clock, reports):
    limit = FloodLimit("CP", flood_limits(2.0, 3, 0, 0))
    assert admitted(limit, ["[]"] * 4) == [True, True, True, False]
    clock.now += 1.0  # two frames earned back
    assert admitted(limit, ["[]"] * 3) == [True, True, False]
    clock.now += 3600.0  # never more than the burst
    assert admitted(limit, ["[]"] * 4) == [True, True, True, False]


def test_bytes_are_counted_in_utf8(clock, reports):
    limit = FloodLimit("CP", flood_limits(0, 0, 12, 0))
    # Four characters, eight bytes: a second such frame does not fit a minute of 12 bytes.
    assert admitted(limit, ["éééé", "éééé", "abcd"]) == [True, False, True]


def test_limits_set_to_zero_are_off(clock, reports):
    limit = FloodLimit("CP", flood_limits(0, 0, 0, 0))
    assert all(admitted(limit, ["x" * 10_000] * 5_000))
    assert reports == []


def test_refusals_are_reported_in_batches_not_one_by_one(clock, reports):
    limit = FloodLimit("CP", flood_limits(1.0, 1, 0, 0))

    async def flood_on():
        assert limit.admit("[]")
        assert not limit.admit("[]")
        while not reports:  # the first refusal of an episode is written at once
            await asyncio.sleep(0.01)
        assert not any(limit.admit("[]") for _ in range(999))
        while limit.reporter is not None:
            await asyncio.sleep(0.01)

    asyncio.run(flood_on())
    # The other 999 in one write, however many frames they were.
    assert [report.refused for report in reports] == [1, 999]
    assert [report.episode_refused for report in reports] == [1, 1000]


def test_an_episode_ends_once_the_charger_earned_its_burst_back(clock, reports):
    limit = FloodLimit("CP", flood_limits(1.0, 2, 0, 3))
    assert admitted(limit, ["[]"] * 4) == [True, True, False, False]
    assert not limit.persists
    clock.now += 2.5  # longer than the burst takes to refill: a new episode
    assert admitted(limit, ["[]"] * 4) == [True, True, False, False]
    assert (limit.episode, limit.episode_refused, limit.persists) == (2, 2, False)
    assert admitted(limit, ["[]"]) == [False]
    assert limit.persists


# -- the charge point's count and events ---------------------------------------


def report(refused: int, episode_refused: int, closed: bool = False) -> FloodReport:
    return FloodReport(
        refused=refused,
        episode_refused=episode_refused,
        started_at=timezone.now(),
        limits=DETAILS,
        closed=closed,
    )


def test_reports_add_up_and_keep_one_event_per_episode(chargepoint):
    first = chargepoint_flood_record(chargepoint_id=chargepoint.pk, report=report(1, 1))
    again = chargepoint_flood_record(
        chargepoint_id=chargepoint.pk, report=report(40, 41, closed=True), event_id=first
    )
    later = chargepoint_flood_record(chargepoint_id=chargepoint.pk, report=report(2, 2))

    assert first == again != later
    chargepoint.refresh_from_db()
    assert chargepoint.frames_refused == 43
    events = ChargerEvent.objects.filter(kind="FRAMES_LIMITED").order_by("pk")
    assert [(e.status, e.payload["refused"]) for e in events] == [
        ("Disconnected", 41),
        ("Limited", 2),
    ]


def test_a_report_about_a_charge_point_gone_writes_nothing(db):
    assert chargepoint_flood_record(chargepoint_id="GONE", report=report(5, 5)) is None
    assert not ChargerEvent.objects.exists()


# -- what passes a spent bucket, and whose bucket it is ----------------------------


def test_only_an_answer_to_a_call_still_awaited_passes_a_spent_bucket(clock, reports):
    adapter = ChargePoint16("CP", send=None)
    limit = adapter.flood = FloodLimit("CP", flood_limits(1.0, 1, 60_000, 0))
    answer = '[3,"m-1",{"status":"Accepted"}]'

    async def run():
        assert adapter.flood_admit('[2,"c-1","Heartbeat",{}]')  # the one frame of the burst
        awaited = asyncio.get_running_loop().create_future()
        adapter._calls["m-1"] = ("Reset", awaited)
        passed = [
            adapter.flood_admit(frame)
            for frame in (
                '[2,"m-1","Heartbeat",{}]',  # a call of its own, whatever its id
                '[3,"m-2",{}]',  # an answer to no call of ours
                answer,
                ' [ 4 , "m-1", "GenericError", "", {}]',
            )
        ]
        awaited.set_result(None)
        passed.append(adapter.flood_admit(answer))  # answered already
        while limit.reporter is not None:
            await asyncio.sleep(0.01)
        return passed

    assert asyncio.run(run()) == [False, False, True, True, False]
    # Its bytes were counted; no frame was (and no refusal).
    assert limit.frames < 1
    assert limit.bytes == 60_000 - len('[2,"c-1","Heartbeat",{}]') - len(answer) - 37
    assert limit.episode_refused == 3


@pytest.fixture
def registry(monkeypatch) -> dict:
    monkeypatch.setattr(flood, "_registry", {})
    monkeypatch.setattr(flood, "_prune_at", flood.PRUNE_FROM)
    return flood._registry


def test_a_new_connection_of_a_charger_gets_the_buckets_its_last_one_left(
    clock, reports, registry, settings
):
    settings.CSMS_CHARGER_FRAMES_PER_SECOND = 1.0
    settings.CSMS_CHARGER_FRAME_BURST = 2
    first = flood_limit_for("CP-1")
    assert admitted(first, ["[]"] * 3) == [True, True, False]

    again = flood_limit_for("CP-1")

    assert again is first
    assert admitted(again, ["[]"]) == [False]
    assert admitted(flood_limit_for("CP-2"), ["[]"]) == [True]


def test_each_connection_of_a_flooding_charger_is_closed_though_they_share_its_limits(
    clock, reports, registry, settings
):
    settings.CSMS_CHARGER_FRAMES_PER_SECOND = 1.0
    settings.CSMS_CHARGER_FRAME_BURST = 1
    settings.CSMS_CHARGER_FLOOD_CLOSE_AFTER = 2
    sent = []

    async def send(text: str) -> None:
        sent.append(json.loads(text))

    async def refused(adapter, unique_id: str) -> bool:
        frame = json.dumps([2, unique_id, "Heartbeat", {}])
        assert not adapter.flood_admit(frame)
        return await adapter.refuse_flooded(frame)

    async def run():
        old = ChargePoint16("CP", send=send)
        assert old.flood_admit('[2,"a","Heartbeat",{}]')
        closes = [await refused(old, "b"), await refused(old, "c")]
        # It reconnects while frames it sent on the old connection still arrive.
        new = ChargePoint16("CP", send=send)
        closes += [await refused(old, "d"), await refused(new, "e")]
        while new.flood.reporter is not None:
            await asyncio.sleep(0.01)
        return closes

    # The old connection closes once; the new one is closed all the same.
    assert asyncio.run(run()) == [False, True, False, True]
    assert [frame[1] for frame in sent] == ["b"]


def test_buckets_full_again_are_dropped_so_the_registry_stays_small(
    clock, reports, registry, settings, monkeypatch
):
    settings.CSMS_CHARGER_FRAMES_PER_SECOND = 1.0
    settings.CSMS_CHARGER_FRAME_BURST = 2
    monkeypatch.setattr(flood, "PRUNE_FROM", 10)
    monkeypatch.setattr(flood, "_prune_at", 1)
    busy = flood_limit_for("CP-BUSY")
    assert admitted(busy, ["[]"] * 3) == [True, True, False]
    # Pruned as another charger connects: a spent bucket is kept, not reset.
    flood_limit_for("CP-OTHER")
    assert flood_limit_for("CP-BUSY") is busy

    for n in range(1000):
        # Each charger sends a frame and stays quiet long enough to earn it back.
        assert admitted(flood_limit_for(f"CP-{n}"), ["[]"]) == [True]
        clock.now += 1.5

    assert len(registry) <= 11

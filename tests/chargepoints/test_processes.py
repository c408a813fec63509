"""Server processes: a charger is online only while the process holding it lives.

Each process has a heartbeat row; the sweep that every process runs takes a
process with an old heartbeat for dead, takes its chargers offline and times
out the commands it was sending, and times out any command in flight for
longer than any sender waits (chargepoints/services/processes.py). A process
back from a database stall judges no one at once. The server's timer that
runs it is tested at the end; a real crash and a real shutdown in
tests/ocpp_gateway/test_process_faults_e2e.py.
"""

import asyncio
import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import ChargePoint, Command, ServerProcess
from chargepoints.services import command_transport as transport_module
from chargepoints.services import processes
from chargepoints.services.command_transport import command_transport_register
from chargepoints.services.commands import command_finish, command_request
from chargepoints.services.processes import (
    Swept,
    server_process_heartbeat,
    server_process_start,
    server_process_stop,
    server_processes_sweep,
)
from csms.periodic import Lifecycle, PeriodicJobs

pytestmark = pytest.mark.django_db

# Well past CSMS_PROCESS_STALE_AFTER (60 s by default).
LONG_AGO = 600


def ago(now, seconds: float) -> datetime.datetime:
    return now - datetime.timedelta(seconds=seconds)


def process_row(process_id: str, now, *, beat_ago: float = 0, started_ago: float = 3600):
    return ServerProcess.objects.create(
        process_id=process_id,
        hostname="host",
        pid=1,
        started_at=ago(now, started_ago),
        heartbeat_at=ago(now, beat_ago),
    )


def held(chargepoint_id: str, holder: str, location, *, updated_ago: float = 0, now=None):
    """A charger connected through ``holder``, its row last changed ``updated_ago`` seconds ago."""
    ChargePoint.objects.create(
        chargepoint_id=chargepoint_id,
        location=location,
        connected=True,
        connection_id=f"conn-{chargepoint_id}",
        connection_process=holder,
        ocpp_version="ocpp1.6",
    )
    if updated_ago:
        ChargePoint.objects.filter(pk=chargepoint_id).update(last_updated=ago(now, updated_ago))
    return ChargePoint.objects.get(pk=chargepoint_id)


def in_flight(
    chargepoint, now, *, status=CommandStatus.SENT, taken_ago=None, sent_ago=None, created_ago=0
):
    """A command taken by a connection ``taken_ago`` seconds ago (None: not taken)."""
    created = ago(now, max(taken_ago or 0, sent_ago or 0, created_ago) + 1)
    return Command.objects.create(
        chargepoint=chargepoint,
        name=CommandName.RESET,
        params={"type": "soft"},
        source=CommandSource.API,
        ocpp_version="ocpp1.6",
        action="Reset",
        message_id=str(uuid.uuid4()),
        request={"type": "Soft"},
        status=status,
        created_at=created,
        delivered_at=None if taken_ago is None else ago(now, taken_ago),
        sent_at=None if sent_ago is None else ago(now, sent_ago),
    )


def state(chargepoint_id: str) -> tuple:
    return ChargePoint.objects.values_list("connected", "connection_id", "connection_process").get(
        pk=chargepoint_id
    )


def status_of(command: Command) -> tuple[str, str]:
    command.refresh_from_db()
    return command.status, command.error_description


# -- start, heartbeat, stop ----------------------------------------------------------


def test_a_starting_process_registers_its_row(now):
    process = ServerProcess(process_id="a" * 32, hostname="web-1", pid=4242)

    server_process_start(process=process, now=now)

    row = ServerProcess.objects.get()
    assert (row.process_id, row.hostname, row.pid) == ("a" * 32, "web-1", 4242)
    assert row.started_at == row.heartbeat_at == now


def test_the_heartbeat_is_one_update_and_a_quiet_sweep_three_more_statements(location, now):
    row = process_row("live", now, beat_ago=10)
    charger = held("CP-1", "live", location)
    # Answered long ago, as most commands are: the sweep reads none of them.
    for _ in range(3):
        in_flight(charger, now, status=CommandStatus.ACCEPTED, sent_ago=LONG_AGO)
    later = ago(now, -10)

    with CaptureQueriesContext(connection) as queries:
        assert server_process_heartbeat(process=row, now=later) == Swept()

    row.refresh_from_db()
    assert row.heartbeat_at == later
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # The heartbeat; the stale processes (none); the commands in flight past
    # any wait (none); the chargers naming no process.
    assert statements == ["UPDATE", "SELECT", "SELECT", "UPDATE"]
    if connection.vendor == "sqlite":
        # Found by the partial index of the commands in flight, not a scan of all.
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + queries.captured_queries[2]["sql"])
            assert "USING INDEX command_in_flight" in str(cursor.fetchall())


def test_a_stopping_process_takes_its_own_chargers_offline_and_ends_its_commands(location, now):
    mine, other = process_row("mine", now), process_row("other", now)
    held("CP-MINE", "mine", location)
    held("CP-OTHER", "other", location)
    sent = in_flight(ChargePoint.objects.get(pk="CP-MINE"), now, taken_ago=2, sent_ago=2)
    elsewhere = in_flight(ChargePoint.objects.get(pk="CP-OTHER"), now, taken_ago=2, sent_ago=2)

    swept = server_process_stop(process=mine, now=now)

    assert swept == Swept(processes=1, chargers=1, commands=1)
    assert state("CP-MINE") == (False, "", "")
    assert state("CP-OTHER") == (True, "conn-CP-OTHER", "other")
    assert status_of(sent) == (
        CommandStatus.TIMED_OUT,
        "The server process holding the charger's connection shut down with the command in flight.",
    )
    assert status_of(elsewhere)[0] == CommandStatus.SENT
    assert list(ServerProcess.objects.values_list("pk", flat=True)) == [other.pk]


# -- the sweep ----------------------------------------------------------------------


def test_a_dead_process_leaves_its_chargers_offline_and_its_commands_timed_out(location, now):
    process_row("dead", now, beat_ago=LONG_AGO)
    charger = held("CP-1", "dead", location)
    sent = in_flight(charger, now, taken_ago=LONG_AGO + 5, sent_ago=LONG_AGO + 5)
    queued = in_flight(charger, now, status=CommandStatus.PENDING, taken_ago=LONG_AGO + 5)

    swept = server_processes_sweep(sweeper="me", now=now)

    assert swept == Swept(processes=1, chargers=1, commands=2)
    assert not ServerProcess.objects.exists()
    assert ChargePoint.objects.get(pk="CP-1").connected is False
    status, why = status_of(sent)
    assert status == CommandStatus.TIMED_OUT
    assert why.startswith("No live server process can send it or receive its answer any more")
    assert "(found when server process host pid 1 (dead) was found dead" in why
    assert status_of(queued)[0] == CommandStatus.TIMED_OUT


def test_a_password_in_a_command_a_dead_process_was_sending_is_masked(location, now):
    process_row("dead", now, beat_ago=LONG_AGO)
    charger = held("CP-1", "dead", location)
    password = "new-password-of-20ch"
    command = in_flight(charger, now, taken_ago=LONG_AGO + 5, sent_ago=LONG_AGO + 5)
    Command.objects.filter(pk=command.pk).update(
        name=CommandName.SET_PASSWORD,
        params={"password": password},
        request={"key": "AuthorizationKey", "value": password},
    )

    server_processes_sweep(sweeper="me", now=now)

    command.refresh_from_db()
    assert command.status == CommandStatus.TIMED_OUT
    assert password not in str((command.params, command.request))


def test_a_live_process_keeps_its_chargers_and_commands(location, now):
    process_row("live", now, beat_ago=5)
    charger = held("CP-1", "live", location, updated_ago=LONG_AGO, now=now)
    sent = in_flight(charger, now, taken_ago=3, sent_ago=3)

    assert server_processes_sweep(sweeper="me", now=now) == Swept()

    assert state("CP-1") == (True, "conn-CP-1", "live")
    assert status_of(sent)[0] == CommandStatus.SENT


def test_a_process_is_dead_only_once_its_heartbeat_is_older_than_the_stale_age(
    location, now, settings
):
    settings.CSMS_PROCESS_STALE_AFTER = 60
    process_row("late", now, beat_ago=59)
    held("CP-1", "late", location)

    assert server_processes_sweep(sweeper="me", now=now) == Swept()
    assert state("CP-1") == (True, "conn-CP-1", "late")

    assert server_processes_sweep(sweeper="me", now=ago(now, -2)).chargers == 1
    assert state("CP-1")[0] is False


def test_an_answered_command_keeps_its_answer(location, now):
    process_row("dead", now, beat_ago=LONG_AGO)
    charger = held("CP-1", "dead", location)
    answered = in_flight(charger, now, taken_ago=LONG_AGO + 5, sent_ago=LONG_AGO + 5)
    command_finish(
        chargepoint_id="CP-1",
        command_id=answered.pk,
        status=CommandStatus.ACCEPTED,
        response={"status": "Accepted"},
    )

    server_processes_sweep(sweeper="me", now=now)

    answered.refresh_from_db()
    assert (answered.status, answered.response) == (CommandStatus.ACCEPTED, {"status": "Accepted"})


def test_an_answer_arriving_while_the_sweep_runs_is_kept(location, now, monkeypatch):
    process_row("dead", now, beat_ago=LONG_AGO)
    charger = held("CP-1", "dead", location)
    command = in_flight(charger, now, taken_ago=LONG_AGO + 5, sent_ago=LONG_AGO + 5)
    end = processes._commands_end

    def answer_first(ids, **kwargs):
        # The charger's answer is stored after the sweep chose the command.
        command_finish(
            chargepoint_id="CP-1",
            command_id=command.pk,
            status=CommandStatus.REJECTED,
            response={"status": "Rejected"},
        )
        return end(ids, **kwargs)

    monkeypatch.setattr(processes, "_commands_end", answer_first)

    server_processes_sweep(sweeper="me", now=now)

    command.refresh_from_db()
    assert (command.status, command.response) == (CommandStatus.REJECTED, {"status": "Rejected"})


def test_a_command_sent_before_a_restart_times_out_though_its_charger_is_back(location, now):
    # The process crashed with a command sent; the charger reconnected at once
    # to the process that started in its place, before the old one's heartbeat
    # aged: no connection alive can answer it.
    process_row("crashed", now, beat_ago=LONG_AGO, started_ago=3 * LONG_AGO)
    process_row("restarted", now, beat_ago=1, started_ago=LONG_AGO - 30)
    charger = held("CP-1", "restarted", location)
    orphan = in_flight(charger, now, taken_ago=LONG_AGO + 5, sent_ago=LONG_AGO + 5)

    swept = server_processes_sweep(sweeper="restarted", now=now)

    assert swept == Swept(processes=1, chargers=0, commands=1)
    assert state("CP-1") == (True, "conn-CP-1", "restarted")
    assert status_of(orphan)[0] == CommandStatus.TIMED_OUT


def test_a_command_queued_in_a_live_process_is_left_when_another_process_dies(location, now):
    process_row("dead", now, beat_ago=LONG_AGO)
    process_row("live", now, beat_ago=1, started_ago=3 * LONG_AGO)
    charger = held("CP-1", "live", location)
    # Its turn comes after the charger's other commands, one at a time: the
    # one being sent now, and many before it that each waited their timeout.
    queued = in_flight(charger, now, status=CommandStatus.PENDING, taken_ago=LONG_AGO + 20)
    sending = in_flight(charger, now, taken_ago=LONG_AGO + 20, sent_ago=3)

    assert server_processes_sweep(sweeper="live", now=now).commands == 0
    assert status_of(queued)[0] == CommandStatus.PENDING
    assert status_of(sending)[0] == CommandStatus.SENT


# -- commands in flight past any sender's wait -----------------------------------------

# CSMS_COMMAND_TIMEOUT (30 s) plus CSMS_PROCESS_STALE_AFTER (60 s), the defaults.
OVERDUE = 90


def test_a_command_whose_sender_died_times_out_though_its_charger_is_back_on_a_live_peer(
    location, now
):
    # Its sender crashed; the charger reconnected at once to a peer that was
    # already running, and the dead sender was swept before its command had
    # waited its timeout: no sweep of a dead process is left to find it.
    peer = process_row("peer", now, beat_ago=5, started_ago=3 * LONG_AGO)
    charger = held("CP-1", "peer", location)
    orphan = in_flight(charger, now, taken_ago=OVERDUE + 1, sent_ago=OVERDUE + 1)
    waiting = in_flight(charger, now, taken_ago=OVERDUE - 1, sent_ago=OVERDUE - 1)

    swept = server_process_heartbeat(process=peer, now=now)

    assert swept == Swept(commands=1)
    assert status_of(orphan) == (
        CommandStatus.TIMED_OUT,
        "Still in flight 90 s after it was sent (or requested): the connection that held it "
        "is gone and no live server process can receive its answer.",
    )
    assert status_of(waiting)[0] == CommandStatus.SENT
    assert state("CP-1") == (True, "conn-CP-1", "peer")


def test_a_password_in_an_overdue_command_is_masked(location, now):
    peer = process_row("peer", now, beat_ago=5)
    command = in_flight(held("CP-1", "peer", location), now, sent_ago=LONG_AGO)
    password = "new-password-of-20ch"
    Command.objects.filter(pk=command.pk).update(
        name=CommandName.SET_PASSWORD,
        params={"password": password},
        request={"key": "AuthorizationKey", "value": password},
    )

    server_process_heartbeat(process=peer, now=now)

    command.refresh_from_db()
    assert command.status == CommandStatus.TIMED_OUT
    assert password not in str((command.params, command.request))


def test_commands_never_sent_time_out_once_nothing_can_send_them(location, now):
    peer = process_row("peer", now, beat_ago=5)
    charger = held("CP-1", "peer", location)
    # Taken by a connection that died before sending it; and one no
    # connection took, whose requester died waiting.
    taken = in_flight(charger, now, status=CommandStatus.PENDING, taken_ago=OVERDUE + 1)
    untaken = in_flight(charger, now, status=CommandStatus.PENDING, created_ago=OVERDUE + 1)
    asked_lately = in_flight(charger, now, status=CommandStatus.PENDING, created_ago=OVERDUE - 2)

    assert server_process_heartbeat(process=peer, now=now).commands == 2

    assert status_of(taken)[0] == CommandStatus.TIMED_OUT
    assert status_of(untaken)[0] == CommandStatus.TIMED_OUT
    assert status_of(asked_lately)[0] == CommandStatus.PENDING


def test_an_overdue_command_answered_while_the_sweep_runs_keeps_its_answer(
    location, now, monkeypatch
):
    peer = process_row("peer", now, beat_ago=5)
    command = in_flight(held("CP-1", "peer", location), now, sent_ago=OVERDUE + 1)
    end = processes._commands_end

    def answer_first(ids, **kwargs):
        command_finish(
            chargepoint_id="CP-1",
            command_id=command.pk,
            status=CommandStatus.ACCEPTED,
            response={"status": "Accepted"},
        )
        return end(ids, **kwargs)

    monkeypatch.setattr(processes, "_commands_end", answer_first)

    assert server_process_heartbeat(process=peer, now=now) == Swept()
    command.refresh_from_db()
    assert (command.status, command.response) == (CommandStatus.ACCEPTED, {"status": "Accepted"})


# -- a stalled database ------------------------------------------------------------------


def test_a_process_back_from_a_stall_takes_no_peer_for_dead_until_it_has_beaten_again(
    location, now
):
    # The database was locked for 100 s: neither process could write its
    # heartbeat, and a command's answer could not be stored either.
    me = process_row("me", now, beat_ago=100)
    peer = process_row("peer", now, beat_ago=100)
    held("CP-PEER", "peer", location)
    answer_held_up = in_flight(ChargePoint.objects.get(pk="CP-PEER"), now, sent_ago=OVERDUE + 5)

    # The first back judges no one: its peer's heartbeat was held up as long as its own.
    assert server_process_heartbeat(process=me, now=now) == Swept()
    assert ServerProcess.objects.filter(pk="peer").exists()
    assert state("CP-PEER") == (True, "conn-CP-PEER", "peer")
    assert status_of(answer_held_up)[0] == CommandStatus.SENT

    # Both beat again: no one is dead.
    server_process_heartbeat(process=peer, now=ago(now, -1))
    assert server_process_heartbeat(process=me, now=ago(now, -10)).processes == 0
    assert state("CP-PEER")[0] is True


def test_a_peer_that_died_in_the_stall_is_found_at_the_next_heartbeat(location, now):
    me = process_row("me", now, beat_ago=100)
    process_row("peer", now, beat_ago=100)
    held("CP-PEER", "peer", location)

    assert server_process_heartbeat(process=me, now=now) == Swept()
    swept = server_process_heartbeat(process=me, now=ago(now, -10))

    assert (swept.processes, swept.chargers) == (1, 1)
    assert state("CP-PEER")[0] is False


def test_a_command_whose_requester_died_before_any_connection_took_it_times_out(location, now):
    process_row("dead", now, beat_ago=LONG_AGO)
    charger = held("CP-1", "dead", location)
    untaken = in_flight(charger, now, status=CommandStatus.PENDING, created_ago=LONG_AGO + 5)
    asked_now = in_flight(charger, now, status=CommandStatus.PENDING)

    server_processes_sweep(sweeper="me", now=now)

    assert status_of(untaken)[0] == CommandStatus.TIMED_OUT
    # Its requester is still waiting for a connection to take it.
    assert status_of(asked_now)[0] == CommandStatus.PENDING


def test_two_sweeps_clear_a_dead_process_once(location, now):
    process_row("dead", now, beat_ago=LONG_AGO)
    held("CP-1", "dead", location)

    first = server_processes_sweep(sweeper="one", now=now)
    second = server_processes_sweep(sweeper="two", now=now)

    assert (first.processes, second) == (1, Swept())


def test_a_process_whose_heartbeat_came_back_before_the_sweep_claimed_it_keeps_its_chargers(
    location, now, monkeypatch
):
    stale = process_row("slow", now, beat_ago=LONG_AGO)
    held("CP-1", "slow", location)
    clear = processes._dead_process_clear

    def heartbeat_first(**kwargs):
        # Its heartbeat lands between the sweep's read and its claim.
        ServerProcess.objects.filter(pk=stale.pk).update(heartbeat_at=now)
        return clear(**kwargs)

    monkeypatch.setattr(processes, "_dead_process_clear", heartbeat_first)

    assert server_processes_sweep(sweeper="me", now=now) == Swept()
    assert state("CP-1") == (True, "conn-CP-1", "slow")
    assert ServerProcess.objects.filter(pk="slow").exists()


def test_a_process_taken_for_dead_while_alive_gets_its_chargers_back(location, now):
    slow = process_row("slow", now, beat_ago=LONG_AGO)
    held("CP-KEPT", "slow", location)
    held("CP-LEFT", "slow", location)
    server_processes_sweep(sweeper="other", now=now)
    # Meanwhile one charger reconnected elsewhere.
    ChargePoint.objects.filter(pk="CP-LEFT").update(
        connected=True, connection_id="conn-new", connection_process="other"
    )

    server_process_heartbeat(process=slow, now=now)

    assert ServerProcess.objects.filter(pk="slow").exists()
    assert state("CP-KEPT") == (True, "conn-CP-KEPT", "slow")
    assert state("CP-LEFT") == (True, "conn-new", "other")


def test_a_charger_naming_no_registered_process_goes_offline_once_its_row_is_old(location, now):
    process_row("live", now)
    held("CP-OLD", "gone", location, updated_ago=LONG_AGO, now=now)
    # Just connected through a process whose own row is not committed yet.
    held("CP-NEW", "starting", location)

    assert server_processes_sweep(sweeper="live", now=now).chargers == 1

    assert state("CP-OLD") == (False, "", "")
    assert state("CP-NEW") == (True, "conn-CP-NEW", "starting")


def test_chargers_left_connected_by_an_older_server_are_cleared_when_a_process_starts(
    location, now
):
    # Rows from before processes had ids: no process of this version holds them.
    held("CP-LEGACY", "", location)

    assert server_processes_sweep(sweeper="live", now=now).chargers == 0
    assert state("CP-LEGACY")[0] is True

    server_process_start(process=ServerProcess(process_id="new", hostname="h", pid=2), now=now)

    assert state("CP-LEGACY") == (False, "", "")


def test_a_restart_times_out_commands_no_live_process_is_sending(location, now):
    # Left in flight by a server older than heartbeats: no process row names it.
    charger = held("CP-1", "", location)
    ChargePoint.objects.filter(pk="CP-1").update(connected=False, connection_id="")
    stuck = in_flight(charger, now, taken_ago=LONG_AGO, sent_ago=LONG_AGO)
    recent = in_flight(charger, now, taken_ago=1, sent_ago=1)

    server_process_start(process=ServerProcess(process_id="new", hostname="h", pid=2), now=now)

    assert status_of(stuck)[0] == CommandStatus.TIMED_OUT
    assert status_of(recent)[0] == CommandStatus.SENT


# -- what a user sees afterwards -----------------------------------------------------


class TakesEverything:
    sent: list

    def __init__(self):
        self.sent = []

    def supports(self, *, chargepoint, name):
        return True

    def translate(self, *, chargepoint, prepared):
        return "Reset", {"type": "Soft"}

    def send(self, *, command, wait):
        self.sent.append(command.pk)
        return True


def test_a_command_to_a_charger_of_a_dead_process_is_offline_at_once(location, now, monkeypatch):
    monkeypatch.setattr(transport_module, "_registered", [])
    transport = TakesEverything()
    command_transport_register(transport)
    process_row("dead", now, beat_ago=LONG_AGO)
    held("CP-1", "dead", location)
    server_processes_sweep(sweeper="me")

    command = command_request(
        chargepoint_id="CP-1",
        name=CommandName.RESET,
        params={"type": "soft"},
        source=CommandSource.API,
    )

    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert transport.sent == []


# -- the server's timer ----------------------------------------------------------------


async def _app(scope, receive, send):
    return None


def test_the_lifecycle_starts_then_beats_and_stops_after_the_last_beat():
    calls = []

    async def scenario():
        jobs = PeriodicJobs(
            _app,
            [],
            lifecycle=Lifecycle(
                start=lambda: calls.append("start"),
                heartbeat=lambda: calls.append("beat"),
                interval=0.01,
                stop=lambda: calls.append("stop"),
            ),
        )
        jobs.serve_start()
        for _ in range(500):
            if calls.count("beat") >= 2:
                break
            await asyncio.sleep(0.01)
        await jobs.serve_stop()

    asyncio.run(scenario())
    assert calls[0] == "start"
    assert calls[-1] == "stop"
    assert calls.count("beat") >= 2
    assert calls.count("stop") == 1


def test_a_heartbeat_interval_of_zero_switches_the_lifecycle_off():
    calls = []

    async def scenario():
        jobs = PeriodicJobs(
            _app,
            [],
            lifecycle=Lifecycle(
                start=lambda: calls.append("start"),
                heartbeat=lambda: calls.append("beat"),
                interval=0,
                stop=lambda: calls.append("stop"),
            ),
        )
        jobs.serve_start()
        await asyncio.sleep(0.05)
        await jobs.serve_stop()

    asyncio.run(scenario())
    assert calls == []


def test_a_request_alone_does_not_register_a_process():
    # Tests drive the application in-process: no heartbeat row for them.
    calls = []

    async def scenario():
        jobs = PeriodicJobs(
            _app,
            [],
            lifecycle=Lifecycle(
                start=lambda: calls.append("start"),
                heartbeat=lambda: calls.append("beat"),
                interval=0.01,
                stop=lambda: calls.append("stop"),
            ),
        )
        await jobs({"type": "http"}, None, None)
        await asyncio.sleep(0.05)
        return jobs.lifecycle_task

    assert asyncio.run(scenario()) is None
    assert calls == []


def test_the_asgi_application_runs_the_process_lifecycle(settings):
    from csms.asgi import application

    lifecycle = application.lifecycle
    assert lifecycle.interval == settings.CSMS_PROCESS_HEARTBEAT_INTERVAL
    assert (lifecycle.start, lifecycle.heartbeat, lifecycle.stop) == (
        processes.this_process_start,
        processes.this_process_heartbeat,
        processes.this_process_stop,
    )

"""Server processes and the chargers they hold: a charger is online only while its holder lives.

Each server process has a row (ServerProcess, named by csms.process.PROCESS_ID)
that it registers when it starts serving and whose heartbeat it refreshes
every ``CSMS_PROCESS_HEARTBEAT_INTERVAL`` seconds (csms/asgi.py runs these).
A process that stops normally clears its own chargers and commands
(``server_process_stop``). One that crashes clears nothing, so every process,
at start and on each heartbeat, sweeps (``server_processes_sweep``): a process
whose heartbeat is older than ``CSMS_PROCESS_STALE_AFTER`` is dead, its
chargers go offline and the commands no live process can still be sending
end as timed out. A command that outlived every sender's wait ends so on any
heartbeat, whoever sent it (its charger may be back at a live peer before its
dead sender was found). A process whose own heartbeat could not be written
for longer than the stale age (a stalled database) judges no one until it
has beaten again: its peers' heartbeats were held up as long as its own.

Every write is a conditional update, so two processes sweeping at once, or a
sweep and a charger's answer arriving together, never undo each other: the first
to act on a dead process deletes its row, and an answered command is untouched.
"""

import datetime
import functools
import logging
import os
import socket
from dataclasses import astuple, dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from chargepoints.enums import CommandStatus
from chargepoints.models import ChargePoint, Command, ServerProcess
from chargepoints.services.command_secrets import command_secrets_sweep
from chargepoints.services.connections import chargepoints_connection_set
from csms.process import PROCESS_ID

logger = logging.getLogger(__name__)

IN_FLIGHT = (CommandStatus.PENDING, CommandStatus.SENT)
# The condition of the partial index "command_in_flight" (Command.Meta), spelled
# out: SQLite uses a partial index only for a query that repeats its
# condition with the same constants, never with bound parameters.
_STATUSES = ", ".join(f"'{status}'" for status in IN_FLIGHT)
_IN_FLIGHT_INDEXED = RawSQL(
    f'"chargepoints_command"."status" IN ({_STATUSES})', (), output_field=BooleanField()
)
_ANY = Q()
# Rows per UPDATE ... WHERE id IN (...): under SQLite's variable limit.
CHUNK = 500


@dataclass(frozen=True)
class Swept:
    """What a sweep or a stop changed: processes removed, chargers taken offline, commands ended."""

    processes: int = 0
    chargers: int = 0
    commands: int = 0

    def __add__(self, other: "Swept") -> "Swept":
        return Swept(
            *(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True))
        )


def _seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


def server_process_start(*, process: ServerProcess, now: datetime.datetime | None = None) -> Swept:
    """Register a process that starts serving, and clear what processes that died left behind.

    A restart after a crash heals at once, except for a process whose
    heartbeat is still fresh: its turn comes when the heartbeat ages.
    """
    now = now or timezone.now()
    process.started_at = process.heartbeat_at = now
    process.save(force_insert=True)
    return server_processes_sweep(sweeper=process.pk, now=now, startup=True)


def server_process_heartbeat(
    *, process: ServerProcess, now: datetime.datetime | None = None
) -> Swept:
    """Refresh the process's heartbeat (one UPDATE), then sweep.

    ``process.heartbeat_at`` is its last heartbeat written. When that is
    older than the stale age, the database (or this process) stalled that
    long: every peer's heartbeat was held up too, so none is judged dead
    until this process has beaten again.
    """
    now = now or timezone.now()
    last = process.heartbeat_at
    if not ServerProcess.objects.filter(pk=process.pk).update(heartbeat_at=now):
        _revive(process=process, now=now)
    process.heartbeat_at = now
    stale = _seconds(settings.CSMS_PROCESS_STALE_AFTER)
    blind = last is None or now - last > stale
    if blind:
        logger.warning(
            "Server process %s could not write its heartbeat for %s: "
            "judging its peers at the next heartbeat",
            process,
            now - last if last is not None else "its whole life",
        )
    return server_processes_sweep(sweeper=process.pk, now=now, judge=not blind)


@transaction.atomic
def _revive(*, process: ServerProcess, now: datetime.datetime) -> None:
    """Back in the table after another process took this one for dead (or its start failed).

    Its heartbeats came too late (a locked database, a stalled loop): the
    others marked its chargers offline. Those still naming it are still
    connected here (a charger that left or went elsewhere no longer names
    it), so they are online again.
    """
    process.heartbeat_at = now
    try:
        with transaction.atomic():
            process.save(force_insert=True)
    except IntegrityError:
        pass  # registered meanwhile
    orphans = ChargePoint.objects.filter(connection_process=process.pk, connected=False)
    revived = chargepoints_connection_set(orphans, connected=True, last_updated=now)
    logger.error(
        "Server process %s had no heartbeat row (taken for dead, or its registration failed); "
        "registered again, %d chargers online again. If this recurs, raise "
        "CSMS_PROCESS_STALE_AFTER.",
        process,
        revived,
    )


@transaction.atomic
def server_process_stop(*, process: ServerProcess, now: datetime.datetime | None = None) -> Swept:
    """A process shutting down: its chargers offline, its commands in flight ended, its row gone."""
    now = now or timezone.now()
    commands = _commands_end(
        Command.objects.filter(
            status__in=IN_FLIGHT, chargepoint__connection_process=process.pk
        ).values_list("pk", flat=True),
        reason="The server process holding the charger's connection shut down "
        "with the command in flight.",
        now=now,
    )
    held = ChargePoint.objects.filter(connection_process=process.pk)
    chargers = chargepoints_connection_set(
        held, connected=False, connection_id="", connection_process="", last_updated=now
    )
    removed, _ = ServerProcess.objects.filter(pk=process.pk).delete()
    if commands:
        command_secrets_sweep()
    return Swept(removed, chargers, commands)


def server_processes_sweep(
    *,
    sweeper: str = "",
    now: datetime.datetime | None = None,
    startup: bool = False,
    judge: bool = True,
) -> Swept:
    """Clear what dead processes left: their chargers offline, their commands timed out.

    Cheap enough for every heartbeat: a quiet sweep is three statements, the
    stale processes by the heartbeat index, the commands in flight past any
    sender's wait by the ``command_in_flight`` index (which holds the
    commands in flight only), and the chargers naming no registered process
    by the ``connection_process`` index (its non-empty part: the connected
    chargers). Only when a process has died (or this one starts) are all
    commands in flight read, for those it was sending. ``judge`` False
    (this process just came out of a stall) leaves the processes and the
    commands alone. Times are compared across hosts: their clocks must agree
    (NTP) to well within ``CSMS_PROCESS_STALE_AFTER``.
    """
    now = now or timezone.now()
    cutoff = now - _seconds(settings.CSMS_PROCESS_STALE_AFTER)
    swept = Swept()
    if judge:
        dead = ServerProcess.objects.filter(heartbeat_at__lt=cutoff).exclude(pk=sweeper)
        for process in dead:
            swept += _dead_process_clear(process=process, cutoff=cutoff, now=now)
        swept += Swept(commands=_commands_overdue_end(now=now))
    if startup:
        reason = f"found when server process {sweeper[:8]} started"
        swept += Swept(commands=_commands_orphaned_end(reason=reason, now=now))
    if swept.commands:
        # Ended without command_finish: a password they carried is masked here.
        command_secrets_sweep()
    return swept + Swept(chargers=_chargers_unheld_clear(cutoff=cutoff, now=now, startup=startup))


@transaction.atomic
def _dead_process_clear(
    *, process: ServerProcess, cutoff: datetime.datetime, now: datetime.datetime
) -> Swept:
    # Claim it first: of two processes sweeping at once, the one whose DELETE
    # takes the row clears up, the other finds nothing. A process whose
    # heartbeat came back meanwhile keeps its row and its chargers.
    claimed, _ = ServerProcess.objects.filter(pk=process.pk, heartbeat_at__lt=cutoff).delete()
    if not claimed:
        return Swept()
    last = process.heartbeat_at.isoformat(timespec="seconds")
    logger.warning("Server process %s is dead: no heartbeat since %s", process, last)
    commands = _commands_orphaned_end(
        reason=f"found when server process {process} was found dead, "
        f"with no heartbeat since {last}",
        now=now,
    )
    # The connection ids stay: should the process turn out alive after all,
    # it finds its chargers by them (_revive).
    held = ChargePoint.objects.filter(connection_process=process.pk, connected=True)
    chargers = chargepoints_connection_set(held, connected=False, last_updated=now)
    return Swept(1, chargers, commands)


def _commands_orphaned_end(*, reason: str, now: datetime.datetime) -> int:
    """End the commands in flight that no live process can still finish.

    Only the connection that took a command sends it and records the answer,
    and it gives up after ``CSMS_COMMAND_TIMEOUT``; the requester gives up
    on a command no connection takes after ``CSMS_COMMAND_ACK_TIMEOUT``. So a
    command is an orphan when no connection took it and its requester should
    have given up long ago (it died with its process), when its charger is
    held by no live process or by one started after the command was taken
    (the charger came back to a restarted server), or when it was sent
    longer ago than any live sender waits. One heartbeat interval of slack
    leaves a live process time to record what it just saw (a connection
    that closed fails its commands itself). It reads every command in
    flight (by the ``command_in_flight`` index), and only when a process
    has died or starts.
    """
    slack = _seconds(settings.CSMS_PROCESS_HEARTBEAT_INTERVAL)
    recent = now - slack
    requester_gone = recent - _seconds(settings.CSMS_COMMAND_ACK_TIMEOUT)
    sender_gone = recent - _seconds(settings.CSMS_COMMAND_TIMEOUT)
    holders = dict(ServerProcess.objects.values_list("pk", "started_at"))
    untaken, taken = [], []
    in_flight = Command.objects.filter(_IN_FLIGHT_INDEXED, created_at__lt=recent)
    for pk, taken_at, sent_at, created_at, holder, connected in in_flight.values_list(
        "pk",
        "delivered_at",
        "sent_at",
        "created_at",
        "chargepoint__connection_process",
        "chargepoint__connected",
    ):
        if taken_at is None:
            if created_at < requester_gone:
                untaken.append(pk)
            continue
        holder_started = holders.get(holder) if connected else None
        if (
            (holder_started is None and taken_at < recent)
            or (holder_started is not None and taken_at < holder_started)
            or (sent_at is not None and sent_at < sender_gone)
        ):
            taken.append(pk)
    # Timed out, and why: no answer can come any more.
    reason = f"No live server process can send it or receive its answer any more ({reason})."
    # A command may be taken or answered meanwhile: the filters on its state
    # then leave it alone.
    ended = _commands_end(untaken, reason=reason, now=now, condition=Q(delivered_at__isnull=True))
    return ended + _commands_end(taken, reason=reason, now=now)


def _commands_overdue_end(*, now: datetime.datetime) -> int:
    """End the commands still in flight long after any live sender would have ended them.

    The connection that sends a command ends it within
    ``CSMS_COMMAND_TIMEOUT`` of sending it, and a requester gives up on an
    untaken one within ``CSMS_COMMAND_ACK_TIMEOUT``; one still in flight
    ``CSMS_PROCESS_STALE_AFTER`` after that lost its sender, whichever
    process that was. The dead-process sweep misses one whose charger came
    back to a peer that started before the command was taken.

    A command a connection took but has not sent waits its turn behind the
    charger's others (one call at a time), each for up to the timeout: it is
    left while its charger has had a command sent within the same span.

    The quiet case is one SELECT, of the ``command_in_flight`` index only.
    """
    overdue_after = settings.CSMS_COMMAND_TIMEOUT + settings.CSMS_PROCESS_STALE_AFTER
    overdue = now - _seconds(overdue_after)
    rows = list(
        Command.objects.filter(
            _IN_FLIGHT_INDEXED,
            Q(sent_at__lt=overdue) | Q(sent_at__isnull=True, created_at__lt=overdue),
        )
        .order_by()
        .values_list("pk", "chargepoint_id", "sent_at", "delivered_at")
    )
    if not rows:
        return 0
    queued = {chargepoint for _, chargepoint, sent, taken in rows if sent is None and taken}
    moving = set(
        Command.objects.filter(chargepoint_id__in=queued, sent_at__gte=overdue)
        .order_by()
        .values_list("chargepoint_id", flat=True)
        if queued
        else ()
    )
    ended = _commands_end(
        (pk for pk, cp, sent, taken in rows if sent or not taken or cp not in moving),
        reason=f"Still in flight {overdue_after:g} s after it was sent (or requested): the "
        "connection that held it is gone and no live server process can receive its answer.",
        now=now,
        # A send recorded meanwhile leaves it alone.
        condition=Q(sent_at__lt=overdue) | Q(sent_at__isnull=True),
    )
    if ended:
        logger.warning("Timed out %d commands in flight past any sender's wait", ended)
    return ended


def _commands_end(ids, *, reason: str, now: datetime.datetime, condition: Q = _ANY) -> int:
    """Time out these commands unless they have ended meanwhile (a conditional update)."""
    ids = list(ids)
    ended = 0
    for start in range(0, len(ids), CHUNK):
        commands = Command.objects.filter(pk__in=ids[start : start + CHUNK], status__in=IN_FLIGHT)
        ended += commands.filter(condition).update(
            status=CommandStatus.TIMED_OUT,
            error_description=reason,
            answered_at=now,
            updated_at=now,
        )
    return ended


def _chargers_unheld_clear(
    *, cutoff: datetime.datetime, now: datetime.datetime, startup: bool
) -> int:
    """Chargers marked connected by a process that is not registered: offline.

    A connection admitted while its process was shutting down, or a row the
    process named before its own registration committed, may name a process
    without a row: those unchanged for longer than the stale age are held
    by no one. A row naming no process at all was written by a server older
    than this rule (a process of this version always names itself), which
    never cleared its chargers: such rows are cleared when a process starts,
    that is, at the upgrade. In a rolling upgrade, chargers an old process
    still holds then show offline until they reconnect to a new one.
    """
    named = ChargePoint.objects.filter(
        connected=True, connection_process__gt="", last_updated__lt=cutoff
    ).exclude(connection_process__in=ServerProcess.objects.values("pk"))
    unheld = chargepoints_connection_set(
        named, connected=False, connection_id="", connection_process="", last_updated=now
    )
    if startup:
        unnamed = ChargePoint.objects.filter(connected=True, connection_process="")
        unheld += chargepoints_connection_set(
            unnamed, connected=False, connection_id="", last_updated=now
        )
    return unheld


# -- this process, as the server runs it (csms/asgi.py) ------------------------------


@functools.cache
def _this_process() -> ServerProcess:
    now = timezone.now()
    return ServerProcess(
        process_id=PROCESS_ID,
        hostname=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=now,
        heartbeat_at=now,
    )


def this_process_start() -> None:
    interval, stale = settings.CSMS_PROCESS_HEARTBEAT_INTERVAL, settings.CSMS_PROCESS_STALE_AFTER
    if stale < 3 * interval:
        logger.warning(
            "CSMS_PROCESS_STALE_AFTER (%g s) is less than three heartbeats (%g s each): "
            "one late heartbeat will have live processes taken for dead.",
            stale,
            interval,
        )
    swept = server_process_start(process=_this_process())
    logger.info("Server process %s registered; swept %s", _this_process(), swept)


def this_process_heartbeat() -> None:
    swept = server_process_heartbeat(process=_this_process())
    if swept != Swept():
        logger.info("Swept after dead server processes: %s", swept)


def this_process_stop() -> None:
    swept = server_process_stop(process=_this_process())
    logger.info("Server process %s stopped; cleared %s", _this_process(), swept)

"""The gateway's one async/sync seam to the domain services (docs/architecture.md rule 3).

Django keeps database connections per async *context*, and Channels closes
them before every message. Left at that, each OCPP message opened a new
connection (a third of the server's time under load), or, kept open, every
charger connection would hold its own database connection: a thousand
chargers, a thousand PostgreSQL connections per process.

So all gateway database work runs in a fixed set of writer threads
(``CSMS_DB_WRITERS``), each inside one fixed context with one connection,
reused, checked after idling and dropped when it has failed: a bounded
pool, whatever the number of chargers. What arrives together at a writer is
committed together (``_Writer``): the commit, not the frame, is the unit of
database work under load.

A charger's work always goes to the same writer (chosen by its id), so its
frames are stored in the order they came and two writers never wait on
each other for one charger's rows. SQLite takes one writer at a time
anyway, so there the pool is one thread; a database server answers over the
network, and several writers keep it busy while each waits for an answer.
"""

import asyncio
import contextvars
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db import transaction as db_transaction

from chargepoints.services.connections import chargepoints_existing
from chargepoints.services.live import live_outbox
from ocpp_gateway.services import Frame, messages_record, messages_record_many

logger = logging.getLogger(__name__)

# A connection idle this long is checked before use: the database may have
# closed it meanwhile (server restart, idle timeout).
IDLE_CHECK_SECONDS = 30.0
# At most this many calls share one commit: a batch holds the write lock
# (SQLite) while it runs, and other writers of the process wait for it.
BATCH_MAX = 100
# Message log entries (two per frame) ride along, in one insert per batch.
LOG_MAX = 4 * BATCH_MAX

# Tests drive adapters from a test's own database transaction, so there the
# work must run in the caller's context (see tests/conftest.py).
SHARED_CONTEXT = True


def _ready_connections(last_used: float) -> None:
    idle = time.monotonic() - last_used > IDLE_CHECK_SECONDS
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        # After an error, reconnect rather than trust the connection (SQLite's
        # is_usable() always says yes); after idling, ask the database.
        if connection.errors_occurred or (idle and not connection.is_usable()):
            connection.close()


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        connection.close()


@dataclass
class _Call:
    function: Callable
    kwargs: dict
    # The caller's future, on its event loop: set there, never from the writer.
    future: asyncio.Future
    # The event loop of the caller: answers are delivered and live updates
    # published there.
    loop: asyncio.AbstractEventLoop
    # False: run alone, outside a transaction (closing connections).
    batched: bool = True


@dataclass
class _Log:
    """Frames for the message log: nobody waits for them (docs/architecture.md rule 7)."""

    chargepoint_id: str
    frames: Sequence[Frame]


class _Writer:
    """One thread doing all the gateway's database work, many calls to a commit.

    Calls that arrive while a batch runs make the next batch: under load a
    commit carries the work of many frames, and each call's answer is
    released only once that commit succeeded (docs/architecture.md rule 7).
    Each call runs in a savepoint of its own, so one that fails is rolled
    back alone; if the commit fails, every call of the batch fails with it
    and nothing of the batch is stored (the chargers are answered an error
    and send again).
    """

    def __init__(self, name: str = "gateway-db"):
        self.name = name
        self.calls: queue.SimpleQueue = queue.SimpleQueue()
        self.context = contextvars.Context()
        self.started = threading.Lock()
        self.thread: threading.Thread | None = None
        self.last_used = 0.0

    def submit(self, function, kwargs, *, batched: bool = True) -> asyncio.Future:
        self.submit_started()
        loop = asyncio.get_running_loop()
        call = _Call(function, kwargs, loop.create_future(), loop, batched)
        self.calls.put(call)
        return call.future

    def log(self, entry: _Log) -> None:
        self.submit_started()
        self.calls.put(entry)

    def submit_started(self) -> None:
        with self.started:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self.thread.start()

    def _run(self) -> None:
        held = None
        while True:
            first = held if held is not None else self.calls.get()
            held = None
            calls, logs = ([], [first]) if isinstance(first, _Log) else ([first], [])
            alone = bool(calls) and not first.batched
            while not alone and len(calls) < BATCH_MAX and len(logs) < LOG_MAX:
                try:
                    item = self.calls.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, _Log):
                    logs.append(item)
                elif not item.batched:
                    # A call that must run alone goes next, on its own.
                    held = item
                    break
                else:
                    calls.append(item)
            try:
                self.context.run(self._batch, calls, logs)
            except Exception as error:
                # The thread must outlive any failure, or the gateway stops.
                logger.exception("Gateway database work failed")
                _deliver([(call, False, error) for call in calls])

    def _batch(self, batch: list[_Call], logs: list[_Log]) -> None:
        # A caller that gave up (its charger left) needs no work done. Read
        # across threads, a state may be stale: the work then runs, unawaited.
        calls = [call for call in batch if not call.future.cancelled()]
        if not calls and not logs:
            return
        _ready_connections(self.last_used)
        self.last_used = time.monotonic()
        if calls and not calls[0].batched:
            _deliver([_settled(calls[0])])
            return
        outcomes = []
        try:
            with live_outbox() as outbox, db_transaction.atomic():
                for call in calls:
                    # The savepoint's release may fail too: the outcome counts after it.
                    try:
                        with db_transaction.atomic():
                            value = call.function(**call.kwargs)
                        outcome = (True, value)
                    except Exception as error:
                        outcome = (False, error)
                    outcomes.append(outcome)
                if logs:
                    _log_record(logs)
                if connections[DEFAULT_DB_ALIAS].needs_rollback:
                    # A savepoint that could not be rolled back dooms the whole
                    # transaction; leaving the block would roll it back silently
                    # and answer every call as stored (rule 7).
                    raise DatabaseError("The batch's transaction was rolled back")
        except Exception as error:
            logger.exception("A batch of %d gateway calls could not be committed", len(calls))
            _deliver([(call, False, error) for call in calls])
            return
        results = [(call, ok, value) for call, (ok, value) in zip(calls, outcomes, strict=True)]
        # What the batch committed goes to the apps watching, once per batch.
        _deliver(results, outbox)


def _log_record(logs: list[_Log]) -> None:
    """The batch's message log entries, in one insert of their own savepoint.

    Entries of a charger deleted meanwhile are dropped: its foreign key would
    fail only at the commit, taking every call of the batch with it. If the
    one insert fails (a frame the database refuses to store), each charger's
    entries are tried alone, so one charger cannot empty the log of others.
    """
    entries = [(log.chargepoint_id, log.frames) for log in logs]
    known = chargepoints_existing({chargepoint_id for chargepoint_id, _ in entries})
    entries = [entry for entry in entries if entry[0] in known]
    try:
        with db_transaction.atomic():
            messages_record_many(entries)
        return
    except Exception:
        if len(entries) == 1:
            logger.exception("Message log entries of %s not recorded", entries[0][0])
            return
    for entry in entries:
        try:
            with db_transaction.atomic():
                messages_record_many([entry])
        except Exception:
            # The log must never cost a charger its data or its answer.
            logger.exception("Message log entries of %s not recorded", entry[0])


def _settled(call: _Call) -> tuple[_Call, bool, object]:
    try:
        return call, True, call.function(**call.kwargs)
    except Exception as error:
        return call, False, error


def _deliver(results: list[tuple[_Call, bool, object]], outbox: dict | None = None) -> None:
    """Hand a batch's answers (and its live updates) to the callers' event loop, at once.

    One wake-up of the loop per batch, not one per call: each wake-up hands
    the interpreter lock to the loop, and the writer waits to get it back
    (up to 5 ms while the loop is busy), so a batch of ten calls took 30 ms
    to answer.
    """
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for result in results:
        by_loop.setdefault(result[0].loop, []).append(result)
    for number, (loop, answers) in enumerate(by_loop.items()):
        try:
            loop.call_soon_threadsafe(_answer, answers, outbox if number == 0 else None)
        except RuntimeError:
            logger.warning("Answers not delivered: the server is stopping")


_publishing: set[asyncio.Task] = set()


def _answer(results: list[tuple[_Call, bool, object]], outbox: dict | None) -> None:
    """On the event loop: set each caller's future, then publish the live updates."""
    for call, ok, value in results:
        if call.future.done():
            continue  # cancelled meanwhile
        if ok:
            call.future.set_result(value)
        else:
            call.future.set_exception(value)
    if outbox:
        task = asyncio.get_running_loop().create_task(_publish(outbox))
        # The loop keeps only a weak reference to a task: keep it until done.
        _publishing.add(task)
        task.add_done_callback(_publishing.discard)


_writers: list[_Writer] = []
_writers_made = threading.Lock()


def _pool() -> list[_Writer]:
    if not _writers:
        with _writers_made:
            if not _writers:
                count = max(1, settings.CSMS_DB_WRITERS)
                _writers.extend(_Writer(f"gateway-db-{number}") for number in range(count))
    return _writers


def _writer_for(chargepoint_id: str | None) -> _Writer:
    """The charger's writer; work about no charger (authorization) goes to the first."""
    writers = _pool()
    if chargepoint_id is None or len(writers) == 1:
        return writers[0]
    return writers[zlib.crc32(chargepoint_id.encode()) % len(writers)]


async def gateway_db(function, /, **kwargs):
    """Run a synchronous service with the gateway's database connection.

    Then publish the live transaction updates the service committed, for
    apps watching (WebSocket /ws/v1/transactions/<id>/).
    """
    if SHARED_CONTEXT:
        # The writer publishes what its batch committed.
        writer = _writer_for(kwargs.get("chargepoint_id"))
        return await writer.submit(function, kwargs)
    result, outbox = await sync_to_async(_collecting)(function, kwargs)
    if outbox:
        await _publish(outbox)
    return result


async def gateway_log(chargepoint_id: str, frames: Sequence[Frame]) -> None:
    """Queue frames for the message log: they join the next batch, in one insert.

    The caller goes on at once; a failure is logged. (Where tests run the
    work in their own transaction, it is done before this returns.)
    """
    if not SHARED_CONTEXT:
        await gateway_db(messages_record, chargepoint_id=chargepoint_id, frames=frames)
        return
    _writer_for(chargepoint_id).log(_Log(chargepoint_id, frames))


async def gateway_db_close() -> None:
    """Close the gateway's database connections, between two batches (tests, shutdown)."""
    if SHARED_CONTEXT:
        await asyncio.gather(
            *(writer.submit(_close_connections, {}, batched=False) for writer in _pool())
        )


def _collecting(function, kwargs):
    """Run the service; return its result and the live updates it committed."""
    with live_outbox() as outbox:
        result = function(**kwargs)
    return result, outbox


async def _publish(outbox: dict[str, dict]) -> None:
    layer = get_channel_layer()
    for group, message in outbox.items():
        try:
            await layer.group_send(group, message)
        except Exception:
            # An app missing one update is better than a charger's message
            # failing: the data is stored, the next update carries it.
            logger.exception("Live update to %s not published", group)

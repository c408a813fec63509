"""The gateway's database seam: one connection per server process, whoever calls."""

import asyncio
import itertools
import threading
import time

import pytest
from django.db import (
    DataError,
    Error,
    IntegrityError,
    OperationalError,
    connection,
    connections,
)
from django.utils import timezone

from ocpp_gateway import db
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.services import Frame, messages_record


@pytest.fixture
def shared_context(monkeypatch, settings):
    """The real seam, one writer as on SQLite; its connections are closed afterwards."""
    monkeypatch.setattr(db, "SHARED_CONTEXT", True)
    monkeypatch.setattr(db, "_writers", [])
    settings.CSMS_DB_WRITERS = 1
    yield
    asyncio.run(db.gateway_db_close())


@pytest.fixture
def three_writers(shared_context, settings):
    settings.CSMS_DB_WRITERS = 3


def _connection_id(**_) -> int:
    connection.ensure_connection()
    return id(connection.connection)


@pytest.mark.django_db(transaction=True)
def test_every_charger_connection_shares_one_database_connection(shared_context):
    async def many_chargers():
        # Each task stands for one charger's consumer, with its own context.
        return await asyncio.gather(
            *(asyncio.create_task(db.gateway_db(_connection_id)) for _ in range(20))
        )

    assert len(set(asyncio.run(many_chargers()))) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_connection_is_replaced_before_the_next_call(request):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Django ignores close() on an in-memory database (it would destroy it);
        # this runs for real in CI's PostgreSQL pass.
        pytest.skip("needs a database whose connections can be closed")
    request.getfixturevalue("shared_context")

    def break_it(**_):
        connection.ensure_connection()
        connection.connection.close()  # as if the database went away
        connection.errors_occurred = True

    def still_works(**_):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]

    async def scenario():
        # Its batch cannot commit on the broken connection: the call fails
        # (the charger is answered an error and sends again)...
        with pytest.raises(Error):
            await db.gateway_db(break_it)
        # ...and the next one gets a new connection.
        return await db.gateway_db(still_works)

    assert asyncio.run(scenario()) == 1


_BATCHES = itertools.count(1)


def _batch_of(**_) -> int:
    """A number for the batch's transaction (its outermost atomic block).

    Not id(): a block freed after its batch may lend its id to the next.
    """
    block = connection.atomic_blocks[0]
    if not hasattr(block, "batch_number"):
        block.batch_number = next(_BATCHES)
    return block.batch_number


def _slow(*, started: threading.Event, **_) -> int:
    started.set()
    time.sleep(0.3)  # keeps the writer busy while the others queue up
    return _batch_of()


def _log(*, chargepoint_id: str, message_id: str, fail: bool = False) -> int:
    messages_record(
        chargepoint_id=chargepoint_id,
        frames=[Frame("in", 2, message_id, "Heartbeat", {}, timezone.now())],
    )
    if fail:
        raise ValueError(f"{message_id} failed")
    return _batch_of()


async def _together(*calls):
    """Submit the calls at once, behind one slow call; their results or exceptions."""
    started = threading.Event()
    first = asyncio.create_task(db.gateway_db(_slow, started=started))
    # Not a fixed pause: a loaded machine may take longer to start the writer.
    assert await asyncio.to_thread(started.wait, 60)
    rest = [asyncio.create_task(db.gateway_db(function, **kwargs)) for function, kwargs in calls]
    return [await first, *await asyncio.gather(*rest, return_exceptions=True)]


@pytest.mark.django_db(transaction=True)
def test_calls_that_arrive_together_share_one_commit(shared_context, chargepoint):
    results = asyncio.run(_together(*[(_batch_of, {})] * 30))

    # The slow call alone, then the thirty queued behind it in one transaction.
    assert results[0] != results[1]
    assert len(set(results[1:])) == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_answered_with_one_wake_up_of_the_event_loop(shared_context, chargepoint):
    # Each wake-up hands the interpreter lock to the loop and makes the writer
    # wait for it back: one per call made a batch of ten take 30 ms to answer.
    wake_ups = []

    async def scenario():
        loop = asyncio.get_running_loop()
        original = loop.call_soon_threadsafe

        def counted(callback, *args, **kwargs):
            if threading.current_thread().name.startswith("gateway-db"):
                wake_ups.append(callback)
            return original(callback, *args, **kwargs)

        loop.call_soon_threadsafe = counted
        return await _together(*[(_batch_of, {})] * 10)

    results = asyncio.run(scenario())

    assert len(set(results[1:])) == 1  # the ten shared a batch
    # The slow call's batch, then the ten's: two wake-ups, whatever the batch size.
    assert [callback.__name__ for callback in wake_ups] == ["_answer", "_answer"]


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_caller_costs_the_others_of_its_batch_nothing(shared_context, chargepoint):
    async def scenario():
        started = threading.Event()
        slow = asyncio.create_task(db.gateway_db(_slow, started=started))
        assert await asyncio.to_thread(started.wait, 60)
        gone = asyncio.create_task(db.gateway_db(_batch_of))
        kept = asyncio.create_task(
            db.gateway_db(_log, chargepoint_id=chargepoint.pk, message_id="kept")
        )
        await asyncio.sleep(0)
        gone.cancel()
        await slow
        return await kept, gone.cancelled()

    kept, cancelled = asyncio.run(scenario())

    assert cancelled
    assert isinstance(kept, int)  # answered
    assert list(OCPPMessage.objects.values_list("message_id", flat=True)) == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_call_is_rolled_back_alone(shared_context, chargepoint):
    def log(message_id, **options):
        return (_log, {"chargepoint_id": chargepoint.pk, "message_id": message_id, **options})

    results = asyncio.run(_together(log("a"), log("b", fail=True), log("c")))

    assert results[1] == results[3]  # a and c shared a batch with the failing b
    assert isinstance(results[2], ValueError) and str(results[2]) == "b failed"
    assert sorted(OCPPMessage.objects.values_list("message_id", flat=True)) == ["a", "c"]


@pytest.mark.django_db(transaction=True)
def test_when_a_batch_cannot_commit_every_call_in_it_fails_and_nothing_is_stored(
    shared_context, chargepoint
):
    # A charge point that does not exist: its foreign key fails at the commit.
    results = asyncio.run(
        _together(
            (_log, {"chargepoint_id": chargepoint.pk, "message_id": "fine"}),
            (_log, {"chargepoint_id": "NO-SUCH-CHARGER", "message_id": "orphan"}),
        )
    )

    assert all(isinstance(result, IntegrityError) for result in results[1:])
    assert not OCPPMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_message_log_does_not_hold_up_its_caller_and_joins_the_next_batch(
    shared_context, chargepoint
):
    release = threading.Event()

    def blocked(**_):
        # The writer is busy with this until the test has queued its work.
        assert release.wait(timeout=60)

    def frame(message_id):
        return [Frame("in", 2, message_id, "Heartbeat", {}, timezone.now())]

    async def scenario():
        busy = asyncio.create_task(db.gateway_db(blocked))
        await asyncio.sleep(0.05)
        await db.gateway_log(chargepoint.pk, frame("first"))
        await db.gateway_log(chargepoint.pk, frame("second"))
        # Both returned while the writer was still blocked, and nothing is stored yet.
        stored_meanwhile = await asyncio.to_thread(_stored_ids)
        release.set()
        await busy
        await db.gateway_db(_batch_of)  # behind the queued log
        return stored_meanwhile

    assert asyncio.run(scenario()) == []
    assert _stored_ids() == ["first", "second"]


def _stored_ids() -> list[str]:
    try:
        return sorted(OCPPMessage.objects.values_list("message_id", flat=True))
    finally:
        connection.close()


def _behind_a_blocked_writer(*work):
    """Queue the work behind a call that holds the writer, so it all makes one batch."""
    release = threading.Event()

    def blocked(**_):
        assert release.wait(timeout=60)

    async def scenario():
        busy = asyncio.create_task(db.gateway_db(blocked))
        await asyncio.sleep(0.05)
        tasks = [asyncio.create_task(step()) for step in work]
        await asyncio.sleep(0.1)
        release.set()
        await busy
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await db.gateway_db(_batch_of)  # behind the queued log entries
        return results

    return asyncio.run(scenario())


def _frames(message_id: str, payload=None) -> list:
    return [Frame("in", 2, message_id, "DataTransfer", payload or {}, timezone.now())]


@pytest.mark.django_db(transaction=True)
def test_a_message_log_that_cannot_be_written_costs_no_call_its_answer(
    shared_context, chargepoint, monkeypatch, caplog
):
    def broken(entries):
        raise ValueError("disk full")

    monkeypatch.setattr(db, "messages_record_many", broken)
    _, answered = _behind_a_blocked_writer(
        lambda: db.gateway_log(
            chargepoint.pk, [Frame("in", 2, "m", "Heartbeat", {}, timezone.now())]
        ),
        # Queued behind the log: the same batch.
        lambda: db.gateway_db(_connection_id),
    )

    assert isinstance(answered, int)
    assert f"Message log entries of {chargepoint.pk} not recorded" in caplog.text
    assert "disk full" in caplog.text


def _thread_name(**_) -> str:
    return threading.current_thread().name


@pytest.mark.django_db(transaction=True)
def test_a_chargers_work_always_goes_to_the_same_writer(three_writers):
    async def scenario():
        names = {}
        for number in range(30):
            charger = f"CP-{number}"
            names[charger] = {
                await db.gateway_db(_thread_name, chargepoint_id=charger) for _ in range(3)
            }
        return names

    names = asyncio.run(scenario())
    assert all(len(threads) == 1 for threads in names.values())
    # Thirty chargers are spread over the three writers, no more.
    used = set().union(*names.values())
    assert used == {"gateway-db-0", "gateway-db-1", "gateway-db-2"}


@pytest.mark.django_db(transaction=True)
def test_a_busy_writer_does_not_hold_up_the_chargers_of_another(three_writers):
    if connection.vendor == "sqlite":
        # SQLite writes one transaction at a time, so it runs one writer (settings.py);
        # this runs for real in CI's PostgreSQL pass.
        pytest.skip("needs a database server: SQLite has one writer")
    release = threading.Event()

    def blocked(**_):
        assert release.wait(timeout=60)
        return _thread_name()

    async def scenario():
        stuck = asyncio.create_task(db.gateway_db(blocked, chargepoint_id="CP-0"))
        await asyncio.sleep(0.05)
        blocked_writer = db._writer_for("CP-0").name
        other = next(
            f"CP-{n}" for n in range(1, 100) if db._writer_for(f"CP-{n}").name != blocked_writer
        )
        # Answered while the first writer is still busy.
        answered = await asyncio.wait_for(db.gateway_db(_thread_name, chargepoint_id=other), 10)
        release.set()
        return blocked_writer, answered, await stuck

    blocked_writer, answered, stuck = asyncio.run(scenario())
    assert answered != blocked_writer and stuck == blocked_writer


@pytest.mark.django_db(transaction=True)
def test_the_log_of_a_charger_deleted_meanwhile_costs_the_batch_nothing(
    shared_context, chargepoint
):
    # An operator deleted a charger whose socket is still open: its log entry
    # would fail the foreign key at the commit, and with it every call.
    results = _behind_a_blocked_writer(
        lambda: db.gateway_log("DELETED-CP", _frames("orphan")),
        lambda: db.gateway_log(chargepoint.pk, _frames("kept")),
        lambda: db.gateway_db(_log, chargepoint_id=chargepoint.pk, message_id="stored"),
    )

    assert not any(isinstance(result, Exception) for result in results), results
    assert _stored_ids() == ["kept", "stored"]


@pytest.mark.django_db(transaction=True)
def test_a_log_entry_the_database_refuses_costs_no_other_charger_its_entries(
    shared_context, chargepoint, location, monkeypatch
):
    other = location.chargepoints.create(chargepoint_id="OTHER-CP")
    real = db.messages_record_many

    def refuses_the_bad_one(entries):
        # As PostgreSQL refuses a NUL character in a payload.
        if any(frame.payload.get("data") == "x\x00" for _, frames in entries for frame in frames):
            raise DataError("unsupported Unicode escape sequence")
        real(entries)

    monkeypatch.setattr(db, "messages_record_many", refuses_the_bad_one)
    _behind_a_blocked_writer(
        lambda: db.gateway_log(chargepoint.pk, _frames("bad", {"data": "x\x00"})),
        lambda: db.gateway_log(other.pk, _frames("good")),
    )

    assert _stored_ids() == ["good"]


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_that_cannot_be_rolled_back_fails_every_call_of_the_batch(
    shared_context, chargepoint, monkeypatch
):
    def cannot_roll_back(self, sid):
        raise OperationalError("the connection was lost")

    def fails(**_):
        raise ValueError("a service error")

    async def scenario():
        return await _together(
            (_log, {"chargepoint_id": chargepoint.pk, "message_id": "before"}),
            (fails, {}),
            (_log, {"chargepoint_id": chargepoint.pk, "message_id": "after"}),
        )

    # On the class: the writer has its own connection object.
    with monkeypatch.context() as patched:
        patched.setattr(type(connections["default"]), "savepoint_rollback", cannot_roll_back)
        results = asyncio.run(scenario())

    # Nothing was committed, so no call may be answered as stored.
    assert all(isinstance(result, Exception) for result in results[1:]), results
    assert _stored_ids() == []

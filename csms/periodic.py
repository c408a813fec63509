"""Jobs the server process runs by itself every so often, beside the requests it serves.

Each run is a plain synchronous function called in a worker thread, so the
loop keeps serving while it touches the database. The jobs start with the
first connection or request the process serves, in its own event loop, or
when Daphne's reactor starts, whichever comes first.

A server process's own life (``Lifecycle``: register, heartbeat, clean up)
is tied to Daphne's reactor. Daphne sends no ASGI lifespan events, so the
reactor is where start and stop are seen: ``callWhenRunning`` for the start,
and a "before shutdown" trigger for the stop, which Twisted fires on SIGTERM
and SIGINT and waits for (the loop still runs then) before it closes the
connections. A process killed outright runs no stop: the others' sweep
clears up after it (chargepoints/services/processes.py).
"""

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import close_old_connections

logger = logging.getLogger(__name__)


async def every(
    interval: float, job: Callable[[], object], *, executor: ThreadPoolExecutor | None = None
) -> None:
    """Run ``job`` every ``interval`` seconds, for ever; a failed run is logged, not fatal."""
    while True:
        await asyncio.sleep(interval)
        await _run_logged(job, executor)


async def _run_logged(job: Callable[[], object], executor: ThreadPoolExecutor | None) -> None:
    try:
        await sync_to_async(_run, thread_sensitive=False, executor=executor)(job)
    except Exception:
        logger.exception("Periodic job %s failed", getattr(job, "__name__", job))


def _run(job: Callable[[], object]) -> None:
    # A thread of its own: it closes what it opened, as a request would.
    close_old_connections()
    try:
        job()
    finally:
        close_old_connections()


@dataclass(frozen=True)
class Lifecycle:
    """What a server process does as it starts serving, every ``interval`` seconds, and at stop."""

    start: Callable[[], object]
    heartbeat: Callable[[], object]
    interval: float
    stop: Callable[[], object]


class PeriodicJobs:
    """ASGI wrapper that starts the jobs (interval, function) once the process serves.

    An interval of 0 or less switches a job off. With a ``lifecycle``, a
    process served by Daphne also runs its start, heartbeat and stop; other
    hosts of the application (tests driving it in-process) do not.
    """

    def __init__(
        self,
        application,
        jobs: list[tuple[float, Callable[[], object]]],
        *,
        lifecycle: Lifecycle | None = None,
    ):
        self.application = application
        self.jobs = jobs
        self.tasks: list[asyncio.Task] | None = None
        self.lifecycle = lifecycle
        self.lifecycle_task: asyncio.Task | None = None
        # Start, heartbeats and stop take turns in one thread of their own: a
        # stop never overtakes a heartbeat still writing, and a pool busy with
        # other work (password hashing at a fleet's reconnection) never makes
        # the heartbeat late enough for the process to be taken for dead.
        self.executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="csms-process")
            if lifecycle is not None
            else None
        )
        if lifecycle is not None:
            _attach_to_reactor(self)

    async def __call__(self, scope, receive, send):
        if self.tasks is None:
            self.jobs_start()
        return await self.application(scope, receive, send)

    def jobs_start(self) -> None:
        """Start the periodic jobs, once; in the running event loop."""
        if self.tasks is None:
            # Kept referenced: the loop holds tasks only weakly.
            self.tasks = [
                asyncio.create_task(every(interval, job))
                for interval, job in self.jobs
                if interval > 0
            ]

    def serve_start(self) -> None:
        """The process serves: register it, then beat; in the running event loop.

        A heartbeat interval of 0 or less switches the whole lifecycle off:
        a process that never beats would be taken for dead by the others.
        """
        self.jobs_start()
        lifecycle = self.lifecycle
        if lifecycle is not None and lifecycle.interval > 0 and self.lifecycle_task is None:
            self.lifecycle_task = asyncio.create_task(self._lifecycle_run())

    async def _lifecycle_run(self) -> None:
        await _run_logged(self.lifecycle.start, self.executor)
        await every(self.lifecycle.interval, self.lifecycle.heartbeat, executor=self.executor)

    async def serve_stop(self) -> None:
        """The process stops serving: no more heartbeats, then its own clean-up."""
        for task in [self.lifecycle_task, *(self.tasks or [])]:
            if task is not None:
                task.cancel()
        if self.lifecycle_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.lifecycle_task
            # Queued behind a heartbeat still running in the same thread.
            await _run_logged(self.lifecycle.stop, self.executor)


def _attach_to_reactor(jobs: PeriodicJobs) -> None:
    """Under Daphne, start and stop with its reactor; elsewhere do nothing.

    Daphne installs its asyncio reactor before it imports the application
    (every Django process does, through the ``daphne`` app), but only a
    server runs it: a reactor that never runs calls nothing.
    """
    reactor = sys.modules.get("twisted.internet.reactor")
    if reactor is None:
        return
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    if not isinstance(reactor, AsyncioSelectorReactor):
        return
    # Startup triggers run before the asyncio loop does: start in its first turn.
    reactor.callWhenRunning(reactor.callLater, 0, jobs.serve_start)
    reactor.addSystemEventTrigger("before", "shutdown", _stopping, jobs)


def _stopping(jobs: PeriodicJobs):
    from twisted.internet.defer import Deferred

    # Twisted waits for the Deferred before it closes connections and stops the loop.
    return Deferred.fromFuture(asyncio.ensure_future(jobs.serve_stop()))

"""Jobs the server process runs by itself every so often, beside the requests it serves.

Daphne has no start-up hook for the application (no ASGI lifespan), so the
timer starts with the first connection or request the process serves, in
its own event loop. Each run is a plain synchronous function called in a
worker thread, so the loop keeps serving while it touches the database.
"""

import asyncio
import logging
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import close_old_connections

logger = logging.getLogger(__name__)


async def every(interval: float, job: Callable[[], object]) -> None:
    """Run ``job`` every ``interval`` seconds, for ever; a failed run is logged, not fatal."""
    while True:
        await asyncio.sleep(interval)
        try:
            await sync_to_async(_run, thread_sensitive=False)(job)
        except Exception:
            logger.exception("Periodic job %s failed", getattr(job, "__name__", job))


def _run(job: Callable[[], object]) -> None:
    # A thread of its own: it closes what it opened, as a request would.
    close_old_connections()
    try:
        job()
    finally:
        close_old_connections()


class PeriodicJobs:
    """ASGI wrapper that starts the jobs (interval, function) once the process serves.

    An interval of 0 or less switches a job off.
    """

    def __init__(self, application, jobs: list[tuple[float, Callable[[], object]]]):
        self.application = application
        self.jobs = jobs
        self.tasks: list[asyncio.Task] | None = None

    async def __call__(self, scope, receive, send):
        if self.tasks is None:
            # Kept referenced: the loop holds tasks only weakly.
            self.tasks = [
                asyncio.create_task(every(interval, job))
                for interval, job in self.jobs
                if interval > 0
            ]
        return await self.application(scope, receive, send)

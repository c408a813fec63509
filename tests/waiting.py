"""Wait for something another process or thread does: the one way tests poll.

A deadline is an upper bound, not a pause: a condition met at once returns at
once. It is generous because a busy machine (CI, a second test worker, a
compile in another window) may slow a server tenfold, and a test that fails
only then teaches people to ignore red. Timings are measured in benchmarks,
never asserted here.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# Long enough for a server process under heavy load; only a broken test waits it out.
DEADLINE = 60.0
INTERVAL = 0.05


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float = DEADLINE,
    interval: float = INTERVAL,
    what: str | Callable[[], str] = "the condition",
) -> T:
    """Call ``predicate`` until it returns something truthy, and return that.

    ``what`` names the condition in the failure (a callable is asked only then,
    so it may describe the state the test last saw).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{_describe(what)} not met within {timeout:.0f} s")
        time.sleep(interval)


async def wait_until_async(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = DEADLINE,
    interval: float = INTERVAL,
    what: str | Callable[[], str] = "the condition",
) -> T:
    """``wait_until`` for a coroutine: sleeps without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{_describe(what)} not met within {timeout:.0f} s")
        await asyncio.sleep(interval)


def _describe(what: str | Callable[[], str]) -> str:
    return what() if callable(what) else what

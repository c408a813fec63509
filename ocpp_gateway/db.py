"""The gateway's one async/sync seam to the domain services (docs/architecture.md rule 3).

Django keeps database connections per async *context*, and Channels closes
them before every message. Left at that, each OCPP message opened a new
connection (a third of the server's time under load), or, kept open, every
charger connection would hold its own database connection: a thousand
chargers, a thousand PostgreSQL connections per process.

So all gateway database work runs in one thread, inside one fixed context:
one connection per server process, reused, checked after idling and dropped
when it has failed. Work is serialised on that thread, as Channels'
thread-sensitive mode would do anyway.
"""

import asyncio
import contextvars
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from chargepoints.services.live import live_outbox

logger = logging.getLogger(__name__)

# A connection idle this long is checked before use: the database may have
# closed it meanwhile (server restart, idle timeout).
IDLE_CHECK_SECONDS = 30.0

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-db")
_context = contextvars.Context()
_last_used = 0.0

# Tests drive adapters from a test's own database transaction, so there the
# work must run in the caller's context (see tests/conftest.py).
SHARED_CONTEXT = True


def _ready_connections() -> None:
    global _last_used
    idle = time.monotonic() - _last_used > IDLE_CHECK_SECONDS
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        # After an error, reconnect rather than trust the connection (SQLite's
        # is_usable() always says yes); after idling, ask the database.
        if connection.errors_occurred or (idle and not connection.is_usable()):
            connection.close()
    _last_used = time.monotonic()


def _call(function, kwargs):
    _ready_connections()
    return _collecting(function, kwargs)


def _collecting(function, kwargs):
    """Run the service; return its result and the live updates it committed."""
    with live_outbox() as outbox:
        result = function(**kwargs)
    return result, outbox


async def gateway_db(function, /, **kwargs):
    """Run a synchronous service with the gateway's database connection.

    Then publish the live transaction updates the service committed, for
    apps watching (WebSocket /ws/v1/transactions/<id>/).
    """
    if not SHARED_CONTEXT:
        result, outbox = await sync_to_async(_collecting)(function, kwargs)
    else:
        loop = asyncio.get_running_loop()
        result, outbox = await loop.run_in_executor(
            _executor, _context.run, functools.partial(_call, function, kwargs)
        )
    if outbox:
        await _publish(outbox)
    return result


async def _publish(outbox: dict[str, dict]) -> None:
    layer = get_channel_layer()
    for group, message in outbox.items():
        try:
            await layer.group_send(group, message)
        except Exception:
            # An app missing one update is better than a charger's message
            # failing: the data is stored, the next update carries it.
            logger.exception("Live update to %s not published", group)

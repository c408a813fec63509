"""Telling open WebSockets about a change, from synchronous code, once it is committed.

A service that changes what an open socket relies on (a revoked API token)
tells it through a channel-layer group: with Redis the socket may be held by
another server process. The message leaves after the commit, so no socket
acts on a change that is rolled back, and it never fails the service: the
change is stored whether or not anyone listens.
"""

import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def chargepoint_group(chargepoint_id: str) -> str:
    """The channel-layer group of one charger's connection (group names allow ASCII only)."""
    return "cp." + hashlib.sha256(chargepoint_id.encode()).hexdigest()[:40]


def group_send_on_commit(*, groups: list[str], message: dict) -> None:
    """Send ``message`` to each group once the surrounding transaction commits."""
    if not groups:
        return

    def send() -> None:
        try:
            async_to_sync(_send)(groups, message)
        except Exception:
            logger.exception("Message %s to %d socket group(s) not sent", message, len(groups))

    transaction.on_commit(send)


async def _send(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        await layer.group_send(group, message)

"""Live transaction updates for apps: WebSocket /ws/v1/transactions/<id>/.

Authenticate with the API token, as ``?token=<token>`` (browsers cannot set
headers on a WebSocket) or an ``Authorization: Token <token>`` header. The
first message is the transaction as it is now; one follows each change
(meter values, charging state, stop). A finished transaction is sent once
and the socket closed normally.

Close codes: 4401 no valid token, or the token was revoked (logging out,
the user blocked) or expired while the socket was open; 4403 not your
transaction; 4404 unknown transaction.
"""

import asyncio
import logging
import time
from datetime import datetime
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import re_path
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed

from accounts.api.authentication import TokenAuthentication
from accounts.services import auth_token_group
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from chargepoints.services.live import transaction_group, transaction_live
from csms.api.permissions import sees_all

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

# How long a socket trusts the rights it was opened with. Revoking a token
# or blocking a user is announced and closes it at once; losing the right
# to see others' transactions (leaving the Support group, say) is not, and
# is noticed at the first update after this many seconds.
RIGHTS_RECHECK_SECONDS = 30.0


def _token_key(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


@database_sync_to_async
def _subscription(
    key: str | None, transaction_id: int
) -> tuple[int, dict | None, AuthToken | None]:
    """(close code or 0, the transaction's current state, the token)."""
    if not key:
        return CLOSE_UNAUTHENTICATED, None, None
    # The API's own check: the token is known, not expired, its user ACTIVE.
    try:
        user, token = TokenAuthentication().authenticate_credentials(key.encode())
    except AuthenticationFailed:
        return CLOSE_UNAUTHENTICATED, None, None
    tx = Transaction.objects.filter(pk=transaction_id).first()
    if tx is None:
        return CLOSE_NOT_FOUND, None, None
    if not sees_all(user, Transaction) and tx.user_id != user.pk:
        # Transaction ids are sequential, not secret: saying "not yours"
        # rather than "unknown" gives nothing away and helps app developers.
        return CLOSE_FORBIDDEN, None, None
    return 0, transaction_live(tx), token


@database_sync_to_async
def _token_expiry(digest: str) -> tuple[bool, datetime | None]:
    """(whether the token still exists, when it expires: each use of it pushes that back)."""
    rows = list(AuthToken.objects.filter(digest=digest).values_list("expiry", flat=True))
    return bool(rows), rows[0] if rows else None


class TransactionLiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        transaction_id = int(self.scope["url_route"]["kwargs"]["transaction_id"])
        # Accept first: a close code can only be read on an accepted socket.
        await self.accept()
        refusal, state, token = await _subscription(_token_key(self.scope), transaction_id)
        if refusal:
            await self.close(code=refusal)
            return
        if state["status"] != TransactionStatus.ACTIVE:
            await self.send_json({**state, "type": "transaction.snapshot"})
            await self.close()
            return
        # The transaction's updates, and the word that the token is revoked.
        self.groups_joined = [
            transaction_group(transaction_id),
            auth_token_group(digest=token.digest),
        ]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        # Read again after joining: a change (or a revocation) between the
        # first read and the join would otherwise be missed.
        refusal, state, _ = await _subscription(_token_key(self.scope), transaction_id)
        if refusal:
            await self.close(code=refusal)
            return
        await self.send_json({**state, "type": "transaction.snapshot"})
        self.transaction_id = transaction_id
        self.rights_checked = time.monotonic()
        if token.expiry is not None:
            self.expiry_watch = asyncio.create_task(self._close_when_expired(token.digest))

    async def disconnect(self, code):
        watch = getattr(self, "expiry_watch", None)
        if watch is not None:
            watch.cancel()
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _close_when_expired(self, digest: str) -> None:
        # A revocation is announced (auth_revoked); an expiry is not, and
        # each use of the token elsewhere pushes it back: look again then.
        try:
            while True:
                exists, expiry = await _token_expiry(digest)
                if not exists or (expiry is not None and expiry <= timezone.now()):
                    await self.close(code=CLOSE_UNAUTHENTICATED)
                    return
                if expiry is None:  # a token without expiry (knox's TOKEN_TTL None)
                    return
                await asyncio.sleep((expiry - timezone.now()).total_seconds())
        except Exception:
            logger.exception("Watching the expiry of a live socket's token failed")

    async def auth_revoked(self, event):
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def receive_json(self, content, **kwargs):
        # Nothing to say to us; the socket only listens.
        return

    async def transaction_update(self, event):
        if time.monotonic() - self.rights_checked >= RIGHTS_RECHECK_SECONDS:
            refusal, _, _ = await _subscription(_token_key(self.scope), self.transaction_id)
            if refusal:
                await self.close(code=refusal)
                return
            self.rights_checked = time.monotonic()
        await self.send_json(event)
        if event.get("status") != TransactionStatus.ACTIVE:
            await self.close()


websocket_urlpatterns = [
    re_path(
        r"^ws/v1/transactions/(?P<transaction_id>[0-9]{1,18})/$", TransactionLiveConsumer.as_asgi()
    ),
]

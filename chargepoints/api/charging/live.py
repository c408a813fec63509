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

import time

from channels.db import database_sync_to_async
from django.urls import re_path
from knox.models import AuthToken

from accounts.api.sockets import (
    CLOSE_UNAUTHENTICATED,
    TokenSocketConsumer,
    socket_token_key,
    socket_user,
)
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from chargepoints.services.live import transaction_group, transaction_live
from csms.api.permissions import sees_all

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

# How long a socket trusts the rights it was opened with. Revoking a token
# or blocking a user is announced and closes it at once; losing the right
# to see others' transactions (leaving the Support group, say) is not, and
# is noticed at the first update after this many seconds.
RIGHTS_RECHECK_SECONDS = 30.0


@database_sync_to_async
def _subscription(
    key: str | None, transaction_id: int
) -> tuple[int, dict | None, AuthToken | None]:
    """(close code or 0, the transaction's current state, the token)."""
    known = socket_user(key)
    if known is None:
        return CLOSE_UNAUTHENTICATED, None, None
    user, token = known
    tx = Transaction.objects.filter(pk=transaction_id).first()
    if tx is None:
        return CLOSE_NOT_FOUND, None, None
    if not sees_all(user, Transaction) and tx.user_id != user.pk:
        # Transaction ids are sequential, not secret: saying "not yours"
        # rather than "unknown" gives nothing away and helps app developers.
        return CLOSE_FORBIDDEN, None, None
    return 0, transaction_live(tx), token


class TransactionLiveConsumer(TokenSocketConsumer):
    async def connect(self):
        transaction_id = int(self.scope["url_route"]["kwargs"]["transaction_id"])
        # Accept first: a close code can only be read on an accepted socket.
        await self.accept()
        refusal, state, token = await _subscription(socket_token_key(self.scope), transaction_id)
        if refusal:
            await self.close(code=refusal)
            return
        if state["status"] != TransactionStatus.ACTIVE:
            await self.send_json({**state, "type": "transaction.snapshot"})
            await self.close()
            return
        # The transaction's updates, and the word that the token is revoked.
        await self.listen(transaction_group(transaction_id), token=token)
        # Read again after joining: a change (or a revocation) between the
        # first read and the join would otherwise be missed.
        refusal, state, _ = await _subscription(socket_token_key(self.scope), transaction_id)
        if refusal:
            await self.close(code=refusal)
            return
        await self.send_json({**state, "type": "transaction.snapshot"})
        self.transaction_id = transaction_id
        self.rights_checked = time.monotonic()

    async def transaction_update(self, event):
        if time.monotonic() - self.rights_checked >= RIGHTS_RECHECK_SECONDS:
            refusal, _, _ = await _subscription(socket_token_key(self.scope), self.transaction_id)
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

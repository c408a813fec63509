"""Live transaction updates for apps: WebSocket /ws/v1/transactions/<id>/.

Authenticate with the API token, as ``?token=<key>`` (browsers cannot set
headers on a WebSocket) or an ``Authorization: Token <key>`` header. The
first message is the transaction as it is now; one follows each change
(meter values, charging state, stop). A finished transaction is sent once
and the socket closed normally.

Close codes: 4401 no valid token, 4403 not your transaction, 4404 unknown
transaction.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import re_path
from rest_framework.authtoken.models import Token

from accounts.enums import UserStatus
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from chargepoints.services.live import transaction_group, transaction_live
from csms.api.permissions import is_operator

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _token_key(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


@database_sync_to_async
def _subscription(key: str | None, transaction_id: int) -> tuple[int, dict | None]:
    """(close code or 0, the transaction's current state)."""
    token = Token.objects.select_related("user").filter(key=key).first() if key else None
    if token is None or not token.user.is_active or token.user.status != UserStatus.ACTIVE:
        return CLOSE_UNAUTHENTICATED, None
    tx = Transaction.objects.filter(pk=transaction_id).first()
    if tx is None:
        return CLOSE_NOT_FOUND, None
    if not is_operator(token.user) and tx.user_id != token.user.pk:
        # Transaction ids are sequential, not secret: saying "not yours"
        # rather than "unknown" gives nothing away and helps app developers.
        return CLOSE_FORBIDDEN, None
    return 0, transaction_live(tx)


class TransactionLiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        transaction_id = int(self.scope["url_route"]["kwargs"]["transaction_id"])
        # Accept first: a close code can only be read on an accepted socket.
        await self.accept()
        refusal, state = await _subscription(_token_key(self.scope), transaction_id)
        if refusal:
            await self.close(code=refusal)
            return
        if state["status"] != TransactionStatus.ACTIVE:
            await self.send_json({**state, "type": "transaction.snapshot"})
            await self.close()
            return
        self.group = transaction_group(transaction_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Read again after joining: a change between the first read and the
        # join would otherwise be missed until the next one.
        _, state = await _subscription(_token_key(self.scope), transaction_id)
        await self.send_json({**state, "type": "transaction.snapshot"})

    async def disconnect(self, code):
        group = getattr(self, "group", None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Nothing to say to us; the socket only listens.
        return

    async def transaction_update(self, event):
        await self.send_json(event)
        if event.get("status") != TransactionStatus.ACTIVE:
            await self.close()


websocket_urlpatterns = [
    re_path(
        r"^ws/v1/transactions/(?P<transaction_id>[0-9]{1,18})/$", TransactionLiveConsumer.as_asgi()
    ),
]

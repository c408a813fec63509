"""What every app WebSocket shares: the API token, and closing when it stops being good.

Authenticate with the API token, as ``?token=<token>`` (browsers cannot set
headers on a WebSocket) or an ``Authorization: Token <token>`` header; the
API's own check decides (the token is known, not expired, its user ACTIVE).
A socket closes with 4401 as soon as its token is revoked (logging out, the
user blocked: accounts.services.tokens announces it) or expires.
"""

import asyncio
import logging
from datetime import datetime
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed

from accounts.api.authentication import TokenAuthentication
from accounts.models import User
from accounts.services import auth_token_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401


def socket_token_key(scope) -> str | None:
    """The token the socket was opened with: the Authorization header's, else ``?token=``."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


def socket_user(key: str | None) -> tuple[User, AuthToken] | None:
    """The token's user and record, if the API would take it now; synchronous (database)."""
    if not key:
        return None
    try:
        return TokenAuthentication().authenticate_credentials(key.encode())
    except AuthenticationFailed:
        return None


@database_sync_to_async
def _token_expiry(digest: str) -> tuple[bool, datetime | None]:
    """(whether the token still exists, when it expires: each use of it pushes that back)."""
    rows = list(AuthToken.objects.filter(digest=digest).values_list("expiry", flat=True))
    return bool(rows), rows[0] if rows else None


class TokenSocketConsumer(AsyncJsonWebsocketConsumer):
    """A socket that only listens, opened with an API token and closed when it goes bad.

    Subclasses accept, authenticate (socket_user), then ``listen`` to their
    groups and the token's; what they join is left on disconnect.
    """

    async def listen(self, *groups: str, token: AuthToken) -> None:
        """Join ``groups`` and the token's own, and start watching its expiry."""
        self.groups_joined = [*groups, auth_token_group(digest=token.digest)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
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

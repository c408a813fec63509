"""The staff's live socket: WebSocket /ws/admin/live/[?chargepoint=<percent-encoded id>].

Admin pages (the dashboard, a charger's page) open it to hear that the
network changed and re-read what they show (static/csms/live.js). It tells
which charger changed and how, never the data: a note of a charger the
operator may not see in detail gives nothing away.

It is authenticated by the admin's session cookie, so a page of another
site could open it in the operator's browser (cross-site WebSocket
hijacking): a handshake must come from this server's own origin (or one of
CSRF_TRUSTED_ORIGINS), as Django's CSRF check demands of a form.

Close codes: 4401 not logged in, not active staff, or logged out meanwhile;
4403 without chargepoints.view_chargepoint, or a foreign (or no) Origin.
"""

import asyncio
import logging
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.http.request import split_domain_port, validate_host
from django.urls import re_path
from django.utils.http import is_same_domain

from chargepoints.services.live import NETWORK_CHANGED, STAFF_GROUP

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
PERMISSION = "chargepoints.view_chargepoint"

# How long a socket trusts the rights it was opened with: logging out,
# being blocked or losing the permission closes it within this time.
RIGHTS_RECHECK_SECONDS = 30.0

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _secure(scope) -> bool:
    # Behind a TLS proxy the socket is plain ws:, the page https: (settings.py).
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        forwarded = _header(scope, name)
        if forwarded is not None:
            return forwarded.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") in {"wss", "https"}


def _allowed_hosts() -> list[str]:
    # As Django's HttpRequest.get_host: with DEBUG and no ALLOWED_HOSTS, localhost.
    if settings.ALLOWED_HOSTS:
        return settings.ALLOWED_HOSTS
    return [".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else []


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return scheme, parts.hostname, port or _DEFAULT_PORTS.get(scheme)


def origin_allowed(scope) -> bool:
    """Whether the handshake comes from a page of this server (or a trusted origin)."""
    origin, host = _header(scope, b"origin"), _header(scope, b"host")
    if not origin or origin == "null":
        return False
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    if host:
        domain, _ = split_domain_port(host)
        own = _origin_key("https" if _secure(scope) else "http", host)
        if (
            domain
            and validate_host(domain, _allowed_hosts())
            and own is not None
            and _origin_key(parsed.scheme, parsed.netloc) == own
        ):
            return True
    # As Django's CsrfViewMiddleware: exact origins, and "https://*.example.com".
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" not in trusted:
            if origin == trusted:
                return True
            continue
        pattern = urlsplit(trusted)
        if pattern.scheme == parsed.scheme and is_same_domain(
            parsed.netloc, pattern.netloc.lstrip("*")
        ):
            return True
    return False


def _refusal(user) -> int:
    """The close code for this user, or 0: active staff with the view permission."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return CLOSE_UNAUTHENTICATED
    if not user.has_perm(PERMISSION):
        return CLOSE_FORBIDDEN
    return 0


@database_sync_to_async
def _refusal_now(user) -> int:
    return _refusal(user)


@database_sync_to_async
def _refusal_of_session(session_key: str) -> int:
    """The same, for the session as it is stored now (gone once logged out)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # Django's own reading of a request's user: the backend's rules (an
    # account blocked meanwhile is nobody) and the password's session hash.
    return _refusal(auth.get_user(SimpleNamespace(session=store)))


def _chargepoint_filter(scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("chargepoint")
    return values[0] if values else None


class NetworkLiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        refusal = CLOSE_FORBIDDEN
        if origin_allowed(self.scope):
            refusal = await _refusal_now(self.scope["user"])
        if refusal:
            # Accepted first: a close code can only be read on an accepted socket.
            await self.accept()
            await self.close(code=refusal)
            return
        self.session_key = self.scope["session"].session_key
        self.chargepoint_id = _chargepoint_filter(self.scope)
        # Listening before the handshake completes: a page that sees the
        # socket open misses no change made after that.
        await self.channel_layer.group_add(STAFF_GROUP, self.channel_name)
        self.joined = True
        await self.accept()
        self.rights_watch = asyncio.create_task(self._close_when_refused())

    async def disconnect(self, code):
        watch = getattr(self, "rights_watch", None)
        if watch is not None:
            watch.cancel()
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(STAFF_GROUP, self.channel_name)

    async def _close_when_refused(self) -> None:
        # Logging out deletes the session row; losing the permission or the
        # account changes nothing the socket would hear of: look again.
        try:
            while True:
                await asyncio.sleep(RIGHTS_RECHECK_SECONDS)
                refusal = await _refusal_of_session(self.session_key)
                if refusal:
                    await self.close(code=refusal)
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Re-checking the rights of a staff live socket failed")
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def receive_json(self, content, **kwargs):
        # Nothing to say to us; the socket only listens.
        return

    async def network_changed(self, event):
        changes = event["changes"]
        if self.chargepoint_id is not None:
            changes = [c for c in changes if c["chargepoint_id"] == self.chargepoint_id]
        if changes:
            await self.send_json({"type": NETWORK_CHANGED, "changes": changes})


websocket_urlpatterns = [
    # Only this route reads the session cookie: the chargers' path stays free of it.
    re_path(r"^ws/admin/live/$", AuthMiddlewareStack(NetworkLiveConsumer.as_asgi())),
]

"""A driver's live socket: WebSocket /ws/v1/live/ (documented in docs/asyncapi.yaml).

One socket per app, whatever the driver does: their sessions as they move
from requested to completed, their notifications, and the chargers they
charge at (or hold a reservation at) going offline and online again. The
app needs no id to subscribe to, so it follows a session from the moment
it asks to start.

Authenticated as every app socket is (accounts.api.sockets): the API token
as ``?token=`` or an ``Authorization: Token`` header; closed with 4401 when
it is missing, bad, revoked (logging out, the account blocked) or expired.

The first message is a snapshot (the open sessions, the unread notification
count); one follows each change. Services send notes, not data
(accounts.services.live): each row is read here when its note arrives,
checked to still be the user's, and sent as the REST API shows it, so the
socket and GET /api/v1/sessions/<id>/ never disagree.
"""

from channels.db import database_sync_to_async
from django.http import HttpRequest
from django.urls import re_path
from django.utils import timezone
from rest_framework.request import Request

from accounts.api.serializers import NotificationSerializer
from accounts.api.sockets import (
    CLOSE_UNAUTHENTICATED,
    TokenSocketConsumer,
    socket_token_key,
    socket_user,
)
from accounts.models import User
from accounts.services import notifications_visible
from accounts.services.live import CHARGER, EVERYONE_GROUP, NOTIFICATION, SESSION, user_group
from chargepoints.api.charging.views import SessionViewSet
from chargepoints.enums import SESSION_OPEN
from chargepoints.models import ChargePoint
from chargepoints.services.connections import chargepoint_drivers
from chargepoints.status_selectors import chargepoint_public_status
from csms.api.fields import in_utc, rfc3339

ONLINE, OFFLINE = "ONLINE", "OFFLINE"


def _now() -> str:
    return rfc3339(timezone.now())


def _request(scope, user: User) -> Request:
    """What the REST serializers expect to find: a request by ``user``, to the same host."""
    http = HttpRequest()
    headers = dict(scope.get("headers", []))
    host = headers.get(b"host", b"").decode("latin-1")
    if host:
        http.META["HTTP_HOST"] = host
    http.method = "GET"
    request = Request(http)
    request.user = user
    return request


def _sessions(request: Request):
    """The user's sessions as GET /api/v1/sessions/ reads them, and the view that shapes them."""
    view = SessionViewSet(request=request, action="retrieve", args=(), kwargs={}, format_kwarg=None)
    return view.get_queryset().filter(user=request.user), view


@database_sync_to_async
def _opened(key: str | None) -> tuple[User, object] | None:
    return socket_user(key)


@database_sync_to_async
def _snapshot(scope, user: User) -> dict:
    sessions, view = _sessions(_request(scope, user))
    open_sessions = sessions.filter(status__in=SESSION_OPEN).order_by("-start_time", "-pk")
    with in_utc():
        shown = view.get_serializer(open_sessions, many=True).data
    return {
        "type": "snapshot",
        "data": {
            "sessions": shown,
            "unread_notifications": notifications_visible(user=user).filter(read=False).count(),
        },
        "at": _now(),
    }


@database_sync_to_async
def _messages(scope, user: User, notes: list[dict]) -> list[dict]:
    """Each note's row as it is now, if it is still the user's; notes of rows gone say nothing."""
    request = _request(scope, user)
    messages = []
    for note in notes:
        with in_utc():
            data = _read(request, note["what"], note["id"])
        if data is not None:
            messages.append({"type": note["what"], "data": data, "at": _now()})
    return messages


def _read(request: Request, what: str, id: str) -> dict | None:
    user = request.user
    if what == SESSION:
        sessions, view = _sessions(request)
        session = sessions.filter(session_id=id).first()
        return None if session is None else view.get_serializer(session).data
    if what == NOTIFICATION:
        if not id.isdigit():
            return None
        notification = notifications_visible(user=user).filter(pk=int(id)).first()
        return None if notification is None else NotificationSerializer(notification).data
    if what == CHARGER:
        if not chargepoint_drivers(chargepoints=[id], user_id=user.pk).exists():
            return None
        chargepoint = ChargePoint.objects.filter(pk=id).prefetch_related("connectors").first()
        if chargepoint is None:
            return None
        return {
            "chargepoint_id": chargepoint.pk,
            "connection": ONLINE if chargepoint.connected else OFFLINE,
            "status": chargepoint_public_status(chargepoint=chargepoint).status,
        }
    return None


class UserLiveConsumer(TokenSocketConsumer):
    async def connect(self):
        # Accept first: a close code can only be read on an accepted socket.
        await self.accept()
        opened = await _opened(socket_token_key(self.scope))
        if opened is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        user, token = opened
        await self.listen(user_group(user.pk), EVERYONE_GROUP, token=token)
        # Read after joining: a change (or a revocation) between a read
        # before the join and the join itself would be missed.
        if await _opened(socket_token_key(self.scope)) is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        await self.send_json(await _snapshot(self.scope, user))

    async def user_notes(self, event):
        user = getattr(self, "user", None)
        if user is None:
            return
        for message in await _messages(self.scope, user, event["notes"]):
            await self.send_json(message)


websocket_urlpatterns = [re_path(r"^ws/v1/live/$", UserLiveConsumer.as_asgi())]

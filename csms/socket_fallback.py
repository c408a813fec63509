"""The answer to a WebSocket opened on a path no route takes: closed with 4404.

Channels' router raises on an unknown path, which the server answers with a
500. A client that mistyped a path (an app's live socket, a charger's
``/ocpp/<id>``) is told so instead: the handshake completes and the socket
is closed at once with code 4404 ("not found", in the 4000-4999 range that
RFC 6455 §7.4.2 leaves to applications).
"""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

CLOSE_NOT_FOUND = 4404


class UnknownPathConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)

    async def receive(self, text_data=None, bytes_data=None):
        # Whatever arrives between the accept and the close goes unanswered.
        return


# Last in the router: what no other route took.
unknown_path_route = re_path(r"", UnknownPathConsumer.as_asgi())

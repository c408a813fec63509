"""ASGI entry point: HTTP (admin, API) and WebSocket (OCPP) on one port.

Run with ``daphne csms.asgi:application``.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")

# Build the Django app first: it sets Django up before the routers import models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from ocpp_gateway.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Chargers send no Origin header, so no origin validator here: a
        # charger is admitted by its identity and credentials, not its origin.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)

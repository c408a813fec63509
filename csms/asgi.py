"""ASGI entry point: HTTP (admin, API) and WebSocket (OCPP) on one port.

Run with ``daphne csms.asgi:application``.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")

# Build the Django app first: it sets Django up before the routers import models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from billing.ocpi.push_cycle import ocpi_push_cycle  # noqa: E402
from chargepoints.admin.live import websocket_urlpatterns as staff_live_routes  # noqa: E402
from chargepoints.api.charging.live import websocket_urlpatterns as live_routes  # noqa: E402
from chargepoints.api.charging.live_user import (  # noqa: E402
    websocket_urlpatterns as user_live_routes,
)
from chargepoints.services.expiry import charging_requests_expire  # noqa: E402
from chargepoints.services.processes import (  # noqa: E402
    this_process_heartbeat,
    this_process_start,
    this_process_stop,
)
from csms.periodic import Lifecycle, PeriodicJobs  # noqa: E402
from csms.socket_fallback import unknown_path_route  # noqa: E402
from ocpp_gateway.routing import websocket_urlpatterns as ocpp_routes  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Chargers send no Origin header: the gateway refuses handshakes that
        # carry one (ocpp_gateway/admission.py origin_refused). The live
        # socket takes an app's API token, not a cookie, so cross-site use of
        # it is harmless. The staff's live socket takes the admin session
        # cookie, and checks the Origin itself (chargepoints/admin/live.py).
        "websocket": URLRouter(
            # Last: a path no route takes is closed with 4404, not a 500.
            [*live_routes, *user_live_routes, *staff_live_routes, *ocpp_routes, unknown_path_route]
        ),
    }
)
# Sessions and reservations that end by time alone (reads never write them).
# Pushes to roaming partners: what changed is queued and the outbox sent
# (billing/ocpi/push_cycle.py), off every charger's message path.
# And this process's heartbeat row: a charger counts as online only while
# the process holding its connection lives; each heartbeat also clears what
# dead processes left (chargepoints/services/processes.py).
application = PeriodicJobs(
    router,
    [
        (settings.CSMS_EXPIRY_INTERVAL, charging_requests_expire),
        (settings.CSMS_OCPI_PUSH_INTERVAL, ocpi_push_cycle),
    ],
    lifecycle=Lifecycle(
        start=this_process_start,
        heartbeat=this_process_heartbeat,
        interval=settings.CSMS_PROCESS_HEARTBEAT_INTERVAL,
        stop=this_process_stop,
    ),
)

# What start-up made (modules, URL maps, compiled schemas) lives as long as
# the process: moved out of the collector's way, it is never scanned again.
# Young objects are collected every 20,000 allocations, not 700: a frame
# makes a few thousand short-lived ones, and each collection costs time
# whether it finds garbage or not.
gc.freeze()
gc.set_threshold(20_000, 20, 20)

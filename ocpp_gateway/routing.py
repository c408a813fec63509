"""WebSocket routes. Chargers connect to ``/ocpp/<charge point id>`` (percent-encoded)."""

from django.urls import re_path

from ocpp_gateway.consumer import OcppConsumer

websocket_urlpatterns = [
    re_path(r"^ocpp/(?P<chargepoint_id>.+)$", OcppConsumer.as_asgi()),
]

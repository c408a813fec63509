"""WebSocket routes. Chargers connect to ``/ocpp/<charge point id>``."""

websocket_urlpatterns: list = []

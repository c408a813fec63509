from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api.cdr_views import CdrViewSet, SessionReceipt, TransactionReceipt
from billing.api.prices import ConnectorPrice
from billing.api.views import TariffViewSet

router = SimpleRouter()
router.register("tariffs", TariffViewSet, basename="tariff")
router.register("cdrs", CdrViewSet, basename="cdr")

urlpatterns = [
    path("sessions/<str:session_id>/receipt/", SessionReceipt.as_view(), name="session-receipt"),
    path(
        "transactions/<int:pk>/receipt/",
        TransactionReceipt.as_view(),
        name="transaction-receipt",
    ),
    path(
        "charge-points/<str:chargepoint_id>/connectors/<str:connector_id>/price/",
        ConnectorPrice.as_view(),
        name="connector-price",
    ),
    *router.urls,
]

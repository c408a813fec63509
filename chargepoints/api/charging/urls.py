from django.urls import path
from rest_framework.routers import SimpleRouter

from chargepoints.api.charging import views

router = SimpleRouter()
router.register("transactions", views.TransactionViewSet, basename="transaction")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("reservations", views.ReservationViewSet, basename="reservation")

urlpatterns = [
    path(
        "transactions/<int:pk>/meter-values/",
        views.TransactionMeterValues.as_view(),
        name="transaction-meter-values",
    ),
    *router.urls,
]

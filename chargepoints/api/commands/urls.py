from django.urls import path

from chargepoints.api.commands import views

urlpatterns = [
    path("commands/", views.CommandList.as_view(), name="command-list"),
    path("commands/<int:pk>/", views.CommandDetail.as_view(), name="command-detail"),
    path(
        "charge-points/<str:chargepoint_id>/commands/",
        views.ChargePointCommandList.as_view(),
        name="chargepoint-command-list",
    ),
    path(
        "charge-points/<str:chargepoint_id>/commands/<int:pk>/",
        views.ChargePointCommandDetail.as_view(),
        name="chargepoint-command-detail",
    ),
    path(
        "charge-points/<str:chargepoint_id>/rotate-password/",
        views.ChargePointPasswordRotate.as_view(),
        name="chargepoint-rotate-password",
    ),
]

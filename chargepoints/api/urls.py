from django.urls import include, path

urlpatterns = [
    path("", include("chargepoints.api.sites.urls")),
    path("", include("chargepoints.api.charging.urls")),
    path("", include("chargepoints.api.commands.urls")),
    path("", include("chargepoints.api.energy.urls")),
]

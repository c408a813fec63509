from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from csms.health import health

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("csms.api.urls", "api"), namespace="api")),
    path("ocpi/", include("billing.ocpi.urls")),
]
# MEDIA_ROOT is served by no URL, in DEBUG or not: it holds drivers' photos,
# which only their owners and operators may see (api/v1/users/{id}/photo/).

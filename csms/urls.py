from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from csms.api import fallback
from csms.health import health

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("csms.api.urls", "api"), namespace="api")),
    path("ocpi/", include("billing.ocpi.urls")),
    # Last: what no API route took is a problem, never Django's HTML page
    # (csms/api/fallback.py), in DEBUG too.
    re_path(r"^api/", fallback.api_fallback),
]
handler400 = fallback.bad_request
handler403 = fallback.permission_denied
handler404 = fallback.page_not_found
handler500 = fallback.server_error
# MEDIA_ROOT is served by no URL, in DEBUG or not: it holds drivers' photos,
# which only their owners and operators may see (api/v1/users/{id}/photo/).

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from csms.health import health

admin.site.site_header = "CSMS administration"
admin.site.site_title = "CSMS"
admin.site.index_title = "Charge points, drivers and billing"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("csms.api.urls", "api"), namespace="api")),
    path("ocpi/", include("billing.ocpi.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

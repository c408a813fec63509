from django.urls import re_path
from rest_framework.routers import SimpleRouter

from chargepoints.api.sites import evses, views

router = SimpleRouter()
router.register("locations", views.LocationViewSet, basename="location")
router.register("charge-points", views.ChargePointViewSet, basename="chargepoint")
router.register(
    rf"charge-points/(?P<chargepoint_id>{views.ANY_SEGMENT})/connectors",
    views.ConnectorViewSet,
    basename="chargepoint-connector",
)

urlpatterns = [
    *router.urls,
    # A printed EVSE id holds "*" (sent as %2A): any segment routes here.
    re_path(
        rf"^evses/(?P<evse_id>{views.ANY_SEGMENT})/$", evses.EvseLookupView.as_view(), name="evse"
    ),
]

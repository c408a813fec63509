from rest_framework.routers import SimpleRouter

from chargepoints.api.sites import views

router = SimpleRouter()
router.register("locations", views.LocationViewSet, basename="location")
router.register("charge-points", views.ChargePointViewSet, basename="chargepoint")
router.register(
    rf"charge-points/(?P<chargepoint_id>{views.ANY_SEGMENT})/connectors",
    views.ConnectorViewSet,
    basename="chargepoint-connector",
)

urlpatterns = router.urls

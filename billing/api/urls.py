from rest_framework.routers import SimpleRouter

from billing.api.views import TariffViewSet

router = SimpleRouter()
router.register("tariffs", TariffViewSet, basename="tariff")

urlpatterns = router.urls

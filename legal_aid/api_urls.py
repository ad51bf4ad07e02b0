from rest_framework.routers import SimpleRouter

from legal_aid.api import CaseViewSet, StationViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="legal-aid-case")
router.register("stations", StationViewSet, basename="legal-aid-station")

urlpatterns = router.urls

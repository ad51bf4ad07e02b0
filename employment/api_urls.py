from rest_framework.routers import SimpleRouter

from employment.api import ApplicationViewSet, JobViewSet

router = SimpleRouter()
router.register("jobs", JobViewSet, basename="employment-job")
router.register("applications", ApplicationViewSet, basename="employment-application")

urlpatterns = router.urls

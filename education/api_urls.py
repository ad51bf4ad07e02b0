from rest_framework.routers import SimpleRouter

from education import api

router = SimpleRouter()
router.register("schools", api.SchoolViewSet, basename="education-school")
router.register("cut-offs", api.CutoffViewSet, basename="education-cutoff")
router.register("applications", api.ApplicationViewSet, basename="education-application")
router.register("offers", api.OfferViewSet, basename="education-offer")

urlpatterns = router.urls

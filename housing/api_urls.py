from rest_framework.routers import SimpleRouter

from housing import api

router = SimpleRouter()
router.register("compounds", api.CompoundViewSet, basename="housing-compound")
router.register("applications", api.ApplicationViewSet, basename="housing-application")
router.register("offers", api.OfferViewSet, basename="housing-offer")
router.register("tenancies", api.TenancyViewSet, basename="housing-tenancy")
router.register("dormitories", api.DormitoryViewSet, basename="housing-dormitory")

urlpatterns = router.urls

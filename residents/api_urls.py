from django.urls import path
from rest_framework.routers import SimpleRouter

from residents import api

router = SimpleRouter()
router.register("me/family", api.FamilyMemberViewSet, basename="residents-family")

urlpatterns = [
    path("me/", api.MeView.as_view(), name="residents-me"),
    path("token/", api.TokenView.as_view(), name="residents-token"),
    path("me/close/", api.AccountClosureView.as_view(), name="residents-close"),
    *router.urls,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from insurance import api

router = SimpleRouter()
router.register("enrolments", api.EnrolmentViewSet, basename="insurance-enrolment")

urlpatterns = [
    path(
        "contribution-preview/", api.ContributionPreviewView.as_view(), name="insurance-contribution-preview"
    ),
    path("me/", api.MeView.as_view(), name="insurance-me"),
    path("payroll/", api.PayrollUploadView.as_view(), name="insurance-payroll"),
    path("statement/", api.EmployerStatementView.as_view(), name="insurance-statement"),
    path("arrears/", api.EmployerArrearsView.as_view(), name="insurance-arrears"),
    *router.urls,
]

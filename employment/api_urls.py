from rest_framework.routers import SimpleRouter

from employment.api import (
    ApplicationViewSet,
    FairInterviewViewSet,
    FairRegistrationViewSet,
    FairViewSet,
    JobViewSet,
    SubsidyClaimViewSet,
    TrainingEnrolmentViewSet,
    TrainingProgrammeViewSet,
)

router = SimpleRouter()
router.register("jobs", JobViewSet, basename="employment-job")
router.register("applications", ApplicationViewSet, basename="employment-application")

# --- Recruitment fairs ---
router.register("fairs", FairViewSet, basename="employment-fair")
router.register("fair-registrations", FairRegistrationViewSet, basename="employment-fair-registration")
router.register("fair-interviews", FairInterviewViewSet, basename="employment-fair-interview")

# --- Training programmes and subsidies ---
router.register("training/programmes", TrainingProgrammeViewSet, basename="employment-training-programme")
router.register("training/enrolments", TrainingEnrolmentViewSet, basename="employment-training-enrolment")
router.register("subsidy-claims", SubsidyClaimViewSet, basename="employment-subsidy-claim")
urlpatterns = router.urls

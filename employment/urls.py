from django.urls import path

from employment import views

app_name = "employment"

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/apply/", views.job_apply, name="job-apply"),
    path("applications/", views.application_list, name="application-list"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("preferences/", views.preferences, name="preferences"),
    path("employer/", views.employer_home, name="employer-home"),
    path("employer/contact/", views.employer_contact, name="employer-contact"),
    path("employer/jobs/new/", views.employer_job_create, name="employer-job-create"),
    path("employer/jobs/<int:pk>/", views.employer_job, name="employer-job"),
    path("employer/jobs/<int:pk>/edit/", views.employer_job_edit, name="employer-job-edit"),
    path("employer/jobs/<int:pk>/<slug:action>/", views.employer_job_action, name="employer-job-action"),
    path("employer/applications/<int:pk>/", views.employer_application, name="employer-application"),
    path(
        "employer/applications/<int:pk>/<slug:action>/",
        views.employer_application_action,
        name="employer-application-action",
    ),
]

# --- Recruitment fairs ---
urlpatterns += [
    path("fairs/", views.fair_list, name="fair-list"),
    path("fairs/mine/", views.fair_mine, name="fair-mine"),
    path("fairs/<int:pk>/", views.fair_detail, name="fair-detail"),
    path("fairs/<int:pk>/register/", views.fair_register, name="fair-register"),
    path("fairs/registrations/<int:pk>/cancel/", views.fair_registration_cancel, name="fair-cancel"),
    path("employer/fairs/", views.employer_fair_list, name="employer-fair-list"),
    path("employer/fairs/<int:pk>/", views.employer_fair, name="employer-fair"),
    path("employer/fairs/<int:pk>/book/", views.employer_fair_book, name="employer-fair-book"),
    path(
        "employer/fairs/interviews/<int:pk>/cancel/",
        views.employer_fair_interview_cancel,
        name="employer-fair-interview-cancel",
    ),
]


# --- Training programmes and subsidies ---
urlpatterns += [
    path("training/", views.training_list, name="training-list"),
    path("training/mine/", views.training_mine, name="training-mine"),
    path("training/certificates/", views.training_certificates, name="training-certificates"),
    path(
        "training/certificates/<int:pk>/claim/", views.training_subsidy_claim, name="training-subsidy-claim"
    ),
    path("training/<int:pk>/", views.training_detail, name="training-detail"),
    path("training/<int:pk>/enrol/", views.training_enrol, name="training-enrol"),
    path("training/enrolments/<int:pk>/withdraw/", views.training_withdraw, name="training-withdraw"),
    path("employer/training/", views.employer_training, name="employer-training"),
    path(
        "employer/training/<int:pk>/sessions/<int:session>/",
        views.employer_training_attendance,
        name="employer-training-attendance",
    ),
]

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

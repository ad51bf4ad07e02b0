from django.urls import path

from education import views

app_name = "education"

urlpatterns = [
    path("", views.application_list, name="applications"),
    path("apply/", views.application_create, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/schools/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("offers/<int:pk>/accept/", views.offer_answer, {"answer": "accept"}, name="offer-accept"),
    path("offers/<int:pk>/decline/", views.offer_answer, {"answer": "decline"}, name="offer-decline"),
    path("schools/", views.school_list, name="schools"),
    path("cut-offs/", views.cutoff_list, name="cutoffs"),
]

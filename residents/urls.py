from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/id-number/", views.me_reveal, name="me-reveal"),
    path("me/edit/", views.me_edit, name="me-edit"),
    path("me/resubmit/", views.me_resubmit, name="me-resubmit"),
    path("me/data.json", views.me_data, name="me-data"),
    path("me/applications/", views.me_applications, name="me-applications"),
    path("me/access-log/", views.me_access_log, name="me-access-log"),
    path("me/family/add/", views.family_add, name="family-add"),
    path("me/family/<int:pk>/edit/", views.family_edit, name="family-edit"),
    path("me/family/<int:pk>/remove/", views.family_remove, name="family-remove"),
    path("me/close/", views.me_close, name="me-close"),
]

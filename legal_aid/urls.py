from django.urls import path

from legal_aid import views

app_name = "legal_aid"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_new, name="case-new"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/documents/", views.document_upload, name="document-upload"),
    path("cases/<int:pk>/withdraw/", views.case_withdraw_view, name="case-withdraw"),
    path("cases/<int:case_pk>/documents/<int:pk>/", views.document_download, name="document-download"),
    path("intake/", views.intake, name="intake"),
    path("figures/", views.figures, name="figures"),
]

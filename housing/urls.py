from django.urls import path

from housing import views

app_name = "housing"

urlpatterns = [
    path("", views.home, name="home"),
    path("compounds/", views.compound_list, name="compound-list"),
    path("apply/", views.application_create, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("offers/<int:pk>/accept/", views.offer_accept, name="offer-accept"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="offer-decline"),
    path("transfer/", views.transfer_request, name="transfer"),
    path("transfer/<int:pk>/withdraw/", views.transfer_withdraw, name="transfer-withdraw"),
    path("employer/", views.employer_dormitories, name="employer-dormitories"),
]

from django.urls import path

from insurance import views

app_name = "insurance"

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("me/", views.me, name="me"),
    path("employer/", views.employer_home, name="employer"),
    path("employer/enrol/", views.employer_enrol, name="employer-enrol"),
    path("employer/enrolments/<int:pk>/", views.employer_enrolment, name="employer-enrolment"),
    path("employer/enrolments/<int:pk>/wage/", views.employer_wage, name="employer-wage"),
    path("employer/enrolments/<int:pk>/end/", views.employer_end, name="employer-end"),
    path("employer/payroll/", views.employer_payroll, name="employer-payroll"),
    path("employer/statement/", views.employer_statement, name="employer-statement"),
    path("employer/arrears/", views.employer_arrears, name="employer-arrears"),
]

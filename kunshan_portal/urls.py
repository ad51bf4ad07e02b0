from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kunshan_portal import api as dashboard_api
from kunshan_portal import mfa_views, views
from kunshan_portal.health import healthz

admin.site.site_header = "新昆山人服务平台 · New Kunshan Residents Portal"
admin.site.site_title = "新昆山人服务平台"

DOMAIN_APPS = ("residents", "employment", "insurance", "housing", "education", "legal_aid")

api_v1 = [path(f"{app.replace('_', '-')}/", include(f"{app}.api_urls")) for app in DOMAIN_APPS]
api_v1 += [
    path("dashboard/summary/", dashboard_api.DashboardSummaryView.as_view(), name="api-dashboard-summary"),
    path(
        "dashboard/<slug:domain>/", dashboard_api.DashboardDomainView.as_view(), name="api-dashboard-domain"
    ),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("accounts/welcome/", views.after_login, name="after-login"),
    path("accounts/mfa/setup/", mfa_views.mfa_setup, name="mfa-setup"),
    path("accounts/mfa/verify/", mfa_views.mfa_verify_view, name="mfa-verify"),
    path("accounts/mfa/disable/", mfa_views.mfa_disable_view, name="mfa-disable"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/read/", views.notice_read, name="notice-read-all"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice-read"),
    path("dashboard/", views.dashboard_overview, name="dashboard"),
    path("dashboard/<slug:domain>/", views.dashboard_domain, name="dashboard-domain"),
    path(
        "dashboard/<slug:domain>/<slug:table>.csv",
        views.dashboard_export,
        {"fmt": "csv"},
        name="dashboard-csv",
    ),
    path(
        "dashboard/<slug:domain>/<slug:table>.xlsx",
        views.dashboard_export,
        {"fmt": "xlsx"},
        name="dashboard-xlsx",
    ),
    *[path(f"{app.replace('_', '-')}/", include(f"{app}.urls")) for app in DOMAIN_APPS],
    path("", views.home, name="home"),
]

handler404 = "kunshan_portal.api.not_found"

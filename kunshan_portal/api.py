"""What every API endpoint shares: the error shape and the mapping of DomainError to 400."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from kunshan_portal.authentication import PortalTokenAuthentication
from kunshan_portal.errors import DomainError
from kunshan_portal.pagecache import CountKeptPaginator


class PublicSearchPagination(PageNumberPagination):
    """Pages of a public search, whose total is kept a minute (kunshan_portal.pagecache)."""

    django_paginator_class = CountKeptPaginator


def exception_handler(exc, context):
    """Every error answers ``{"detail": "...", "errors": {field: [messages]}}``."""
    if isinstance(exc, DomainError):
        errors = {exc.field: [str(exc)]} if exc.field else {}
        code = status.HTTP_403_FORBIDDEN if exc.code == "forbidden" else status.HTTP_400_BAD_REQUEST
        return Response({"detail": str(exc), "errors": errors}, status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": _first_message(errors), "errors": errors}
    else:
        response.data = {
            "detail": data.get("detail", "") if isinstance(data, dict) else str(data),
            "errors": {},
        }
    return response


def _first_message(errors) -> str:
    for value in errors.values():
        if isinstance(value, list) and value:
            return str(value[0]) if not isinstance(value[0], dict) else _("Invalid input.")
        if isinstance(value, str):
            return value
    return _("Invalid input.")


# --- The officials' dashboards: GET /api/v1/dashboard/summary/ and /api/v1/dashboard/<domain>/ ---


class IsOfficial(BasePermission):
    """Officials (and administrators) only: the dashboard permission, whatever else the account is."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("kunshan_portal.view_dashboard"))


DASHBOARD_FILTERS = [
    OpenApiParameter("start", str, description="first month of the period, YYYY-MM (default: 11 months ago)"),
    OpenApiParameter("end", str, description="last month of the period, YYYY-MM (default: this month)"),
    OpenApiParameter("town", str, description="a town or zone code (default: the whole city)"),
]
DASHBOARD_RESPONSES = {200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 401: OpenApiTypes.OBJECT,
                       403: OpenApiTypes.OBJECT}  # fmt: skip


class _DashboardView(APIView):
    # Token first, so that a call without credentials answers 401 with the scheme to use.
    authentication_classes = [PortalTokenAuthentication, SessionAuthentication]
    permission_classes = [IsOfficial]

    def filters(self, request):
        from kunshan_portal import dashboard

        refresh = dashboard.latest_refresh()
        form = dashboard.DashboardFilterForm(
            request.query_params or None, towns=refresh.towns if refresh else []
        )
        if request.query_params and not form.is_valid():
            raise exceptions.ValidationError(
                {
                    name: [error["message"] for error in errors]
                    for name, errors in form.errors.get_json_data().items()
                }
            )
        return refresh, dashboard.filters_from(form)


class DashboardSummaryView(_DashboardView):
    """The overview's headline figures per domain, with their monthly trend (``start``, ``end`` as
    YYYY-MM and ``town`` as a town code filter them)."""

    @extend_schema(parameters=DASHBOARD_FILTERS, responses=DASHBOARD_RESPONSES)
    def get(self, request):
        from kunshan_portal import dashboard

        refresh, filters = self.filters(request)
        return Response(
            {
                **dashboard.filters_json(filters, refresh),
                "domains": [
                    {
                        "key": summary.domain.key,
                        "title": str(summary.domain.title),
                        "headlines": [dashboard.headline_json(headline) for headline in summary.headlines],
                    }
                    for summary in dashboard.overview(filters, refresh)
                ],
            }
        )


class DashboardDomainView(_DashboardView):
    """One domain's tables, grouped for the period and town asked for; small counts are null and listed
    under ``suppressed``."""

    @extend_schema(parameters=DASHBOARD_FILTERS, responses={**DASHBOARD_RESPONSES, 404: OpenApiTypes.OBJECT})
    def get(self, request, domain):
        from kunshan_portal import dashboard

        found = dashboard.domain_or_none(domain)
        if found is None:
            raise Http404
        refresh, filters = self.filters(request)
        return Response(
            {
                **dashboard.filters_json(filters, refresh),
                "domain": found.key,
                "title": str(found.title),
                "tables": [
                    dashboard.table_json(view)
                    for view in dashboard.domain_views(found, filters, refresh, page=False)
                ],
            }
        )


def not_found(request, exception=None):
    """A URL that matches no route: under /api/ the API's error body, elsewhere the site's 404 page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "errors": {}}, status=404)
    return page_not_found(request, exception)

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kunshan_portal import dashboard
from kunshan_portal.models import Notice
from kunshan_portal.notices import notice_mark_read
from kunshan_portal.paging import ShortListPaginator
from kunshan_portal.services import user_language_set


def set_language(request):
    """The header's language switch: remembered in a cookie, and as the account's language for notices."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response


@login_required
def after_login(request):
    """Where a log-in lands: residents on their page, staff in case work, officials on the dashboards."""
    user = request.user
    if getattr(user, "resident", None) is not None:
        return redirect("residents:me")
    if user.is_staff:
        return redirect("admin:index")
    if user.has_perm("kunshan_portal.view_dashboard"):
        return redirect("dashboard")
    return redirect("home")


def favicon(request):
    """Browsers ask for /favicon.ico; ours is an SVG among the static files (its hashed name in production)."""
    return redirect(static("favicon.svg"), permanent=True)


def home(request):
    return render(request, "kunshan_portal/home.html")


@login_required
def notice_list(request):
    notices = Notice.objects.filter(recipient=request.user)
    page = ShortListPaginator(notices, 20).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page})


@login_required
@require_POST
def notice_read(request, pk=None):
    changed = notice_mark_read(recipient=request.user, notice_id=pk)
    if pk is None:
        messages.success(request, _("%(count)d notices marked as read.") % {"count": changed})
    return redirect("notice-list")


# --- The officials' dashboards: they read only the stored summary (kunshan_portal.dashboard) ---


def _dashboard_context(request):
    refresh = dashboard.latest_refresh()
    if dashboard.refresh_if_stale(refresh):
        refresh = dashboard.latest_refresh()
    form = dashboard.DashboardFilterForm(request.GET or None, towns=refresh.towns if refresh else [])
    filters = dashboard.filters_from(form)
    return refresh, form, filters


def _dashboard_page(request, template, refresh, form, filters, **context):
    """The page's figures (lazy in ``context``) are computed only when its body is drawn: the body is the
    same for every official who asks for the same page, refresh, filters and language, and is kept until the
    next refresh. A form with errors is drawn each time (its errors are not kept)."""
    towns = {code: name for code, name in form.fields["town"].choices if code}
    stale = refresh is None or timezone.now() - refresh.finished_at > timedelta(
        minutes=2 * dashboard.REFRESH_MINUTES
    )
    body_key = ""
    if refresh is not None and not form.errors:
        page = context["domain"].key if "domain" in context else ""
        # What was asked decides the filters (with the refresh's towns) and what the form shows as typed.
        asked = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()
        body_key = f"{page}:{refresh.pk}:{asked}:{translation.get_language()}:{stale:d}"
    return render(
        request,
        template,
        {
            "refresh": refresh,
            "stale": stale,
            "body_key": body_key,
            "body_seconds": dashboard.KEPT_SECONDS,
            "form": form,
            "filters": filters,
            "town_name": towns.get(filters.town, ""),
            "domains": dashboard.dashboard_domains(),
            **context,
        },
    )


@login_required
@permission_required("kunshan_portal.view_dashboard", raise_exception=True)
def dashboard_overview(request):
    """The overview: each domain's headline figures over the period with their trend, and each app's
    short section."""
    refresh, form, filters = _dashboard_context(request)
    return _dashboard_page(
        request, "kunshan_portal/dashboard.html", refresh, form, filters,
        summaries=SimpleLazyObject(lambda: dashboard.overview_part(filters, refresh)),
        sections=SimpleLazyObject(lambda: dashboard.overview_sections(refresh)),
    )  # fmt: skip


@login_required
@permission_required("kunshan_portal.view_dashboard", raise_exception=True)
def dashboard_domain(request, domain):
    """One domain's page: every table with its breakdown, chart and exports."""
    found = dashboard.domain_or_none(domain)
    if found is None:
        raise Http404
    refresh, form, filters = _dashboard_context(request)
    tables = SimpleLazyObject(lambda: dashboard.domain_part(found, filters, refresh))
    return _dashboard_page(
        request, "kunshan_portal/dashboard_domain.html", refresh, form, filters, domain=found, tables=tables
    )


@login_required
@permission_required("kunshan_portal.view_dashboard", raise_exception=True)
def dashboard_export(request, domain, table, fmt):
    """One table as shown on its page (same period, town and suppression), as CSV or XLSX."""
    found = dashboard.domain_or_none(domain)
    wanted = dashboard.domain_table(found, table) if found else None
    if wanted is None:
        raise Http404
    refresh, _form, filters = _dashboard_context(request)
    stored = dashboard.stored_rows(found, [wanted], filters)[wanted.source or wanted.key]
    view = dashboard.table_view(found, wanted, stored, filters, refresh)
    dataset = dashboard.table_dataset(view)
    name = f"{domain}-{table}-{filters.start:%Y%m}-{filters.end:%Y%m}{'-' + filters.town if filters.town else ''}"
    if fmt == "xlsx":
        response = HttpResponse(
            dataset.export("xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        # with a byte-order mark, so that Excel reads the Chinese names as UTF-8
        response = HttpResponse("\ufeff" + dataset.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response

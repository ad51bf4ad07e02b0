from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kunshan_portal.dashboard import dashboard_sections
from kunshan_portal.models import Notice
from kunshan_portal.notices import notice_mark_read
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
    page = Paginator(notices, 20).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page})


@login_required
@require_POST
def notice_read(request, pk=None):
    changed = notice_mark_read(recipient=request.user, notice_id=pk)
    if pk is None:
        messages.success(request, _("%(count)d notices marked as read.") % {"count": changed})
    return redirect("notice-list")


@login_required
@permission_required("kunshan_portal.view_dashboard", raise_exception=True)
def dashboard(request):
    return render(request, "kunshan_portal/dashboard.html", {"sections": dashboard_sections()})

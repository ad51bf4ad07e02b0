"""Pieces every app's admin shares: the admin site, a paginator that never counts millions of rows, a
changelist row checkbox that costs nothing, and a dry run of a service that shows its refusal on a form
without writing anything."""

import functools
import hashlib
import json

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from import_export.admin import ExportActionMixin

from kunshan_portal.errors import DomainError

APP_LIST_SECONDS = 300


class PortalAdminSite(admin.AdminSite):
    """Django's admin site, with the list of apps and models beside every page kept per set of permissions.

    Building that list checks four permissions and reverses two addresses for each of the ~70 models on
    every admin page (5 ms). It depends only on the account's permissions (every ``has_*_permission`` of
    the portal's admins is a constant or Django's own check), the language and the site's address, which
    make its key; it is kept for APP_LIST_SECONDS, so a deploy that adds a model shows within that time.

    The sidebar drawn from it (templates/admin/nav_sidebar.html, 16 KB of HTML, another 5 ms) is kept
    under the same key and the page's model: it marks the model the page belongs to, and nothing else
    of the page shows in it."""

    def _app_list_key(self, request) -> str:
        """Made once per request: the app list and the sidebar both ask for it."""
        key = getattr(request, "_admin_app_list_key", None)
        if key is None:
            user = request.user
            account = f"{user.is_active}:{user.is_superuser}:{','.join(sorted(user.get_all_permissions()))}"
            key = request._admin_app_list_key = ":".join(
                (
                    "admin-apps:1",
                    reverse(f"{self.name}:index"),  # where the site is (its addresses are in the list)
                    get_language(),
                    hashlib.sha256(account.encode()).hexdigest(),
                )
            )
        return key

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)
        key = self._app_list_key(request)
        return cache.get_or_set(key, lambda: self._app_list_in_words(request), APP_LIST_SECONDS)

    def each_context(self, request):
        context = super().each_context(request)
        if context.get("is_nav_sidebar_enabled"):
            # The sidebar marks the app and model whose address the page's starts with: the first two
            # parts after the site's own address (app, model) decide it, not an object's id or a step.
            index = reverse(f"{self.name}:index")
            section = request.path
            if section.startswith(index):
                section = index + "/".join(section[len(index) :].split("/")[:2])
            context["nav_sidebar_key"] = f"{self._app_list_key(request)}:{section}"
            context["nav_sidebar_seconds"] = APP_LIST_SECONDS
        return context

    def _app_list_in_words(self, request) -> list[dict]:
        """Django's list, its lazy translations resolved in the key's language so that it pickles."""
        apps = super().get_app_list(request)
        for app in apps:
            app["name"] = str(app["name"])
            for model in app["models"]:
                model["name"] = str(model["name"])
        return apps


class SelectedRowsExport(ExportActionMixin):
    """django-import-export's export action ("export selected"), checking the chosen rows against the rows the
    caseworker may see (the admin's queryset) in one query bounded by the choice.

    The library checks them against every key of the table, which reads the whole table into memory:
    25 million keys for the contribution lines, 100,000 for job applications."""

    def get_valid_export_item_pks(self, request):
        key = self.model._meta.pk
        chosen = []
        for value in request.POST.getlist("export_items"):
            try:
                chosen.append(key.to_python(value))
            except ValidationError:
                continue  # not a key: the form refuses it as not one of the choices
        return self.get_queryset(request).filter(pk__in=chosen).values_list("pk", flat=True)


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to a cap, then trusts PostgreSQL's estimate: no COUNT(*) over millions of rows.

    An estimate (a count beyond the cap) is kept for ``estimate_seconds`` per query: the bounded count
    reads ``exact_up_to`` index entries and the planner is asked again, 2-3 ms of the database for a figure
    that is approximate anyway. Exact counts are never kept."""

    exact_up_to = 10_000
    estimate_seconds = 60

    @cached_property
    def count(self) -> int:
        # The rows' keys only: the same rows, without compiling the columns the list's joins would read.
        keys = self.object_list.order_by().values("pk")
        try:
            sql, params = keys.query.sql_with_params()
        except EmptyResultSet:  # a search that can match nothing (a wrong identity number)
            return 0
        key = "admin-estimate:" + hashlib.sha256(f"{keys.db}|{sql}|{params!r}".encode()).hexdigest()
        kept = cache.get(key)
        if kept is not None:
            return kept
        bounded = keys[: self.exact_up_to + 1].count()
        if bounded <= self.exact_up_to:
            return bounded
        estimate = max(bounded, _planned_rows(keys.db, sql, params))
        cache.set(key, estimate, self.estimate_seconds)
        return estimate


def _planned_rows(db: str, sql: str, params) -> int:
    """The number of rows PostgreSQL's planner expects the query to return (instant, approximate)."""
    with connections[db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class ShownColumnsOnly:
    """A changelist page reads only the columns its rows show (``list_only``), not every column of the
    model and of each ``list_select_related`` model: Django builds about 200 instances a page of 50 rows,
    and it was making each with 20–40 fields the list never shows.

    ``list_only`` names the fields the list's columns, its row checkbox (the row's ``str``) and the
    ``str`` of each related object shown read, the relations followed included (``"resident"`` beside
    ``"resident__name"``). Only the page's rows are read so: actions, exports and change pages get whole
    instances. A field left out would cost a query per row: ``tests/core/test_admin_rows.py`` checks that
    each such list reads the same number of rows in the same queries for one row as for several, and
    draws the same rows as whole instances do."""

    list_only: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        return _reading_only(changelist) if self.list_only else changelist


@functools.cache
def _reading_only(changelist: type) -> type:
    class ReadingOnly(changelist):
        def get_results(self, request):
            super().get_results(request)
            if not self.list_editable:  # an editable list's forms take whole instances
                self.result_list = self.result_list.only(*self.model_admin.list_only)

    return ReadingOnly


class PlainActionCheckbox:
    """A changelist's row checkbox written out directly, in the same markup as Django's: Django renders a
    form widget through the template engine for every row, a third of the time of a page of 50 rows."""

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        return self.checkbox(obj, self.label_format())

    @staticmethod
    def label_format() -> str:
        """The checkbox's label in the reader's language, with {} for the row (read once per page by
        kunshan_portal/admin_rows.py)."""
        return _("Select this object for an action - {}")

    @staticmethod
    def checkbox(obj, label_format: str):
        """Django's ``format_html`` twice over, written out: the row's text escaped into the label, the
        label (safe from then on) and the row's key into the input."""
        label = label_format.format(conditional_escape(obj))
        return mark_safe(  # noqa: S308 (the key and the row's text escaped; the label is a translation)
            f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{conditional_escape(obj.pk)}" '
            f'class="action-select" aria-label="{label}">'
        )


class _DryRun(Exception):
    """Raised to roll back a savepoint in which a service was only asked, not obeyed."""


def service_refusal(call) -> DomainError | None:
    """Run a service in a savepoint that is always rolled back: its DomainError, or None if it agrees."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        return None
    except DomainError as exc:
        return exc

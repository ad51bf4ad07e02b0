"""The changelists' rows and filters written by kunshan_portal/admin_rows.py are Django's own, cell for cell."""

from urllib.parse import parse_qsl

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.db import connection
from django.template import TemplateDoesNotExist
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import translation

from kunshan_portal.admin_rows import _quick, quick_filter, quick_results
from kunshan_portal.models import User
from tests.employment.factories import make_application
from tests.factories import make_child, make_resident
from tests.housing.factories import apply, make_beds, make_compound
from tests.insurance.factories import make_enrolment
from tests.legal_aid.factories import file_case
from tests.pages import without_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_rows():
    """A few rows in every domain's lists, some fields empty."""
    resident = make_resident(with_user=False)
    make_child(resident)
    make_application()
    make_application()
    compound = make_compound()
    make_beds(compound, 2)
    apply(None, compound)
    make_enrolment()
    file_case()


@pytest.fixture
def superuser():
    return User.objects.create_superuser("root-rows", password="x")


def _changelist(model_admin, user, query: dict):
    url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    request = RequestFactory().get(url, query)
    request.user, request.resolver_match = user, resolve(url)
    changelist = model_admin.get_changelist_instance(request)
    changelist.formset = None  # as the changelist view sets it for lists without editable rows
    return changelist


def _rows(rows) -> list[str]:
    """Each row as the page writes it: its items back to back."""
    return ["".join(str(cell) for cell in row) for row in rows]


@pytest.mark.parametrize(
    "query", [{}, {"o": "-1"}, {"q": "a"}], ids=["plain", "sorted, links carry the order", "searched"]
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])  # dates are written in each language's format
def test_every_changelist_writes_the_rows_django_writes(city_rows, superuser, query, language):
    # given: every model in the admin with the rows of the fixture
    compared = 0
    with translation.override(language):
        for model_admin in admin.site._registry.values():
            try:
                changelist = _changelist(model_admin, superuser, query)
            except admin.options.IncorrectLookupParameters:
                continue
            # when
            quick = _rows(quick_results(changelist))
            django = _rows(admin_list.results(changelist))
            # then
            assert quick == django, model_admin
            compared += len(django)
    assert compared >= 10


def test_a_page_of_job_applications_is_the_same_page(client, city_rows, superuser, monkeypatch):
    # given: the caseworker's list read with the quick rows, then with Django's
    client.force_login(superuser)
    url = reverse("admin:employment_application_changelist") + "?state__exact=submitted"
    written = []
    monkeypatch.setattr(admin_list, "items_for_result", _counted(admin_list.items_for_result, written))
    quick = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    monkeypatch.setattr("kunshan_portal.templatetags.portal_admin_list.quick_results", admin_list.results)
    # when
    django = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    # then: the same rows, the first page's written without Django's; each link carries the filter back
    assert len(written) == 2  # the second page's two rows only
    assert without_tokens(quick) == without_tokens(django)
    assert "_changelist_filters=state__exact%3Dsubmitted" in quick.content.decode()


def _filters(changelist) -> tuple[list[str], list[str]]:
    """The list's filters as the portal writes them, and as Django does."""
    quick = [str(quick_filter(changelist, spec)) for spec in changelist.filter_specs]
    django = [str(admin_list.admin_list_filter(changelist, spec)) for spec in changelist.filter_specs]
    return quick, django


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_changelist_writes_the_filters_django_writes(city_rows, superuser, language):
    # given: every admin list with filters, as it opens, with counts, and with each filter's first choice
    compared = chosen = 0
    with translation.override(language):
        for model_admin in admin.site._registry.values():
            if not model_admin.list_filter:
                continue
            plain = _changelist(model_admin, superuser, {})
            queries = [{}, {"_facets": "True"}]
            for spec in plain.filter_specs:
                choices = [c for c in spec.choices(plain) if not c["selected"]]
                if choices:
                    queries.append(dict(parse_qsl(choices[0]["query_string"].lstrip("?"))))
            for query in queries:
                try:
                    changelist = _changelist(model_admin, superuser, query)
                except admin.options.IncorrectLookupParameters:
                    continue
                # when
                quick, django = _filters(changelist)
                # then
                assert quick == django, (model_admin, query)
                compared += len(django)
                chosen += len(query) == 1 and "_facets" not in query
    assert compared >= 100
    assert chosen >= 20  # filters with a choice made, not only "all"


def test_a_filter_of_its_own_template_is_drawn_by_django(superuser):
    # given: a filter with a template of its own
    model_admin = admin.site.get_model_admin(apps.get_model("employment", "application"))
    changelist = _changelist(model_admin, superuser, {})
    spec = changelist.filter_specs[0]
    spec.template = "admin/test_own_filter.html"
    # when / then: Django's tag looks for that template (which does not exist)
    with pytest.raises(TemplateDoesNotExist, match=r"admin/test_own_filter\.html"):
        quick_filter(changelist, spec)


def _counted(function, calls: list):
    def counted(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    return counted


@pytest.mark.parametrize(
    ("app_label", "model_name"),
    [
        ("employment", "application"), ("residents", "resident"), ("housing", "housingapplication"),
        ("legal_aid", "case"), ("insurance", "contributionline"),
    ],
)  # fmt: skip
def test_the_big_lists_take_the_quick_rows(superuser, app_label, model_name):
    # given
    model_admin = admin.site.get_model_admin(apps.get_model(app_label, model_name))
    # when
    cl = _changelist(model_admin, superuser, {})
    # then
    assert _quick(cl)


# --- Lists that read only the columns they show (ShownColumnsOnly) -------------------------------------


def _housing_application():
    compound = make_compound()
    make_beds(compound, 1)
    return apply(None, compound)


ANOTHER_ROW = {  # for each list that reads only its columns: a row more for it
    "employment.Application": make_application,
    "residents.Resident": lambda: make_resident(with_user=False),
    "housing.HousingApplication": _housing_application,
}


def _reading_only() -> list:
    return [
        model_admin for model_admin in admin.site._registry.values() if getattr(model_admin, "list_only", ())
    ]


def test_the_lists_that_read_only_their_columns_are_the_big_ones():
    assert sorted(model_admin.opts.label for model_admin in _reading_only()) == sorted(ANOTHER_ROW)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_list_reading_only_its_columns_draws_the_rows_whole_instances_draw(
    city_rows, superuser, monkeypatch, language
):
    with translation.override(language):
        for model_admin in _reading_only():
            # when
            shown = _rows(quick_results(_changelist(model_admin, superuser, {})))
            monkeypatch.setattr(model_admin, "list_only", ())
            whole = _rows(quick_results(_changelist(model_admin, superuser, {})))
            monkeypatch.undo()
            # then
            assert shown and shown == whole, model_admin


def _drawn(model_admin, user) -> tuple[int, int]:
    """The rows of the list's first page and the queries that drawing them took."""
    with CaptureQueriesContext(connection) as queries:
        rows = _rows(quick_results(_changelist(model_admin, user, {})))
    return len(rows), len(queries.captured_queries)


@pytest.mark.parametrize("label", sorted(ANOTHER_ROW))
def test_a_list_reading_only_its_columns_reads_no_left_out_column_row_by_row(city_rows, superuser, label):
    # given
    model_admin = admin.site.get_model_admin(apps.get_model(label))
    rows, queries = _drawn(model_admin, superuser)
    # when: three rows more
    for _ in range(3):
        ANOTHER_ROW[label]()
    # then: the same queries draw them (a column left out of list_only would be read once a row)
    assert _drawn(model_admin, superuser) == (rows + 3, queries)

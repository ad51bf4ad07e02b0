"""The officials' dashboards: the summary refresh, the figures, the filters, suppression, the pages,
charts, exports and the API, and who may see them."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from housing import selectors as housing_selectors
from kunshan_portal import roles
from kunshan_portal.dashboard import (
    add_months,
    dashboard_refresh,
    dashboard_refresh_soon,
    default_filters,
    history_start,
    table_view,
    this_month,
)
from kunshan_portal.models import DashboardFigure, DashboardRefresh
from kunshan_portal.registry import DashboardColumn, DashboardDomain, DashboardTable
from kunshan_portal.tasks import dashboard_refresh_task
from legal_aid import services as legal_aid_services
from residents.models import Resident, Town
from residents.selectors import registration_figures
from tests.factories import make_resident
from tests.housing.factories import apply, make_beds, make_compound
from tests.legal_aid.factories import file_case, make_staff
from tests.pages import without_tokens

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DOMAINS = ("residents", "employment", "housing", "insurance", "education", "legal-aid")


def _registered(town: str, months_ago: int, *, verified: bool = True, n: int = 1) -> list[Resident]:
    """Residents of a town registered (and verified) a number of months ago, in the middle of the month."""
    made = [make_resident(town=Town.objects.get(code=town), verified=verified) for _ in range(n)]
    moment = timezone.make_aware(
        timezone.datetime.combine(
            add_months(this_month(), -months_ago).replace(day=15), timezone.datetime.min.time()
        )
    )
    Resident.objects.filter(pk__in=[r.pk for r in made]).update(
        submitted_at=moment, decided_at=moment if verified else None
    )
    return made


@pytest.fixture(autouse=True)
def _no_refresh_asked_for():
    """A big run of another test may have marked the summary stale in the shared cache."""
    cache.clear()


@pytest.fixture
def city():
    """Yushan: 4 residents two months ago (verified) and 3 this month (pending); Bacheng: 2 this month
    (verified); one Yushan resident registered three years ago (before the period)."""
    _registered("yushan", 40)
    _registered("yushan", 2, n=4)
    _registered("yushan", 0, verified=False, n=3)
    _registered("bacheng", 0, n=2)


@pytest.fixture
def refreshed(city):
    return dashboard_refresh(reason="test")


@pytest.fixture
def official(client, official_user):
    client.force_login(official_user)
    return client


def _api(client, path, **params):
    response = client.get(path, params, **EN)
    assert response.status_code == 200, response.content
    return response.json()


def _table(payload, key):
    return next(table for table in payload["tables"] if table["key"] == key)


# --- The figures against a hand-computed fixture -------------------------------------------------------


def test_the_registration_figures_count_each_month_and_keep_the_totals(city):
    rows = registration_figures(since=history_start())

    by = {(row["town"], row["month"]): row for row in rows}
    two_ago, now = add_months(this_month(), -2), this_month()
    assert by[("yushan", two_ago)]["registered"] == 4 and by[("yushan", two_ago)]["registered_total"] == 5
    assert by[("yushan", now)] == {
        "month": now, "town": "yushan", "registered": 3, "verified": 0, "registered_total": 8,
        "verified_total": 5,
    }  # fmt: skip
    assert by[("bacheng", now)]["verified_total"] == 2
    # the resident of three years ago counts in the totals from the start of the period kept
    assert by[("yushan", history_start())]["registered_total"] == 1


def test_the_residents_page_figures_for_the_period(official, refreshed):
    payload = _api(official, "/api/v1/dashboard/residents/")

    monthly = _table(payload, "registrations")
    assert [row["values"]["registered"] for row in monthly["rows"]][-3:] == [4, 0, 5]
    assert monthly["total"]["values"]["registered"] == 9  # new in the last 12 months
    assert monthly["total"]["values"]["registered_total"] == 10  # at the period's end
    assert monthly["total"]["values"]["verified_total"] == 7
    assert monthly["total"]["values"]["verified_share"] == 0.7
    assert monthly["total"]["values"]["population_share"] == round(10 / 1_350_000, 3)


def test_the_legal_aid_figures_count_cases_decisions_and_the_share_in_time(official):
    caseworker = make_staff()
    for n in range(6):
        case = file_case()
        if n < 3:
            legal_aid_services.case_examine(case=case, actor=caseworker.user)
            legal_aid_services.case_accept(case=case, actor=caseworker.user)
    dashboard_refresh()

    cases = _table(_api(official, "/api/v1/dashboard/legal-aid/"), "cases")
    states = _table(_api(official, "/api/v1/dashboard/legal-aid/"), "states")

    assert cases["total"]["values"]["cases"] == 6
    assert cases["total"]["values"]["decided"] == 3
    assert cases["total"]["values"]["share_in_time"] == 1.0
    assert states["total"]["values"]["open"] == 6
    by_category = _table(_api(official, "/api/v1/dashboard/legal-aid/"), "cases-by-category")
    assert [(row["key"], row["values"]["cases"]) for row in by_category["rows"]] == [("unpaid_wages", 6)]


# --- The refresh ---------------------------------------------------------------------------------------


def test_the_refresh_task_fills_the_summary_and_the_pages_say_as_of_when(official, city):
    assert not DashboardFigure.objects.exists()

    rows = dashboard_refresh_task.delay("test").get()

    refresh = DashboardRefresh.objects.get()
    assert rows == refresh.rows == DashboardFigure.objects.count() > 0
    assert set(DashboardFigure.objects.values_list("table", flat=True)) == {
        "registrations"
    }  # only residents yet
    assert ["yushan", "玉山镇", "Yushan"] in refresh.towns
    page = official.get(reverse("dashboard"), **EN).content.decode()
    assert f"Data as of {timezone.localtime(refresh.finished_at):%Y-%m-%d %H:%M}" in page


def test_the_refresh_task_draws_the_charts_before_anyone_asks(official, city, monkeypatch):
    from kunshan_portal import dashboard

    dashboard_refresh_task.delay("test")
    monkeypatch.setattr(dashboard, "_draw", lambda view: pytest.fail("a chart drawn on request"))
    monkeypatch.setattr(dashboard, "domain_views", lambda *a, **k: pytest.fail("a page computed on request"))
    monkeypatch.setattr(
        dashboard, "overview", lambda *a, **k: pytest.fail("the overview computed on request")
    )

    page = official.get(reverse("dashboard-domain", args=["residents"]), **EN).content.decode()
    assert official.get(reverse("dashboard"), **EN).status_code == 200

    assert '<figure class="dash-chart"><svg' in page


def test_the_pages_read_the_summary_not_the_live_data(official, refreshed):
    _registered("bacheng", 0, n=5)  # after the refresh

    before = _table(_api(official, "/api/v1/dashboard/residents/"), "registrations")
    dashboard_refresh()
    after = _table(_api(official, "/api/v1/dashboard/residents/"), "registrations")

    assert before["total"]["values"]["registered_total"] == 10
    assert after["total"]["values"]["registered_total"] == 15


def test_a_refresh_replaces_the_summary_whole(refreshed):
    first = DashboardFigure.objects.count()
    dashboard_refresh()
    assert DashboardFigure.objects.count() == first
    assert DashboardRefresh.objects.count() == 2


def test_without_workers_a_big_run_has_the_next_page_refresh(
    official, refreshed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dashboard_refresh_soon("insurance run")
    assert DashboardRefresh.objects.count() == 1  # nothing yet: no worker to do it

    with django_capture_on_commit_callbacks(execute=True):
        official.get(reverse("dashboard"), **EN)

    assert DashboardRefresh.objects.latest("finished_at").reason == "insurance run"


def test_with_workers_a_burst_of_runs_queues_one_refresh(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(dashboard_refresh_task, "apply_async", lambda *a, **kw: queued.append((a, kw)))
    cache.delete("dashboard-refresh-queued")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(12):  # a seeding of twelve monthly runs
            dashboard_refresh_soon("insurance run")

    assert queued == [((("insurance run",),), {"countdown": 30})]


def test_without_workers_a_page_refreshes_a_missing_summary(
    official, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        official.get(reverse("dashboard"), **EN)
    assert DashboardRefresh.objects.get().reason == "stale"


def test_the_overview_says_when_the_data_is_old(official, refreshed):
    DashboardRefresh.objects.update(finished_at=timezone.now() - timedelta(hours=2))
    page = official.get(reverse("dashboard"), **EN).content.decode()
    assert "not refreshed for a while" in page


# --- Filters -------------------------------------------------------------------------------------------


def test_the_town_filter_keeps_one_town(official, refreshed):
    yushan = _table(_api(official, "/api/v1/dashboard/residents/", town="yushan"), "registrations")
    bacheng = _table(_api(official, "/api/v1/dashboard/residents/", town="bacheng"), "registrations")

    assert yushan["total"]["values"]["registered_total"] == 8
    assert yushan["total"]["values"]["population_share"] is None  # a share of the whole city only
    # Bacheng's 2 residents are a small count once the figures are one town's
    assert bacheng["total"]["values"]["registered_total"] is None
    assert bacheng["total"]["suppressed"] == ["registered", "verified", "registered_total", "verified_total",
                                              "verified_share"]  # fmt: skip


def test_the_period_filter_changes_the_figures(official, refreshed):
    two_ago = add_months(this_month(), -2)
    payload = _api(official, "/api/v1/dashboard/residents/", start=f"{two_ago:%Y-%m}", end=f"{two_ago:%Y-%m}")
    monthly = _table(payload, "registrations")

    assert payload["period"] == {"start": f"{two_ago:%Y-%m}", "end": f"{two_ago:%Y-%m}"}
    assert [row["label"] for row in monthly["rows"]] == [f"{two_ago:%Y-%m}"]
    assert monthly["total"]["values"]["registered"] == 4
    assert monthly["total"]["values"]["registered_total"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [({"start": "2026-13"}, "start"), ({"town": "atlantis"}, "town"), ({"start": "1999-01"}, "start")],
)
def test_bad_filters_are_refused_with_the_field_named(official, refreshed, params, field):
    response = official.get("/api/v1/dashboard/summary/", params, **EN)
    assert response.status_code == 400
    assert field in response.json()["errors"]

    page = official.get(reverse("dashboard-domain", args=["residents"]), params, **EN)
    assert page.status_code == 200
    assert page.context["form"].errors[field]
    assert page.context["filters"].town == ""  # the default figures, unchanged


def test_a_period_ending_before_it_starts_is_refused(official, refreshed):
    response = official.get("/api/v1/dashboard/residents/", {"start": "2026-06", "end": "2026-01"}, **EN)
    assert response.status_code == 400 and "start" in response.json()["errors"]


# --- Small counts ------------------------------------------------------------------------------------


def test_small_counts_are_suppressed_in_breakdowns_by_town(official, refreshed):
    by_town = _table(_api(official, "/api/v1/dashboard/residents/"), "registrations-by-town")
    rows = {row["key"]: row for row in by_town["rows"]}

    assert rows["yushan"]["values"]["registered_total"] == 8
    assert rows["bacheng"]["values"]["registered_total"] is None
    assert "registered_total" in rows["bacheng"]["suppressed"]
    # a share computed from a suppressed count is suppressed too
    assert rows["bacheng"]["values"]["verified_share"] is None

    page = official.get(reverse("dashboard-domain", args=["residents"]), **EN).content.decode()
    assert "&lt;5" in page


def test_the_whole_city_by_month_is_not_suppressed(official, refreshed):
    monthly = _table(_api(official, "/api/v1/dashboard/residents/"), "registrations")
    assert monthly["rows"][-1]["values"]["verified"] == 2 and monthly["rows"][-1]["suppressed"] == []


def test_headlines_of_one_town_suppress_small_counts(official, refreshed):
    payload = _api(official, "/api/v1/dashboard/summary/", town="bacheng")
    residents = next(domain for domain in payload["domains"] if domain["key"] == "residents")
    registered = next(h for h in residents["headlines"] if h["label"] == "Residents registered")
    assert registered["value"] is None and registered["suppressed"] is True


# --- Pages, charts, exports ------------------------------------------------------------------------------


def test_the_overview_shows_each_domain_with_its_trend(official, refreshed):
    page = official.get(reverse("dashboard"), **EN).content.decode()

    for title in ("Residents", "Employment", "Housing", "Social insurance", "School places", "Legal aid"):
        assert title in page
    assert "Residents registered" in page and "Share of the new-resident population registered" in page
    assert page.count('role="img"') >= 4  # the trends, as SVG drawn on the server
    assert "Month by month" in page and "<caption>Residents registered, month by month</caption>" in page
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_page_has_its_tables_and_exports(official, refreshed, domain):
    response = official.get(reverse("dashboard-domain", args=[domain]), **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Data as of" in page and "<caption>" in page
    assert f"/dashboard/{domain}/" in page and ".csv?" in page and ".xlsx?" in page


def test_a_chart_is_drawn_with_its_numbers_in_the_table_beside_it(official, refreshed):
    page = official.get(reverse("dashboard-domain", args=["residents"]), **EN).content.decode()

    chart = page.split('<figure class="dash-chart">', 1)[1].split("</figure>", 1)[0]
    assert chart.startswith("<svg") and 'role="img"' in chart
    assert "<title>Registrations by month</title>" in chart and "<desc>" in chart
    assert "<script" not in chart and "http://kozea" not in chart.replace("<!--http://pygal.org-->", "")
    assert '<th scope="row">yushan' not in page and '<th scope="row">Yushan</th>' in page


def test_an_unknown_domain_or_table_is_not_found(official, refreshed):
    assert official.get("/dashboard/nowhere/").status_code == 404
    assert official.get("/dashboard/residents/nothing.csv").status_code == 404
    assert official.get("/api/v1/dashboard/nowhere/").status_code == 404


def test_the_csv_export_is_the_table_as_shown(official, refreshed):
    response = official.get(reverse("dashboard-csv", args=["residents", "registrations-by-town"]), **EN)

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Town or zone", "New registrations", "Verified in the month"]
    by_town = {row[0]: row for row in rows[1:]}
    assert by_town["Yushan"][3] == "8" and by_town["Bacheng"][3] == "<5"
    assert by_town["Total"][3] == "10"


def test_the_xlsx_export_and_formulas_are_neutralised(official, refreshed):
    DashboardFigure.objects.create(
        domain="employment", table="placements", month=this_month(), town="yushan", key="evil",
        label_zh="=HYPERLINK(\"http://x\")", label_en="=HYPERLINK(\"http://x\")", values={"placements": 7},
    )  # fmt: skip

    response = official.get(reverse("dashboard-xlsx", args=["employment", "placements-by-sector"]), **EN)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == ["Sector", "Placements"]
    assert ['\'=HYPERLINK("http://x")', 7] in cells


def test_the_period_and_town_apply_to_the_export(official, refreshed):
    response = official.get(
        reverse("dashboard-csv", args=["residents", "registrations"]), {"town": "yushan"}, **EN
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[-1][0] == "Total" and rows[-1][3] == "8"
    assert "-yushan.csv" in response["Content-Disposition"]


# --- Speed: the number of queries of every page is bounded -----------------------------------------------


# Every logged-in page costs 10 queries before it starts (session, user, permissions, second factor, unread
# notices, the session's idle time written back); a dashboard page adds two: the last refresh and its rows.
PAGE_QUERIES = 12


def test_the_overview_takes_few_queries(official, refreshed, django_assert_max_num_queries):
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert official.get(reverse("dashboard"), **EN).status_code == 200


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_page_takes_few_queries(official, refreshed, domain, django_assert_max_num_queries):
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert official.get(reverse("dashboard-domain", args=[domain]), **EN).status_code == 200


def test_the_api_takes_few_queries(official, refreshed, django_assert_max_num_queries):
    with django_assert_max_num_queries(PAGE_QUERIES):
        official.get("/api/v1/dashboard/summary/", **EN)
    with django_assert_max_num_queries(PAGE_QUERIES):
        official.get("/api/v1/dashboard/housing/", **EN)


# --- Who may see them --------------------------------------------------------------------------------------

PAGES = [
    "/dashboard/",
    "/dashboard/residents/",
    "/dashboard/residents/registrations.csv",
    "/dashboard/legal-aid/cases.xlsx",
]
API = ["/api/v1/dashboard/summary/", "/api/v1/dashboard/housing/"]


@pytest.mark.parametrize("path", PAGES + API)
def test_officials_may_see_every_page_and_endpoint(official, refreshed, path):
    assert official.get(path, **EN).status_code == 200


@pytest.mark.parametrize(
    "role", [roles.RESIDENT, roles.EMPLOYER, roles.CASEWORKER_GROUPS["housing"], roles.LAWYER]
)
@pytest.mark.parametrize("path", PAGES + API)
def test_residents_employers_and_caseworkers_are_refused(client, make_user, refreshed, role, path):
    client.force_login(make_user("someone", role))
    assert client.get(path, **EN).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, refreshed, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("path", API)
def test_the_api_without_credentials_answers_401(client, refreshed, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_official_calls_the_api_with_a_token(client, official_user, refreshed):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=official_user)
    response = client.get("/api/v1/dashboard/summary/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert {domain["key"] for domain in response.json()["domains"]} == set(DOMAINS)
    assert response.json()["data_as_of"]


def test_contributions_are_exact_to_the_fen_by_fund(official, city):
    from insurance.models import ContributionTotal
    from tests.factories import make_employer

    employer = make_employer()
    period = add_months(this_month(), -1)
    for scheme, employer_part, employee_part in (
        ("pension", "100.10", "40.05"),
        ("medical", "10.01", "2.00"),
    ):
        ContributionTotal.objects.create(
            employer=employer, period=period, scheme=scheme, employer_amount=Decimal(employer_part),
            employee_amount=Decimal(employee_part), pool=Decimal(employer_part), personal_account=Decimal(employee_part),
            lines=1,
        )  # fmt: skip
    dashboard_refresh()

    payload = _api(official, "/api/v1/dashboard/insurance/")

    assert _table(payload, "contributions")["total"]["values"]["collected"] == "152.16"
    by_fund = {row["key"]: row["values"] for row in _table(payload, "contributions-by-fund")["rows"]}
    assert by_fund["pension"]["collected"] == "140.15" and by_fund["medical"]["employee_amount"] == "2.00"


# --- City scale: long breakdowns and the pages' cached part ---------------------------------------------


def test_a_long_breakdown_shows_its_largest_rows_and_adds_up_the_others_and_the_export_has_all():
    # given: a breakdown by compound of four rows, two to a page
    table = DashboardTable(
        key="stock", title="Stock", columns=(DashboardColumn("places", "Places", kind="number"),),
        breakdown="key", chart_columns=("places",), page_rows=2,
    )  # fmt: skip
    domain = DashboardDomain(key="test", title="Test", tables=(table,))
    stored = [
        DashboardFigure(
            domain="test", table="stock", key=key, label_zh=key, label_en=key, values={"places": n}
        )
        for key, n in (("a", 10), ("b", 30), ("c", 20), ("d", 7))
    ]
    # when
    with translation.override("en"):
        page = table_view(domain, table, stored, default_filters(), None, page=True)
        full = table_view(domain, table, stored, default_filters(), None)
    # then: the page keeps the two largest and adds up the others; the export keeps every row
    assert [(row.label, row.cells[0].value) for row in page.rows] == [
        ("b", 30), ("c", 20), ("2 others (all of them in the exports)", 17)
    ]  # fmt: skip
    assert [row.label for row in full.rows] == ["a", "b", "c", "d"]
    assert page.total.cells[0].value == full.total.cells[0].value == 67


def test_the_housing_overview_lists_the_compounds_with_the_longest_waiting_lists(monkeypatch):
    # given: more compounds than the overview lists, one of them with applicants waiting
    monkeypatch.setattr(housing_selectors, "OVERVIEW_COMPOUNDS", 1)
    quiet, busy = make_compound(name_zh="安静公寓"), make_compound(name_zh="热门公寓")
    make_beds(quiet, 2), make_beds(busy, 2)
    apply(None, busy), apply(None, busy)
    # when
    _title, figures = housing_selectors.housing_dashboard()
    # then: one compound line, the busiest
    labels = [str(label) for label, _value in figures]
    assert str(busy) in labels and str(quiet) not in labels


def _registered_total(response) -> int:
    view = next(view for view, _svg in response.context["tables"] if view.table.key == "registrations")
    return view.total.cells[[column.key for column in view.columns].index("registered_total")].value


def test_a_page_shows_the_new_figures_after_each_refresh(official, refreshed):
    # given: the page read once (its tables kept until the next refresh), then five more residents
    url = reverse("dashboard-domain", args=["residents"])
    first = _registered_total(official.get(url, **EN))
    _registered("bacheng", 0, n=5)
    # when
    kept = _registered_total(official.get(url, **EN))
    dashboard_refresh()
    fresh = _registered_total(official.get(url, **EN))
    # then
    assert (first, kept, fresh) == (10, 10, 15)


def test_a_kept_page_is_read_in_each_readers_language(official, refreshed):
    # given: the page kept after an English reader
    url = reverse("dashboard-domain", args=["residents"])
    english = official.get(url, **EN)
    table = english.context["tables"][0][0].table
    with translation.override("zh-hans"):
        chinese_title = str(table.title)
    # when
    chinese = official.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    again = official.get(url, **EN)
    # then
    assert chinese_title != str(table.title)
    assert chinese_title in chinese.content.decode()
    assert str(table.title) in again.content.decode() and chinese_title not in again.content.decode()


def _drawn(response) -> set[str]:
    return {template.name for template in response.templates}


def test_a_page_body_is_drawn_once_per_refresh_filters_and_language(official, refreshed):
    # given: the overview and a domain page read once by an official
    overview, domain = reverse("dashboard"), reverse("dashboard-domain", args=["residents"])
    first = official.get(overview, **EN)
    official.get(domain, **EN)
    # when: read again, in another language, with a town, and after a refresh
    again = official.get(overview, **EN)
    domain_again = official.get(domain, **EN)
    chinese = official.get(overview, HTTP_ACCEPT_LANGUAGE="zh-hans")
    town = official.get(overview, {"town": "bacheng"}, **EN)
    dashboard_refresh()
    refreshed_page = official.get(overview, **EN)
    # then: the second reading is the kept body; any other language, filter or refresh draws its own
    body = "kunshan_portal/dashboard_body.html"
    assert body in _drawn(first) and body not in _drawn(again)
    assert "kunshan_portal/dashboard_domain_body.html" not in _drawn(domain_again)
    assert without_tokens(again) == without_tokens(first)
    assert all(body in _drawn(page) for page in (chinese, town, refreshed_page))


def test_a_form_with_errors_is_never_kept(official, refreshed):
    # given: a bad period asked for twice
    url = reverse("dashboard")
    official.get(url, {"start": "2020-13"}, **EN)
    # when
    second = official.get(url, {"start": "2020-13"}, **EN)
    # then: drawn again, with its error
    assert "kunshan_portal/dashboard_body.html" in _drawn(second)
    assert second.context["form"].errors["start"]

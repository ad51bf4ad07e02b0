"""Places where each app plugs in what the shared pages show, without the core importing the apps.

An app registers in its AppConfig.ready():
- an application source: ``f(resident) -> list[ApplicationSummary]`` for the resident's own page;
- a closure obstacle: ``f(resident) -> list[str]``, what of the resident's keeps their account from being
  closed for now, each in the reader's language (a legal-aid case in progress must reach its applicant);
- a closure eraser: ``f(resident)``, run in the transaction that closes the account, erasing what the app
  keeps of the person that is not a record the law requires (a job seeker's preferences);
- a dashboard section: ``f() -> (title, [(label, value), ...])`` for the officials' overview.
- a dashboard domain (``DashboardDomain``): its tables, charts and headline figures, stored by the
  summary refresh (``kunshan_portal.dashboard``) and read by the officials' pages and API.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApplicationSummary:
    kind: str  # what it is, in the reader's language ("Housing application")
    title: str  # which one ("Yushan blue-collar apartments, 2 choices")
    state: str  # the state's label in the reader's language
    submitted_at: datetime
    url: str = ""


APPLICATION_SOURCES: list[Callable] = []
CLOSURE_OBSTACLES: list[Callable] = []
CLOSURE_ERASERS: list[Callable] = []
DASHBOARD_SECTIONS: list[Callable] = []


def _add_once(registry: list, entry) -> None:
    if entry not in registry:
        registry.append(entry)


def register_application_source(source: Callable) -> None:
    _add_once(APPLICATION_SOURCES, source)


def register_closure_obstacle(source: Callable) -> None:
    _add_once(CLOSURE_OBSTACLES, source)


def closure_obstacles(resident) -> list[str]:
    """Why the resident's account cannot be closed now (empty: it can)."""
    return [reason for source in CLOSURE_OBSTACLES for reason in source(resident)]


def register_closure_eraser(eraser: Callable) -> None:
    _add_once(CLOSURE_ERASERS, eraser)


def erase_on_closure(resident) -> None:
    for eraser in CLOSURE_ERASERS:
        eraser(resident)


def register_dashboard_section(section: Callable) -> None:
    _add_once(DASHBOARD_SECTIONS, section)


def applications_of(resident) -> list[ApplicationSummary]:
    """Every application of the resident across the portal, newest first."""
    found = [summary for source in APPLICATION_SOURCES for summary in source(resident)]
    return sorted(found, key=lambda s: s.submitted_at, reverse=True)


# --- Dashboard figures: each domain's tables, stored by the summary refresh and read by the pages ---


@dataclass(frozen=True)
class DashboardColumn:
    """One measure of a dashboard table.

    ``kind``: ``count`` (people or cases: under 5 is suppressed in breakdowns), ``number``, ``money``
    (yuan, Decimal), ``share`` (numerator / denominator) or ``average`` (total / how many).
    ``agg``: ``sum`` adds the months of the period; ``last`` is a stock, taken in the period's last month.
    ``of``: for a share or an average, the numerator and denominator columns (a number for a constant).
    """

    key: str
    label: object
    kind: str = "count"
    agg: str = "sum"
    of: tuple[str, str | int] | None = None
    city_only: bool = False  # meaningless for one town (a share of the whole city's population)
    hidden: bool = False  # stored for a share or an average, not shown (days waited in all …)


@dataclass(frozen=True)
class DashboardTable:
    """A table of a domain's dashboard page and the chart drawn from it.

    ``rows()`` returns plain rows ``{"month": date | None, "town": town code or "", "key": str,
    "label": str | lazy text | (Chinese, English), <column key>: value, ...}``; the page groups them by
    ``breakdown`` (``month``, ``town`` or ``key``: a compound, school, station, category, sector, fund …).
    Rows without a month are a snapshot (today's figures): the period filter does not apply to them.
    ``source`` names another table of the same domain whose rows this one regroups (computed once).
    """

    key: str
    title: object
    columns: tuple[DashboardColumn, ...]
    breakdown: str = "month"
    rows: Callable | None = None
    source: str = ""
    key_label: object = ""
    chart: str = "bar"  # bar, line, share (a pie of the rows' shares) or "" for none
    chart_columns: tuple[str, ...] = ()
    # A breakdown by key (thousands of dormitories, say) shows its largest rows on the page and in the
    # chart, by the first chart column, and the rest added up as one row; exports and the API have them all.
    page_rows: int = 30
    caption: object = ""


@dataclass(frozen=True)
class DashboardHeadline:
    """A figure on the overview: one column of one table, over the period, with its monthly trend."""

    label: object
    table: str
    column: str


@dataclass(frozen=True)
class DashboardDomain:
    key: str  # in the page's address: /dashboard/<key>/
    title: object
    tables: tuple[DashboardTable, ...]
    headlines: tuple[DashboardHeadline, ...] = ()
    order: int = 100


DASHBOARD_DOMAINS: dict[str, DashboardDomain] = {}
DASHBOARD_TOWNS: list[Callable] = []


def register_dashboard_domain(domain: DashboardDomain) -> None:
    DASHBOARD_DOMAINS[domain.key] = domain


def register_dashboard_towns(source: Callable) -> None:
    """``source() -> [(code, Chinese name, English name), ...]``: the towns the dashboards filter by."""
    _add_once(DASHBOARD_TOWNS, source)


def dashboard_domains() -> list[DashboardDomain]:
    return sorted(DASHBOARD_DOMAINS.values(), key=lambda domain: (domain.order, domain.key))


# The city at full scale (manage.py seed_city): each app registers the dotted path of its seeder,
# ``f(*, scale, seed, progress) -> dict`` (counts of what it added; ``progress(label, done, total)``), with
# its place in the order and the apps whose data it reads (``after``): seeders that do not need each
# other run side by side. The path is imported only when the city is seeded.
CITY_SEEDERS: dict[str, tuple[int, str, tuple[str, ...]]] = {}


def register_city_seeder(app: str, seeder: str, *, order: int, after: tuple[str, ...] = ()) -> None:
    CITY_SEEDERS[app] = (order, seeder, tuple(after))


def city_seeders(only: set[str] | None = None) -> list[tuple[str, Callable]]:
    """The registered seeders (of the apps in ``only``, if given), in the order of dependence."""
    from django.utils.module_loading import import_string

    ordered = sorted(CITY_SEEDERS.items(), key=lambda item: item[1][0])
    return [(app, import_string(path)) for app, (_order, path, _after) in ordered if not only or app in only]


def city_seeder_needs(app: str) -> tuple[str, ...]:
    """The apps whose seeded data this app's seeder reads."""
    return CITY_SEEDERS[app][2]

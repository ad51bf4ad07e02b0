"""The officials' dashboards.

Each app describes its figures in its AppConfig.ready() (``kunshan_portal.registry.DashboardDomain``);
its own selectors compute them. The core owns no domain query: ``dashboard_refresh`` runs every app's
selectors (Celery beat every 10 minutes and at the end of the big runs) and stores the rows whole in
``DashboardFigure``; the pages, the exports and the API read only those rows, group them for the
period and the town asked for, suppress the small counts and draw the charts.
"""

import hashlib
import io
import logging
import pickle
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from time import perf_counter

import pygal
import tablib
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pygal.style import Style

from kunshan_portal.compiled import CompiledModelQuery
from kunshan_portal.exports import neutralise_formula
from kunshan_portal.models import DashboardFigure, DashboardRefresh
from kunshan_portal.registry import (
    DASHBOARD_DOMAINS,
    DASHBOARD_SECTIONS,
    DASHBOARD_TOWNS,
    DashboardColumn,
    DashboardDomain,
    DashboardTable,
    dashboard_domains,
)
from kunshan_portal.selectors import portal_stats

logger = logging.getLogger(__name__)

REFRESH_MINUTES = 10  # the beat schedule's interval; older data shows as stale
KEPT_SECONDS = REFRESH_MINUTES * 60 * 2  # how long drawn charts, parts and page bodies are kept
HISTORY_MONTHS = 36  # months kept in the summary: the period filter reaches this far back
DEFAULT_MONTHS = 12  # the period shown when none is asked for, and the overview's trends
SMALL_COUNT = 5  # counts of people or cases under this are not shown in a breakdown
LOCK_KEY = 0x6B5F_6461_7368  # advisory lock: one refresh at a time across every worker
LANGUAGES = ("zh-hans", "en")
REFRESH_DELAY_S = 30  # a big run's refresh waits this long, so that a burst of runs asks for one
QUEUED_KEY = "dashboard-refresh-queued"
STALE_KEY = "dashboard-stale"


# --- Months -------------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def this_month() -> date:
    return month_start(timezone.localdate())


def history_start() -> date:
    """The first month the summary keeps."""
    return add_months(this_month(), -(HISTORY_MONTHS - 1))


# --- The refresh ------------------------------------------------------------------------------------


def _label_pair(label) -> tuple[str, str]:
    """A row's label in Chinese and in English: a (zh, en) pair, a lazy translation or a plain text."""
    if isinstance(label, tuple | list):
        return str(label[0])[:200], str(label[1])[:200]
    if isinstance(label, Promise):
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        return zh[:200], en[:200]
    text = "" if label is None else str(label)[:200]
    return text, text


def _plain(value):
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return value
    return str(value)


def _stored_columns(table: DashboardTable) -> list[DashboardColumn]:
    return [column for column in table.columns if column.of is None]


def _figure(domain: DashboardDomain, table: DashboardTable, row: dict) -> DashboardFigure:
    label_zh, label_en = _label_pair(row.get("label", ""))
    month = row.get("month")
    return DashboardFigure(
        domain=domain.key,
        table=table.key,
        month=month_start(month) if month else None,
        town=row.get("town") or "",
        key=str(row.get("key") or "")[:64],
        label_zh=label_zh,
        label_en=label_en,
        values={column.key: row.get(column.key) or 0 for column in _stored_columns(table)},
    )


def _sections_in(language: str) -> list:
    """The short sections every app registers for the overview, written out in one language."""
    with translation.override(language):
        return [
            [str(title), [[str(label), _plain(value)] for label, value in figures]]
            for title, figures in (portal_stats(), *(section() for section in DASHBOARD_SECTIONS))
        ]


def dashboard_refresh(*, reason: str = "") -> DashboardRefresh | None:
    """Recompute every registered table from its app's selectors and replace the stored summary in one
    transaction, so readers see the old figures or the new, never half; a refresh already running
    elsewhere makes this one give way (returns None)."""
    started, clock = timezone.now(), perf_counter()
    since = history_start()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                return None
        figures = [
            _figure(domain, table, row)
            for domain in dashboard_domains()
            for table in domain.tables
            if table.rows is not None
            for row in table.rows(since=since)
        ]
        towns = [[code, zh, en] for source in DASHBOARD_TOWNS for code, zh, en in source()]
        sections = {language: _sections_in(language) for language in LANGUAGES}
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {DashboardFigure._meta.db_table}")  # noqa: S608 (our own table name)
        DashboardFigure.objects.bulk_create(figures, batch_size=5000)
        refresh = DashboardRefresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            seconds=round(perf_counter() - clock, 3),
            rows=len(figures),
            towns=towns,
            sections=sections,
            reason=reason[:64],
        )
        DashboardRefresh.objects.filter(finished_at__lt=started - timedelta(days=7)).delete()
    logger.info(
        "dashboard refresh (%s): %d rows in %.1f s", reason or "scheduled", len(figures), refresh.seconds
    )
    return refresh


def dashboard_refresh_soon(reason: str) -> None:
    """After a big run, once its transaction has committed: with workers, one refresh a little later (the
    runs of a burst, a month's chunks or a seeding of many months, ask for one refresh, not one each);
    without workers, the next dashboard page refreshes. A failure here is logged, never undoes the run."""

    def ask() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            cache.set(STALE_KEY, reason, None)
        elif cache.add(QUEUED_KEY, reason, REFRESH_DELAY_S):
            from kunshan_portal.tasks import dashboard_refresh_task

            dashboard_refresh_task.apply_async((reason,), countdown=REFRESH_DELAY_S)

    transaction.on_commit(ask, robust=True)


# Every dashboard page and API call reads it: compiled once (kunshan_portal/compiled.py).
_LATEST_REFRESH = CompiledModelQuery(lambda: DashboardRefresh.objects.order_by("-finished_at", "-id")[:1])


def latest_refresh() -> DashboardRefresh | None:
    return _LATEST_REFRESH.first()


def refresh_if_stale(refresh: DashboardRefresh | None) -> bool:
    """Without workers (tasks run in-process, no beat), a page finding the summary missing, older than the
    interval or changed by a big run refreshes it once its request's work is committed (at once outside a
    transaction); with workers, beat and the runs do it. True when a refresh was asked for."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    reason = cache.get(STALE_KEY)
    if refresh is None or timezone.now() - refresh.finished_at > timedelta(minutes=REFRESH_MINUTES):
        reason = reason or "stale"
    if not reason:
        return False
    from kunshan_portal.tasks import dashboard_refresh_task

    cache.delete(STALE_KEY)
    transaction.on_commit(lambda: dashboard_refresh_task.delay(reason), robust=True)
    return True


# --- Filters ----------------------------------------------------------------------------------------


class MonthField(forms.DateField):
    # browsers without a month picker show a text box: the placeholder says how to write the month
    widget = forms.DateInput(attrs={"type": "month", "placeholder": "2026-01"}, format="%Y-%m")
    input_formats = ["%Y-%m"]


class DashboardFilterForm(forms.Form):
    """The period (whole months) and the town; nothing given is the last 12 months of the whole city."""

    start = MonthField(label=gettext_lazy("From (month)"), required=False)
    end = MonthField(label=gettext_lazy("To (month)"), required=False)
    town = forms.ChoiceField(label=gettext_lazy("Town or zone"), required=False)

    def __init__(self, data=None, *, towns: list, **kwargs):
        super().__init__(data, **kwargs)
        english = translation.get_language() == "en"
        self.fields["town"].choices = [("", _("Whole city"))] + [
            (code, en if english else zh) for code, zh, en in towns
        ]

    def clean(self):
        data = super().clean()
        end = month_start(data.get("end") or this_month())
        start = month_start(data.get("start") or add_months(end, -(DEFAULT_MONTHS - 1)))
        if end > this_month():
            self.add_error("end", _("The period cannot end after this month."))
        if start > end:
            self.add_error("start", _("The period must start before it ends."))
        elif start < history_start():
            self.add_error(
                "start",
                _("The dashboards keep the last %(n)d months: start in %(month)s or later.")
                % {"n": HISTORY_MONTHS, "month": history_start().strftime("%Y-%m")},
            )
        data["start"], data["end"] = start, end
        return data


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    town: str = ""

    @property
    def months(self) -> list[date]:
        return months_between(self.start, self.end)

    def query(self) -> str:
        parts = [f"start={self.start:%Y-%m}", f"end={self.end:%Y-%m}"]
        if self.town:
            parts.append(f"town={self.town}")
        return "&".join(parts)


def default_filters() -> Filters:
    end = this_month()
    return Filters(start=add_months(end, -(DEFAULT_MONTHS - 1)), end=end)


def filters_from(form: DashboardFilterForm) -> Filters:
    """The form's filters when valid; otherwise the default, so bad input changes nothing shown."""
    if form.is_valid():
        data = form.cleaned_data
        return Filters(start=data["start"], end=data["end"], town=data.get("town") or "")
    return default_filters()


# --- Reading and grouping the stored rows ----------------------------------------------------------


@dataclass
class Cell:
    value: object
    suppressed: bool = False

    @property
    def text(self) -> str:
        if self.suppressed:
            return f"<{SMALL_COUNT}"
        return "–" if self.value is None else str(self.value)


@dataclass
class TableRow:
    key: str
    label: str
    cells: list[Cell]
    total: bool = False


@dataclass
class TableView:
    domain: DashboardDomain
    table: DashboardTable
    columns: list[DashboardColumn]
    rows: list[TableRow]
    total: TableRow | None
    snapshot: bool  # today's figures: the period does not apply
    not_by_town: bool  # a town was asked for and this table has no town breakdown
    suppressing: bool
    chart: str = ""
    refresh_id: int = 0
    filters: Filters | None = None
    caption: str = field(default="")

    @property
    def column_labels(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    @property
    def display_rows(self) -> list[dict]:
        return [
            {
                "label": row.label,
                "total": row.total,
                "texts": [
                    display_value(column, cell) for column, cell in zip(self.columns, row.cells, strict=True)
                ],
            }
            for row in [*self.rows, *([self.total] if self.total else [])]
        ]

    @property
    def first_label(self) -> str:
        if self.table.breakdown == "month":
            return _("Month")
        if self.table.breakdown == "town":
            return _("Town or zone")
        return str(self.table.key_label or _("Item"))


def _number(column: DashboardColumn, value):
    if column.kind == "money":
        return Decimal(str(value or 0))
    return value or 0


def _group_values(table: DashboardTable, rows: list, group_of) -> dict:
    """Sum the measures per group (``rows``: stored figures' rows, with ``month`` and ``values``); a stock
    (``last``) counts only the period's latest month.

    A missing or zero measure adds nothing (``_number`` makes it 0), so only the others are added; the
    columns' kinds are looked at once, not once per row (the overview groups thousands of rows)."""
    stored = _stored_columns(table)
    last_month = max((row.month for row in rows if row.month), default=None)
    flows = [(column.key, column.kind == "money") for column in stored if column.agg != "last"]
    every = flows + [(column.key, column.kind == "money") for column in stored if column.agg == "last"]
    zero = {column.key: _number(column, 0) for column in stored}
    groups: dict = {}
    for row in rows:
        group = group_of(row)
        totals = groups.get(group)
        if totals is None:
            totals = groups[group] = dict(zero)
        values = row.values
        for key, money in every if row.month is None or row.month == last_month else flows:
            value = values.get(key)
            if value:
                totals[key] += Decimal(str(value)) if money else value
    return groups


def _derived(column: DashboardColumn, values: dict):
    numerator, denominator = column.of
    top = values.get(numerator) or 0
    bottom = denominator if isinstance(denominator, int) else values.get(denominator) or 0
    if not bottom:
        return None
    if column.kind == "share":
        return round(float(top) / float(bottom), 3)
    return round(float(top) / float(bottom), 1)


def _cells(table: DashboardTable, values: dict, *, suppress: bool, city_wide: bool) -> list[Cell]:
    small = {
        column.key
        for column in table.columns
        if suppress
        and column.kind == "count"
        and column.of is None
        and 0 < (values.get(column.key) or 0) < SMALL_COUNT
    }
    cells = []
    for column in table.columns:
        if column.of is not None:
            if column.city_only and not city_wide:
                cells.append(Cell(None))
                continue
            hidden = bool({str(part) for part in column.of} & small)
            cells.append(Cell(None if hidden else _derived(column, values), suppressed=hidden))
        else:
            cells.append(Cell(None if column.key in small else values.get(column.key), column.key in small))
    return cells


def display_value(column: DashboardColumn, cell: Cell) -> str:
    if cell.suppressed or cell.value is None:
        return cell.text
    if column.kind == "share":
        return f"{cell.value:.1%}"
    if column.kind == "money":
        return f"{cell.value:,.2f}"
    if isinstance(cell.value, float):
        return f"{cell.value:,.1f}"
    return f"{cell.value:,}"


def stored_rows(domain: DashboardDomain, tables: list[DashboardTable], filters: Filters) -> dict:
    keys = {table.source or table.key for table in tables}
    found = (
        DashboardFigure.objects.filter(domain=domain.key, table__in=keys)
        .exclude(month__lt=filters.start)
        .exclude(month__gt=filters.end)
        .order_by("id")
        # The fields the tables read, as named rows: no model instances (thousands for a page).
        .values_list("table", "month", "town", "key", "label_zh", "label_en", "values", named=True)
    )
    by_table: dict[str, list] = {key: [] for key in keys}
    for row in found:
        by_table[row.table].append(row)
    return by_table


def _town_names(refresh: DashboardRefresh | None) -> dict[str, str]:
    english = translation.get_language() == "en"
    return {code: (en if english else zh) for code, zh, en in (refresh.towns if refresh else [])}


def table_view(
    domain: DashboardDomain,
    table: DashboardTable,
    stored: list,  # the table's stored rows (``stored_rows``)
    filters: Filters,
    refresh: DashboardRefresh | None,
    *,
    page: bool = False,
) -> TableView:
    """One table for the period and the town: grouped by its breakdown, a total, small counts hidden.
    For a ``page``, a breakdown by key keeps its ``page_rows`` largest rows and adds up the others."""
    by_town = any(row.town for row in stored)
    rows = [row for row in stored if not filters.town or row.town == filters.town]
    not_by_town = bool(filters.town) and not by_town
    if not_by_town:
        rows = []
    snapshot = bool(stored) and all(row.month is None for row in stored)
    english = translation.get_language() == "en"
    towns = _town_names(refresh)
    suppress = table.breakdown != "month" or bool(filters.town)
    city_wide = not filters.town and table.breakdown != "town"
    if table.breakdown == "month":
        groups = _group_values(table, rows, lambda row: row.month)
        order = [month for month in filters.months] if not snapshot else sorted(groups, key=str)
        labels = {month: month.strftime("%Y-%m") if month else "" for month in order}
    elif table.breakdown == "town":
        groups = _group_values(table, rows, lambda row: row.town)
        order = [code for code in towns if code in groups]
        labels = {code: towns.get(code, code) for code in order}
    else:
        groups = _group_values(table, rows, lambda row: row.key)
        order, labels = [], {}
        for row in rows:
            if row.key not in labels:
                order.append(row.key)
                labels[row.key] = row.label_en if english else row.label_zh
    empty = {column.key: _number(column, 0) for column in _stored_columns(table)}
    if page and table.breakdown == "key" and table.page_rows and len(order) > table.page_rows:
        order = _largest(table, groups, order, labels, empty)
    shown = [i for i, column in enumerate(table.columns) if not column.hidden]

    def visible(cells: list[Cell]) -> list[Cell]:
        return [cells[i] for i in shown]

    view_rows = [
        TableRow(
            key=str(key),
            label=labels[key],
            cells=visible(_cells(table, groups.get(key, empty), suppress=suppress, city_wide=city_wide)),
        )
        for key in order
    ]
    total = None
    if rows:
        overall = _group_values(table, rows, lambda row: None).get(None, empty)
        total = TableRow(
            key="",
            label=_("Total"),
            cells=visible(_cells(table, overall, suppress=bool(filters.town), city_wide=not filters.town)),
            total=True,
        )
    return TableView(
        domain=domain,
        table=table,
        columns=[table.columns[i] for i in shown],
        rows=view_rows,
        total=total,
        snapshot=snapshot,
        not_by_town=not_by_town,
        suppressing=suppress,
        chart=table.chart,
        refresh_id=refresh.pk if refresh else 0,
        filters=filters,
        caption=str(table.caption or table.title),
    )


OTHERS_KEY = "~others"  # the row adding up what a page leaves out of a long breakdown


def _largest(table: DashboardTable, groups: dict, order: list, labels: dict, empty: dict) -> list:
    """The ``page_rows`` keys with the largest first chart column, then one row adding up the others."""
    measure = (table.chart_columns or (table.columns[0].key,))[0]
    ranked = sorted(order, key=lambda key: groups.get(key, empty).get(measure) or 0, reverse=True)
    kept, rest = ranked[: table.page_rows], ranked[table.page_rows :]
    others = dict(empty)
    for key in rest:
        for column_key, value in groups.get(key, empty).items():
            others[column_key] += value
    groups[OTHERS_KEY] = others
    labels[OTHERS_KEY] = _("%(n)d others (all of them in the exports)") % {"n": len(rest)}
    return [*kept, OTHERS_KEY]


def domain_views(
    domain: DashboardDomain, filters: Filters, refresh: DashboardRefresh | None, *, page: bool = True
) -> list[TableView]:
    """Every table of a domain's page (or, not for a page, in full), from one query."""
    stored = stored_rows(domain, list(domain.tables), filters)
    return [
        table_view(domain, table, stored[table.source or table.key], filters, refresh, page=page)
        for table in domain.tables
    ]


def domain_table(domain: DashboardDomain, key: str) -> DashboardTable | None:
    return next((table for table in domain.tables if table.key == key), None)


# --- The overview ------------------------------------------------------------------------------------


@dataclass
class Headline:
    label: str
    column: DashboardColumn
    value: Cell
    trend: list[tuple[str, Cell]]
    chart: str = ""

    @property
    def value_text(self) -> str:
        return display_value(self.column, self.value)

    @property
    def trend_texts(self) -> list[tuple[str, str]]:
        return [(month, display_value(self.column, cell)) for month, cell in self.trend]


@dataclass
class DomainSummary:
    domain: DashboardDomain
    headlines: list[Headline]


def overview(filters: Filters, refresh: DashboardRefresh | None) -> list[DomainSummary]:
    """Each domain's headline figures over the period, each with its month-by-month trend."""
    wanted = [
        (domain, [domain_table(domain, headline.table) for headline in domain.headlines])
        for domain in dashboard_domains()
    ]
    keys = {(domain.key, table.source or table.key) for domain, tables in wanted for table in tables if table}
    stored: dict[tuple[str, str], list] = {key: [] for key in keys}
    if keys:
        rows = (
            DashboardFigure.objects.filter(
                domain__in={domain for domain, _ in keys}, table__in={table for _, table in keys}
            )
            .exclude(month__lt=filters.start)
            .exclude(month__gt=filters.end)
            .order_by("id")
            .values_list("domain", "table", "month", "town", "values", named=True)  # no model instances
        )
        for row in rows:
            if (row.domain, row.table) in stored:
                stored[(row.domain, row.table)].append(row)
    suppress, city_wide = bool(filters.town), not filters.town
    months = [(month, month.strftime("%Y-%m")) for month in filters.months]

    def period_and_months(domain: DashboardDomain, table: DashboardTable) -> tuple[list[Cell], list | None]:
        """A table's cells over the period and, where it has months, month by month."""
        rows = stored[(domain.key, table.source or table.key)]
        rows = [row for row in rows if not filters.town or row.town == filters.town]
        empty = {c.key: _number(c, 0) for c in _stored_columns(table)}
        overall = _group_values(table, rows, lambda row: None).get(None, empty)
        value = _cells(table, overall, suppress=suppress, city_wide=city_wide)
        if not any(row.month for row in rows):
            return value, None
        by_month = _group_values(table, rows, lambda row: row.month)
        return value, [
            (text, _cells(table, by_month.get(month, empty), suppress=suppress, city_wide=city_wide))
            for month, text in months
        ]

    # Each table's cells, computed once for all the headlines drawn from it.
    grouped: dict[tuple[str, str], tuple[list[Cell], list | None]] = {}
    summaries = []
    for domain, tables in wanted:
        headlines = []
        for headline, table in zip(domain.headlines, tables, strict=True):
            if table is None:
                continue
            column = next(column for column in table.columns if column.key == headline.column)
            position = table.columns.index(column)
            if (domain.key, table.key) not in grouped:
                grouped[(domain.key, table.key)] = period_and_months(domain, table)
            value, by_month = grouped[(domain.key, table.key)]
            trend = [(text, cells[position]) for text, cells in by_month or ()]
            headlines.append(
                Headline(label=str(headline.label), column=column, value=value[position], trend=trend)
            )
        summaries.append(DomainSummary(domain=domain, headlines=headlines))
    return summaries


def overview_sections(refresh: DashboardRefresh | None) -> list:
    """The apps' short sections as stored by the refresh; before any refresh, computed now."""
    language = "en" if translation.get_language() == "en" else "zh-hans"
    if refresh is not None and refresh.sections.get(language) is not None:
        return refresh.sections[language]
    return _sections_in(language)


# --- Charts -----------------------------------------------------------------------------------------

CHART_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#9aa5b1",
    font_family="system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    title_font_size=15,
    value_font_size=12,
    colors=("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a16207"),
)


SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _chart_key(*parts) -> str:
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f"dashboard-chart:{digest}"


def _accessible(svg: str, title: str, description: str) -> str:
    """pygal's SVG with a role, a title and a description that screen readers announce."""
    from django.utils.html import escape

    svg = SCRIPT.sub("", svg)  # pygal's inline configuration script: the charts need no script
    head, _, rest = svg.partition(">")
    return (
        f'{head} role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f"<desc>{escape(description)}</desc>{rest}"
    )


def cached_part(kind: str, refresh: DashboardRefresh | None, filters: Filters, compute):
    """A page's computed part (its tables or headlines, charts included), kept until the next refresh for
    the same filters and language: officials reading the same figures do not group thousands of rows
    again on every page."""
    if refresh is None:
        return compute()
    key = _chart_key("pickled-part", kind, refresh.pk, filters, translation.get_language())
    kept = cache.get(key)
    if kept is not None:
        return pickle.loads(kept)  # noqa: S301 (our own cache, written just below)
    part = compute()
    cache.set(key, _pickled_in_language(part), KEPT_SECONDS)
    return part


class _TextPickler(pickle.Pickler):
    """Pickles each lazy translation as its text in the active language. Unpickled, a lazy translation
    builds a proxy class of its own: a thousand of them took 60% of a dashboard page's time."""

    def reducer_override(self, obj):
        if isinstance(obj, Promise):
            return str, (str(obj),)
        return NotImplemented


def _pickled_in_language(value) -> bytes:
    """The value pickled with its lazy translations as plain text (the cache key holds the language)."""
    buffer = io.BytesIO()
    _TextPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def overview_part(filters: Filters, refresh: DashboardRefresh | None) -> list[DomainSummary]:
    """The overview's headlines with their trend lines drawn."""

    def compute():
        summaries = overview(filters, refresh)
        for summary in summaries:
            for headline in summary.headlines:
                headline.chart = sparkline_svg(headline, refresh.pk if refresh else 0, filters)
        return summaries

    return cached_part("overview", refresh, filters, compute)


def domain_part(domain: DashboardDomain, filters: Filters, refresh: DashboardRefresh | None) -> list:
    """A domain page's tables, each with its chart drawn."""
    return cached_part(
        f"domain-{domain.key}",
        refresh,
        filters,
        lambda: [(view, chart_svg(view)) for view in domain_views(domain, filters, refresh)],
    )


def chart_svg(view: TableView) -> str:
    """The table drawn on the server as SVG (no script, no network), cached per summary and filter."""
    if not view.chart or not view.rows:
        return ""
    language = translation.get_language()
    key = _chart_key(view.refresh_id, view.domain.key, view.table.key, view.filters, language)
    svg = cache.get(key)
    if svg is None:
        svg = _draw(view)
        cache.set(key, svg, KEPT_SECONDS)
    return mark_safe(svg)  # noqa: S308 (drawn by pygal from our own numbers; texts escaped by it)


def _draw(view: TableView) -> str:
    wanted = view.table.chart_columns or (view.columns[0].key,)
    positions = [i for i, column in enumerate(view.columns) if column.key in wanted]
    title = str(view.table.title)
    config = {
        "js": [],
        "style": CHART_STYLE,
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": 720,
        "height": 360,
        "legend_at_bottom": True,
        "truncate_legend": 40,
        "truncate_label": 18,
        "show_legend": len(positions) > 1 or view.chart == "share",
        "title": title,
        "print_values": False,
        "no_data_text": _("No data"),
    }

    def number(cell: Cell, column: DashboardColumn):
        if cell.suppressed or cell.value is None:
            return None
        return float(cell.value) * 100 if column.kind == "share" else float(cell.value)

    if view.chart == "share":
        chart = pygal.Pie(**config, inner_radius=0.45)
        position = positions[0]
        for row in view.rows:
            chart.add(row.label, number(row.cells[position], view.columns[position]))
    else:
        chart = (pygal.Line if view.chart == "line" else pygal.Bar)(
            **config, x_label_rotation=35 if len(view.rows) > 6 else 0
        )
        chart.x_labels = [row.label for row in view.rows]
        for position in positions:
            column = view.columns[position]
            chart.add(str(column.label), [number(row.cells[position], column) for row in view.rows])
    description = _("%(title)s: the same numbers are in the table beside the chart.") % {"title": title}
    return _accessible(chart.render(is_unicode=True), title, description)


def sparkline_svg(headline: Headline, refresh_id: int, filters: Filters) -> str:
    """A headline's trend as a small line, with its numbers in a table beside it."""
    values = [
        None if cell.suppressed or cell.value is None else float(cell.value) for _, cell in headline.trend
    ]
    if not any(value is not None for value in values):
        return ""
    key = _chart_key("spark", refresh_id, headline.label, filters, values)
    svg = cache.get(key)
    if svg is None:
        chart = pygal.Line(
            js=[], style=CHART_STYLE, disable_xml_declaration=True, explicit_size=False, width=240, height=60,
            show_dots=False, stroke_style={"width": 2},
        )  # fmt: skip
        chart.add(headline.label, values)
        title = _("%(figure)s, month by month") % {"figure": headline.label}
        svg = _accessible(chart.render_sparkline(is_unicode=True), title, title)
        cache.set(key, svg, KEPT_SECONDS)
    return mark_safe(svg)  # noqa: S308 (drawn by pygal from our own numbers)


# --- Exports and the API's shape ----------------------------------------------------------------------


def table_dataset(view: TableView) -> tablib.Dataset:
    """The table as shown (small counts as "<5"); no cell can run as a spreadsheet formula."""
    dataset = tablib.Dataset(
        headers=[view.first_label, *view.column_labels], title=str(view.table.title)[:31]
    )
    for row in [*view.rows, *([view.total] if view.total else [])]:
        dataset.append(
            [neutralise_formula(row.label)]
            + [
                neutralise_formula(
                    cell.text if cell.suppressed or cell.value is None else _export_value(column, cell)
                )
                for column, cell in zip(view.columns, row.cells, strict=True)
            ]
        )
    return dataset


def _export_value(column: DashboardColumn, cell: Cell):
    if column.kind == "money":
        return f"{cell.value:.2f}"
    return cell.value


def _api_value(column: DashboardColumn, cell: Cell):
    if cell.suppressed or cell.value is None:
        return None
    return f"{cell.value:.2f}" if column.kind == "money" else cell.value


def table_json(view: TableView) -> dict:
    def row_json(row: TableRow) -> dict:
        return {
            "key": row.key,
            "label": row.label,
            "values": {c.key: _api_value(c, cell) for c, cell in zip(view.columns, row.cells, strict=True)},
            "suppressed": [c.key for c, cell in zip(view.columns, row.cells, strict=True) if cell.suppressed],
        }

    return {
        "key": view.table.key,
        "title": str(view.table.title),
        "breakdown": view.table.breakdown,
        "snapshot": view.snapshot,
        "by_town": not view.not_by_town,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in view.columns],
        "rows": [row_json(row) for row in view.rows],
        "total": row_json(view.total) if view.total else None,
    }


def headline_json(headline: Headline) -> dict:
    return {
        "label": headline.label,
        "kind": headline.column.kind,
        "value": _api_value(headline.column, headline.value),
        "suppressed": headline.value.suppressed,
        "trend": [
            {"month": month, "value": _api_value(headline.column, cell), "suppressed": cell.suppressed}
            for month, cell in headline.trend
        ],
    }


def filters_json(filters: Filters, refresh: DashboardRefresh | None) -> dict:
    return {
        "data_as_of": refresh.finished_at.isoformat() if refresh else None,
        "period": {"start": f"{filters.start:%Y-%m}", "end": f"{filters.end:%Y-%m}"},
        "town": filters.town or None,
    }


def domain_or_none(key: str) -> DashboardDomain | None:
    return DASHBOARD_DOMAINS.get(key)


def charts_warm(refresh: DashboardRefresh) -> int:
    """Compute every page with the default filters in both languages, charts drawn, so that the first
    official after a refresh finds it ready (the cache is shared by the web processes)."""
    filters, drawn = default_filters(), 0
    for language in LANGUAGES:
        with translation.override(language):
            for domain in dashboard_domains():
                drawn += sum(bool(svg) for _view, svg in domain_part(domain, filters, refresh))
            for summary in overview_part(filters, refresh):
                drawn += sum(bool(headline.chart) for headline in summary.headlines)
    return drawn

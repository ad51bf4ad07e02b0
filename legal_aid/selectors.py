"""Reads of legal aid: who sees which case, the working calendar, deadlines, timelines and the figures."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kunshan_portal.compiled import CompiledQuery
from kunshan_portal.lifecycle import lifecycle_timeline
from legal_aid.models import CalendarDay, Case, DeadlineRule, Station, StationStaff, TimeLimit
from legal_aid.workdays import WorkCalendar, china_calendar
from residents.models import Employer, Resident

LOCAL = ZoneInfo(settings.TIME_ZONE)
_SCOPE_CACHE = "_legal_aid_station_scope"


# --- who sees what ---------------------------------------------------------------------------
def station_scope(user) -> set[int] | None:
    """Ids of the stations whose cases the user works: their stations (as caseworker or head) and every
    sub-station below them; ``None`` means all stations (superusers). Memoised on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    cached = getattr(user, _SCOPE_CACHE, None)
    if cached is not None:
        return cached
    scope = set(
        StationStaff.objects.filter(user=user)
        .filter(Q(role=StationStaff.Role.CASEWORKER) | Q(is_head=True))
        .values_list("station_id", flat=True)
    )
    frontier = set(scope)
    while frontier:
        below = set(Station.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - scope
        scope |= below
        frontier = below
    setattr(user, _SCOPE_CACHE, scope)
    return scope


def case_list_for_staff(*, user) -> QuerySet[Case]:
    """The cases a staff member may see: their stations' tree, plus the cases assigned to them."""
    cases = Case.objects.select_related("applicant", "station", "respondent_employer", "assignee")
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return cases.none()
    scope = station_scope(user)
    if scope is None:
        return cases
    return cases.filter(Q(assignee=user) | Q(station_id__in=scope))


def case_list_for_resident(*, resident: Resident) -> QuerySet[Case]:
    return Case.objects.filter(applicant=resident).select_related("station", "respondent_employer")


def case_visible_to(*, case: Case, user) -> bool:
    """May this user read the case's contents (facts, documents)? The applicant, or staff within reach."""
    if not getattr(user, "is_authenticated", False):
        return False
    if case.applicant.user_id == user.pk:
        return True
    return case_list_for_staff(user=user).filter(pk=case.pk).exists()


def station_list() -> QuerySet[Station]:
    """Open stations in tree order: each station followed by its sub-stations."""
    return (
        Station.objects.filter(is_active=True)
        .select_related("town", "parent")
        .order_by(Coalesce("parent_id", "id"), F("parent_id").asc(nulls_first=True), "id")
    )


def stations_for_intake(*, user) -> QuerySet[Station]:
    """The stations at which this staff member may take in a walk-in case."""
    scope = station_scope(user)
    return station_list() if scope is None else station_list().filter(pk__in=scope)


def default_station_for(*, resident: Resident) -> Station | None:
    """The station of the town or zone the resident lives in."""
    return (
        Station.objects.filter(kind=Station.Kind.TOWN, town_id=resident.town_id, is_active=True)
        .order_by("id")
        .first()
    )


def assignable_staff(*, case: Case) -> QuerySet[StationStaff]:
    """Lawyers and mediators of the case's station tree (the station, its parent and its sub-stations)."""
    root_id = case.station.parent_id or case.station_id
    return (
        StationStaff.objects.filter(
            Q(station_id=root_id) | Q(station__parent_id=root_id),
            role__in=[StationStaff.Role.LAWYER, StationStaff.Role.MEDIATOR],
            user__is_active=True,
        )
        .select_related("user", "station")
        .order_by("role", "user__last_name", "user__first_name", "id")
    )


def station_heads() -> dict[int, StationStaff]:
    """Each station's head, by station id (a sub-station without one is answered for by its station)."""
    return {
        head.station_id: head
        for head in StationStaff.objects.filter(is_head=True, user__is_active=True).select_related(
            "user", "station"
        )
    }


def employer_by_uscc(uscc: str) -> Employer | None:
    code = (uscc or "").strip().upper()
    return Employer.objects.filter(uscc=code).first() if code else None


# --- calendar and deadlines ------------------------------------------------------------------
def work_calendar(*, years) -> WorkCalendar:
    """China's working calendar for the years, with the administrators' corrections applied."""
    years = sorted(set(years))
    corrections = CalendarDay.objects.filter(day__year__gte=years[0], day__year__lte=years[-1])
    working, off = [], []
    for day, kind in corrections.values_list("day", "kind"):
        (working if kind == CalendarDay.Kind.WORKING else off).append(day)
    return china_calendar(years, extra_working_days=working, extra_days_off=off)


def deadline_working_days(*, step: str, on: date) -> int:
    """The working days allowed for a step by the rule in force on the given day (3 by default)."""
    rule = DeadlineRule.objects.filter(step=step, effective_from__lte=on).order_by("-effective_from").first()
    return rule.working_days if rule else 3


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment, LOCAL).date()


def overdue_cases(*, today: date) -> QuerySet[Case]:
    """Cases past a deadline: no examination decision by its due day, or a statutory limit run out."""
    late_decision = Case.objects.filter(state__in=Case.AWAITING_DECISION, examination_due__lt=today).values(
        "pk"
    )
    limit_run_out = (
        TimeLimit.objects.filter(met_on__isnull=True, due_on__lt=today)
        .exclude(case__state__in=Case.ENDED)
        .values("case_id")
    )
    return Case.objects.filter(Q(pk__in=late_decision) | Q(pk__in=limit_run_out))


def case_is_overdue(*, case: Case, today: date) -> bool:
    return overdue_cases(today=today).filter(pk=case.pk).exists()


# --- what the applicant sees -----------------------------------------------------------------
@dataclass(frozen=True)
class TimelineStep:
    at: datetime
    state: str
    note: str  # empty when the note was internal
    by_staff: bool


def case_timeline_for_applicant(*, case: Case) -> list[TimelineStep]:
    """Every step of the case; internal notes are left out (the step itself still shows)."""
    labels = dict(Case.State.choices)
    return [
        TimelineStep(
            at=step.at,
            state=str(labels.get(step.to_state, step.to_state)),
            note="" if step.internal else step.note,
            by_staff=step.actor_id is not None and step.actor_id != case.applicant.user_id,
        )
        for step in lifecycle_timeline(obj=case, include_internal=True)
    ]


def case_for_detail(*, pk: int) -> Case:
    return (
        Case.objects.select_related("applicant", "station", "respondent_employer", "assignee")
        .prefetch_related("documents", "hearings", "time_limits")
        .get(pk=pk)
    )


# --- figures for the dashboards ---------------------------------------------------------------
def _with_decision_figures(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.annotate(
        decided_day=TruncDate("decided_at", tzinfo=LOCAL),
        to_decision=ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField()),
    )


def case_stats(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    station_id: int | None = None,
    category: str | None = None,
    by: tuple[str, ...] = ("month", "station", "category"),
) -> list[dict]:
    """Cases filed, decided, decided in time, mean days to decision and amount recovered, grouped by
    month of filing, top-level station and category (any subset of them)."""
    cases = Case.objects.all()
    if date_from:
        cases = cases.filter(submitted_at__gte=datetime.combine(date_from, datetime.min.time(), LOCAL))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), LOCAL)
        cases = cases.filter(submitted_at__lt=end)
    if station_id:
        cases = cases.filter(Q(station_id=station_id) | Q(station__parent_id=station_id))
    if category:
        cases = cases.filter(category=category)
    keys = []
    if "month" in by:
        cases = cases.annotate(month=TruncMonth("submitted_at", tzinfo=LOCAL))
        keys.append("month")
    if "category" in by:
        keys.append("category")
    if "station" in by:
        # sub-stations count under the station they belong to (the tree has two levels)
        keys += ["station_id", "station__parent_id"]
    rows = (
        _with_decision_figures(cases)
        .values(*keys)
        .annotate(
            cases=Count("id"),
            decided=Count("id", filter=Q(decided_at__isnull=False)),
            in_time=Count("id", filter=Q(decided_day__lte=F("examination_due"))),
            mean_to_decision=Avg("to_decision"),
            recovered=Sum("amount_recovered", default=Decimal("0.00")),
        )
        .order_by()
    )
    return _merge_stat_rows(list(rows), by)


def _merge_stat_rows(rows: list[dict], by: tuple[str, ...]) -> list[dict]:
    names = {
        pk: (zh, en)
        for pk, zh, en in Station.objects.filter(parent__isnull=True).values_list("id", "name_zh", "name_en")
    }
    merged: dict[tuple, dict] = {}
    for row in rows:
        parent, own = row.pop("station__parent_id", None), row.pop("station_id", None)
        station = parent or own
        month = row.get("month")
        key = (
            timezone.localtime(month, LOCAL).date().replace(day=1) if month else None,
            station,
            row.get("category"),
        )
        total = merged.setdefault(
            key,
            {
                "month": key[0],
                "station_id": station,
                "category": key[2],
                "cases": 0,
                "decided": 0,
                "in_time": 0,
                "_duration": timedelta(0),
                "recovered": Decimal("0.00"),
            },
        )
        total["cases"] += row["cases"]
        total["decided"] += row["decided"]
        total["in_time"] += row["in_time"]
        total["recovered"] += row["recovered"]
        if row["mean_to_decision"] is not None:
            total["_duration"] += row["mean_to_decision"] * row["decided"]
    result = []
    for total in merged.values():
        duration = total.pop("_duration")
        decided = total["decided"]
        total["mean_days_to_decision"] = (
            round(duration.total_seconds() / 86400 / decided, 1) if decided else None
        )
        total["share_in_time"] = round(total["in_time"] / decided, 3) if decided else None
        total["station_name_zh"], total["station_name_en"] = names.get(total["station_id"], ("", ""))
        result.append(total)
    result.sort(key=lambda r: (r["month"] or date.min, r["station_id"] or 0, r["category"] or ""))
    return result


def case_counts_by_state(*, station_id: int | None = None) -> dict[str, int]:
    cases = Case.objects.all()
    if station_id:
        cases = cases.filter(Q(station_id=station_id) | Q(station__parent_id=station_id))
    return dict(cases.values_list("state").annotate(n=Count("id")).order_by())


def legal_aid_overview(*, year: int | None = None) -> dict:
    """The year's headline figures: filed, open, overdue, decided in time, mean days, amount recovered."""
    year = year or timezone.localdate().year
    start = datetime(year, 1, 1, tzinfo=LOCAL)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL)
    of_year = _with_decision_figures(Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end))
    figures = of_year.aggregate(
        filed=Count("id"),
        decided=Count("id", filter=Q(decided_at__isnull=False)),
        in_time=Count("id", filter=Q(decided_day__lte=F("examination_due"))),
        mean_to_decision=Avg("to_decision"),
        recovered=Sum("amount_recovered", default=Decimal("0.00")),
    )
    open_now = Case.objects.exclude(state__in=Case.ENDED).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(overdue_since__isnull=False))
    )
    mean = figures["mean_to_decision"]
    return {
        "year": year,
        **figures,
        **open_now,
        "share_in_time": round(figures["in_time"] / figures["decided"], 3) if figures["decided"] else None,
        "mean_days_to_decision": round(mean.total_seconds() / 86400, 1) if mean is not None else None,
    }


# --- what the shared pages show ---------------------------------------------------------------
def closure_obstacles(resident: Resident) -> list[str]:
    """A case in progress must be able to reach its applicant: the account stays open until it ends (a
    closure obstacle of the registry)."""
    references = (
        Case.objects.filter(applicant=resident)
        .exclude(state__in=Case.ENDED)
        .order_by("pk")
        .values_list("reference", flat=True)
    )
    return [
        _(
            "Your legal-aid case %(reference)s is still in progress, and the station must be able to reach you "
            "about it. Your account can be closed once it has ended, or after you withdraw it."
        )
        % {"reference": reference}
        for reference in references
    ]


_RESIDENT_CASES = CompiledQuery(
    lambda resident_id: Case.objects.filter(applicant_id=resident_id).values_list(
        "pk", "kind", "category", "reference", "state", "submitted_at"
    )[:50]
)


def case_summaries(resident: Resident) -> list:
    """The resident's cases for their own page (an application source of the registry)."""
    from kunshan_portal.registry import ApplicationSummary

    kinds, categories, states = (Case.choice_labels(name) for name in ("kind", "category", "state"))
    return [
        ApplicationSummary(
            kind=kinds.get(kind, kind),
            title=f"{reference} · {categories.get(category, category)}",
            state=states.get(state, state),
            submitted_at=submitted_at,
            url=reverse("legal_aid:case-detail", args=[pk]),
        )
        for pk, kind, category, reference, state, submitted_at in _RESIDENT_CASES.rows(resident.pk)
    ]


def dashboard_section() -> tuple[str, list[tuple[str, object]]]:
    """The officials' headline figures of legal aid (a dashboard section of the registry)."""
    from django.utils.formats import number_format
    from django.utils.translation import gettext as _

    figures = legal_aid_overview()
    share = figures["share_in_time"]
    states = case_counts_by_state()
    return (
        _("Legal aid"),
        [
            (_("Cases filed this year"), figures["filed"]),
            (_("Open cases"), figures["open"]),
            (_("Overdue cases"), figures["overdue"]),
            (_("Decided within the deadline"), "–" if share is None else f"{share:.0%}"),
            (
                _("Mean days to decision"),
                "–" if figures["mean_days_to_decision"] is None else figures["mean_days_to_decision"],
            ),
            (
                _("Amount recovered this year (yuan)"),
                number_format(figures["recovered"], 2, force_grouping=True),
            ),
            *[
                (_("Cases %(state)s") % {"state": label}, states.get(value, 0))
                for value, label in Case.State.choices
            ],
        ],
    )


# --- Dashboard figures ---


def case_figures(*, since: date) -> list[dict]:
    """Cases filed per month (from ``since``), town of the station and category: decided, decided within
    the examination deadline, days to decision in all (for the mean) and amount recovered: one query."""
    start = datetime.combine(since, datetime.min.time(), LOCAL)
    rows = (
        _with_decision_figures(Case.objects.filter(submitted_at__gte=start))
        .annotate(month=TruncMonth("submitted_at", tzinfo=LOCAL))
        .values("month", "station__town__code", "category")
        .annotate(
            cases=Count("id"),
            decided=Count("id", filter=Q(decided_at__isnull=False)),
            in_time=Count("id", filter=Q(decided_day__lte=F("examination_due"))),
            to_decision=Sum("to_decision"),
            recovered=Sum("amount_recovered", default=Decimal("0.00")),
        )
        .order_by("month", "station__town__code", "category")
    )
    labels = dict(Case.Category.choices)
    return [
        {
            "month": timezone.localtime(row["month"], LOCAL).date(),
            "town": row["station__town__code"],
            "key": row["category"],
            "label": labels.get(row["category"], row["category"]),
            "cases": row["cases"],
            "decided": row["decided"],
            "in_time": row["in_time"],
            "days": round(row["to_decision"].total_seconds() / 86400, 2) if row["to_decision"] else 0,
            "recovered": row["recovered"],
        }
        for row in rows
    ]


def station_figures(*, since: date) -> list[dict]:
    """The same figures per month and station (sub-stations counted under their station)."""
    return [
        {
            "month": row["month"],
            "key": str(row["station_id"]),
            "label": (row["station_name_zh"], row["station_name_en"]),
            "cases": row["cases"],
            "decided": row["decided"],
            "in_time": row["in_time"],
            "days": round(row["mean_days_to_decision"] * row["decided"], 2) if row["decided"] else 0,
            "recovered": row["recovered"],
        }
        for row in case_stats(date_from=since, by=("month", "station"))
    ]


def case_state_figures(*, since: date) -> list[dict]:
    """Cases in each state today, by town of the station: one query."""
    labels = dict(Case.State.choices)
    rows = (
        Case.objects.values("state", "station__town__code")
        .annotate(n=Count("id"))
        .order_by("state", "station__town__code")
    )
    return [
        {
            "town": row["station__town__code"],
            "key": row["state"],
            "label": labels.get(row["state"], row["state"]),
            "cases": row["n"],
            "open": 0 if row["state"] in Case.ENDED else row["n"],
        }
        for row in rows
    ]


def dashboard_domain():
    """The legal-aid page of the officials' dashboards."""
    from django.utils.translation import gettext_lazy

    from kunshan_portal.registry import DashboardColumn, DashboardDomain, DashboardHeadline, DashboardTable

    columns = (
        DashboardColumn("cases", gettext_lazy("Cases filed")),
        DashboardColumn("decided", gettext_lazy("Decided")),
        DashboardColumn("in_time", gettext_lazy("Decided in time")),
        DashboardColumn(
            "share_in_time", gettext_lazy("Share decided in time"), kind="share", of=("in_time", "decided")
        ),
        DashboardColumn("days", gettext_lazy("Days to decision in all"), kind="number", hidden=True),
        DashboardColumn(
            "mean_days", gettext_lazy("Mean days to decision"), kind="average", of=("days", "decided")
        ),
        DashboardColumn("recovered", gettext_lazy("Recovered (yuan)"), kind="money"),
    )
    return DashboardDomain(
        key="legal-aid",
        title=gettext_lazy("Legal aid"),
        order=60,
        tables=(
            DashboardTable(
                key="cases", title=gettext_lazy("Legal-aid cases by month"), columns=columns, rows=case_figures,
                chart="line", chart_columns=("cases", "decided"),
                caption=gettext_lazy("Cases by month of filing: decisions, time to decision and amounts recovered."),
            ),
            DashboardTable(
                key="cases-by-category", title=gettext_lazy("Cases by category"), columns=columns,
                breakdown="key", source="cases", key_label=gettext_lazy("Category"), chart="share",
                caption=gettext_lazy("Cases filed in the period, by category."),
            ),
            DashboardTable(
                key="cases-by-town", title=gettext_lazy("Cases by town or zone"), columns=columns,
                breakdown="town", source="cases", chart_columns=("cases", "decided"),
                caption=gettext_lazy("Cases filed in the period, by the station's town or zone."),
            ),
            DashboardTable(
                key="stations", title=gettext_lazy("Cases by station"), columns=columns, breakdown="key",
                rows=station_figures, key_label=gettext_lazy("Station"), chart_columns=("cases",),
                caption=gettext_lazy("Cases filed in the period; sub-stations count under their station."),
            ),
            DashboardTable(
                key="states", title=gettext_lazy("Cases by state today"),
                columns=(
                    DashboardColumn("cases", gettext_lazy("Cases")),
                    DashboardColumn("open", gettext_lazy("Still open")),
                ),
                breakdown="key", rows=case_state_figures, key_label=gettext_lazy("State"),
                caption=gettext_lazy("Every case by its state today."),
            ),
        ),
        headlines=(
            DashboardHeadline(gettext_lazy("Legal-aid cases filed"), "cases", "cases"),
            DashboardHeadline(gettext_lazy("Share decided in time"), "cases", "share_in_time"),
            DashboardHeadline(gettext_lazy("Mean days to decision"), "cases", "mean_days"),
            DashboardHeadline(gettext_lazy("Amount recovered (yuan)"), "cases", "recovered"),
            DashboardHeadline(gettext_lazy("Open cases"), "states", "open"),
        ),
    )  # fmt: skip

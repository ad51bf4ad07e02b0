"""Reads of the education app: schools, a family's applications with their priority facts and results,
the computation of a round (for its preview and its run), cut-offs, and the officials' figures."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from education.matching import cutoffs, deferred_acceptance
from education.models import (
    Application,
    ApplicationChoice,
    Enrolment,
    Offer,
    PlacementPolicy,
    Round,
    RoundCutoff,
    RoundEntry,
    School,
    SchoolSeats,
    SchoolYear,
)
from education.rules import DEFAULT_ORDER, PriorityFacts, key_function, parse_order
from kunshan_portal.compiled import CompiledQuery
from residents.models import FamilyMember, Resident, Town

ACTIVE_ROUND_STATES = (Round.State.FROZEN, Round.State.RUNNING)


# --- reference data -----------------------------------------------------------------------------


def policy_in_force(on: date | None = None) -> PlacementPolicy:
    """The admission defaults valid on a day (today by default); the built-in defaults if none is stored."""
    on = on or timezone.localdate()
    return PlacementPolicy.objects.filter(valid_from__lte=on).order_by("-valid_from").first() or (
        PlacementPolicy(valid_from=on)
    )


def school_years_open() -> QuerySet[SchoolYear]:
    return SchoolYear.objects.filter(applications_open=True).order_by("year")


def school_list(
    *, town: Town | int | None = None, kind: str = "", grade: int | None = None, active_only: bool = True
) -> QuerySet[School]:
    schools = School.objects.select_related("town").order_by("town__kind", "town_id", "kind", "code")
    if active_only:
        schools = schools.filter(active=True)
    if town:
        schools = schools.filter(town=town)
    if kind:
        schools = schools.filter(kind=kind)
    if grade:
        schools = schools.filter(first_grade__lte=grade, last_grade__gte=grade)
    return schools


def children_of(parent: Resident) -> QuerySet[FamilyMember]:
    return FamilyMember.objects.filter(resident=parent, relation=FamilyMember.Relation.CHILD).order_by(
        "birth_date", "pk"
    )


# --- priority facts -----------------------------------------------------------------------------


def contribution_months(*, resident_ids: Iterable[int], until: date) -> dict[int, int]:
    """Months with social-insurance contributions in Kunshan per resident, up to a day.

    Read from the insurance app through ``insurance.selectors.contribution_months_by_resident(
    resident_ids=..., until=...) -> {resident_id: months}``; while that app does not offer it, every
    resident counts 0 months (the other criteria and the lottery still order the children).
    """
    ids = list(resident_ids)
    try:
        from insurance import selectors as insurance_selectors
    except ImportError:
        return {}
    reader = getattr(insurance_selectors, "contribution_months_by_resident", None)
    if reader is None or not ids:
        return {}
    return {int(resident): int(months) for resident, months in reader(resident_ids=ids, until=until).items()}


def sibling_school_ids(*, parent_id: int, child_id_hash: str, school_year: int) -> set[int]:
    """Schools where another child of the parent is enrolled and still is in the given school year."""
    hashes = (
        FamilyMember.objects.filter(resident_id=parent_id, relation=FamilyMember.Relation.CHILD)
        .exclude(id_number_hash=child_id_hash)
        .values("id_number_hash")
    )
    found = set()
    for school_id, year, grade, last in Enrolment.objects.filter(
        child_id_hash__in=hashes, school_year_id__lte=school_year
    ).values_list("school_id", "school_year_id", "grade", "school__last_grade"):
        if grade + (school_year - year) <= last:
            found.add(school_id)
    return found


@dataclass(frozen=True)
class ChoiceFacts:
    rank: int
    school: School
    catchment: bool
    sibling: bool


@dataclass(frozen=True)
class ApplicationFacts:
    """The priority facts of an application: those its latest round froze, else today's (they are frozen
    when a round starts, and again at each later round)."""

    months: int
    lottery: int
    town: Town
    choices: list[ChoiceFacts]
    frozen_in: Round | None  # the round that froze these facts; None: live, frozen when a round starts


def application_facts(application: Application) -> ApplicationFacts:
    choices = list(application.choices.select_related("school__town").order_by("rank"))
    entry = (
        RoundEntry.objects.filter(application=application)
        .select_related("round", "town")
        .order_by("-round__number")
        .first()
    )
    if entry is not None:
        siblings = set(entry.sibling_school_ids)
        return ApplicationFacts(
            months=entry.months,
            lottery=entry.lottery,
            town=entry.town,
            choices=[
                ChoiceFacts(c.rank, c.school, c.school.town_id == entry.town_id, c.school_id in siblings)
                for c in choices
            ],
            frozen_in=entry.round,
        )
    parent = application.parent
    months = contribution_months(resident_ids=[parent.pk], until=timezone.localdate()).get(parent.pk, 0)
    siblings = sibling_school_ids(
        parent_id=parent.pk, child_id_hash=application.child_id_hash, school_year=application.school_year_id
    )
    return ApplicationFacts(
        months=months,
        lottery=application.lottery,
        town=parent.town,
        choices=[
            ChoiceFacts(c.rank, c.school, c.school.town_id == parent.town_id, c.school_id in siblings)
            for c in choices
        ],
        frozen_in=None,
    )


# --- a family's applications and offers ----------------------------------------------------------


def application_list_for_parent(parent: Resident) -> QuerySet[Application]:
    open_offers = Offer.objects.filter(application=OuterRef("pk"), state=Offer.State.OPEN)
    return (
        Application.objects.filter(parent=parent)
        .select_related("child", "school_year")
        .prefetch_related(
            Prefetch("choices", queryset=ApplicationChoice.objects.select_related("school").order_by("rank"))
        )
        .annotate(has_open_offer=Exists(open_offers))
        .order_by("-school_year", "-submitted_at", "-id")
    )


def application_for_parent(parent: Resident, pk: int) -> Application:
    """One of the parent's applications; Application.DoesNotExist for anyone else's (a 404)."""
    return Application.objects.select_related("child", "school_year", "parent__town").get(
        pk=pk, parent=parent
    )


def offer_list_for_parent(parent: Resident) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(application__parent=parent)
        .select_related("school__town", "round", "application__child")
        .order_by("-created_at", "-id")
    )


def offer_for_parent(parent: Resident, pk: int) -> Offer:
    return Offer.objects.select_related("application__parent", "school").get(
        pk=pk, application__parent=parent
    )


@dataclass(frozen=True)
class Refusal:
    """Why a school ranked above the result did not take the child in a round."""

    school: School
    reason: (
        str  # "no_seats", "declined", or the deciding criterion ("catchment", "sibling", "months", "lottery")
    )
    child: PriorityFacts
    last_admitted: PriorityFacts | None


@dataclass(frozen=True)
class RoundResult:
    round: Round
    offer: Offer | None
    refusals: list[Refusal] = field(default_factory=list)


def application_results(application: Application) -> list[RoundResult]:
    """For each finished round the application was in: its offer (if any) and, for every school ranked
    above it, that school's cut-off and why the child did not reach it."""
    from education.rules import deciding_criterion

    entries = list(
        RoundEntry.objects.filter(application=application, round__state=Round.State.DONE)
        .select_related("round")
        .order_by("round__number")
    )
    if not entries:
        return []
    offers = {
        offer.round_id: offer
        for offer in Offer.objects.filter(application=application).select_related("school__town")
    }
    school_ids = {s for entry in entries for s in entry.choices}
    schools = School.objects.select_related("town").in_bulk(school_ids)
    cut = {
        (c.round_id, c.school_id): c
        for c in RoundCutoff.objects.filter(
            round__in=[e.round_id for e in entries], school_id__in=school_ids, grade=application.grade
        )
    }
    results = []
    for entry in entries:
        offer = offers.get(entry.round_id)
        order = parse_order(entry.round.priority_order) if entry.round.priority_order else DEFAULT_ORDER
        got = offer.school_id if offer else None
        above = entry.choices[: entry.choices.index(got)] if got in entry.choices else entry.choices
        refusals = []
        for school_id in above:
            school = schools.get(school_id)
            if school is None:
                continue
            mine = PriorityFacts(
                catchment=school.town_id == entry.town_id,
                sibling=school_id in entry.sibling_school_ids,
                months=entry.months,
                lottery=entry.lottery,
            )
            cutoff = cut.get((entry.round_id, school_id))
            if cutoff is None or cutoff.seats == 0:
                refusals.append(Refusal(school, "no_seats", mine, None))
                continue
            last = cutoff_facts(cutoff)
            reason = deciding_criterion(mine, last, order) if last else None
            refusals.append(Refusal(school, reason or "no_seats", mine, last))
        results.append(RoundResult(entry.round, offer, refusals))
    return results


def cutoff_facts(cutoff: RoundCutoff) -> PriorityFacts | None:
    if not cutoff.full or cutoff.last_lottery is None:
        return None
    return PriorityFacts(
        catchment=bool(cutoff.last_catchment),
        sibling=bool(cutoff.last_sibling),
        months=cutoff.last_months or 0,
        lottery=cutoff.last_lottery,
    )


# --- rounds ---------------------------------------------------------------------------------------


@dataclass
class SchoolOutcome:
    school_id: int
    grade: int
    seats_id: int | None
    seats: int  # seats left for the round
    applicants: int
    admitted: int
    last_admitted: PriorityFacts | None  # None: seats left over (or none to give)


@dataclass
class RoundOutcome:
    """What a round gives: each frozen application's school (or None) and each school's cut-off."""

    round: Round
    # entry id -> (application id, (school id, grade) or None)
    assignment: dict[int, tuple[int, tuple[int, int] | None]]
    schools: dict[tuple[int, int], SchoolOutcome]

    @property
    def placed(self) -> int:
        return sum(1 for _, key in self.assignment.values() if key is not None)

    @property
    def unplaced(self) -> int:
        return len(self.assignment) - self.placed


def round_outcome(round_: Round) -> RoundOutcome:
    """Compute a frozen round from its stored facts (deferred acceptance over the seats still free).

    Deterministic: the same frozen facts and seats give the same result, so the preview is what the run
    will write. Applications withdrawn since the freeze are left out.
    """
    order = parse_order(round_.priority_order) if round_.priority_order else DEFAULT_ORDER
    school_town = dict(School.objects.values_list("id", "town_id"))
    seats_of: dict[tuple[int, int], tuple[int, int]] = {
        (school, grade): (pk, seats - taken)
        for pk, school, grade, seats, taken in SchoolSeats.objects.filter(
            school_year_id=round_.school_year_id
        ).values_list("id", "school_id", "grade", "seats", "taken")
    }
    rows = RoundEntry.objects.filter(
        round=round_, application__state__in=[Application.State.SUBMITTED, Application.State.WAITING]
    ).values_list(
        "id", "application_id", "grade", "town_id", "months", "lottery", "sibling_school_ids", "choices"
    )
    key_of = key_function(order)
    applications: dict[int, int] = {}
    preferences: dict[int, list[tuple[int, int]]] = {}
    facts_of: dict[int, tuple[int, frozenset[int] | list[int], int, int]] = {}
    listed: dict[tuple[int, int], list[tuple[tuple[int, ...], int]]] = defaultdict(list)
    for entry, application, grade, town, months, lottery, siblings, choices in rows:
        applications[entry] = application
        facts_of[entry] = (town, siblings, months, lottery)
        keys = [(school, grade) for school in choices]
        preferences[entry] = keys
        for key in keys:
            school = key[0]
            listed[key].append(
                (key_of(school_town.get(school) == town, school in siblings, months, lottery), entry)
            )
    priorities = {key: [entry for _, entry in sorted(children)] for key, children in listed.items()}
    capacities = {key: max(left, 0) for key, (_, left) in seats_of.items()}
    matched = deferred_acceptance(preferences, priorities, capacities)
    ranks = cutoffs(matched, priorities, capacities)
    admitted: dict[tuple[int, int], int] = defaultdict(int)
    for key in matched.values():
        if key is not None:
            admitted[key] += 1
    schools = {}
    for key, children in priorities.items():
        rank = ranks.get(key)
        seats_id, left = seats_of.get(key, (None, 0))
        last = None
        if rank is not None and rank >= 0:
            town, siblings, months, lottery = facts_of[children[rank]]
            last = PriorityFacts(school_town.get(key[0]) == town, key[0] in siblings, months, lottery)
        schools[key] = SchoolOutcome(
            school_id=key[0],
            grade=key[1],
            seats_id=seats_id,
            seats=max(left, 0),
            applicants=len(children),
            admitted=admitted[key],
            last_admitted=last,
        )
    return RoundOutcome(
        round=round_,
        assignment={entry: (applications[entry], key) for entry, key in matched.items()},
        schools=schools,
    )


def round_progress(round_: Round) -> dict[str, int]:
    """How far a round has got: applications frozen, offers by state, families told."""
    offers = Offer.objects.filter(round=round_).aggregate(
        open=Count("id", filter=Q(state=Offer.State.OPEN)),
        accepted=Count("id", filter=Q(state=Offer.State.ACCEPTED)),
        declined=Count("id", filter=Q(state=Offer.State.DECLINED)),
        lapsed=Count("id", filter=Q(state=Offer.State.LAPSED)),
    )
    entries = RoundEntry.objects.filter(round=round_).aggregate(
        total=Count("id"), told=Count("id", filter=Q(notified_at__isnull=False))
    )
    offered = sum(offers.values())
    return {
        "entries": entries["total"],
        "offers": offered,
        "unplaced": entries["total"] - offered if round_.state == Round.State.DONE else 0,
        "told": entries["told"],
        **offers,
    }


def cutoff_list(
    *, school_year: int | None = None, town: int | None = None, grade: int | None = None
) -> QuerySet[RoundCutoff]:
    """Published cut-offs: every finished round's result per school and grade."""
    found = RoundCutoff.objects.filter(round__state=Round.State.DONE).select_related(
        "school__town", "round__school_year"
    )
    if school_year:
        found = found.filter(round__school_year_id=school_year)
    if town:
        found = found.filter(school__town_id=town)
    if grade:
        found = found.filter(grade=grade)
    return found.order_by(
        "-round__school_year_id", "round__number", "school__town_id", "school__code", "grade"
    )


def open_offers_before(moment) -> QuerySet[Offer]:
    return Offer.objects.filter(state=Offer.State.OPEN, deadline__lt=moment).order_by("deadline", "pk")


# --- officials' figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementFigures:
    label: str
    placed: int
    public: int
    seats: int
    taken: int

    @property
    def public_share(self) -> float | None:
        return self.public / self.placed if self.placed else None

    @property
    def seats_left(self) -> int:
        return self.seats - self.taken


def latest_school_year() -> int | None:
    return SchoolYear.objects.order_by("-year").values_list("year", flat=True).first()


def placement_totals(*, school_year: int) -> PlacementFigures:
    """Children enrolled in a school year, how many in public schools, and the seats left."""
    enrolled = Enrolment.objects.filter(school_year_id=school_year).aggregate(
        placed=Count("id"), public=Count("id", filter=Q(school__kind=School.Kind.PUBLIC))
    )
    seats = SchoolSeats.objects.filter(school_year_id=school_year).aggregate(
        seats=Sum("seats"), taken=Sum("taken")
    )
    return PlacementFigures(
        label=str(school_year),
        placed=enrolled["placed"],
        public=enrolled["public"],
        seats=seats["seats"] or 0,
        taken=seats["taken"] or 0,
    )


def placement_by_town(*, school_year: int) -> list[PlacementFigures]:
    """The same figures for each town or zone (the schools' towns), in two queries."""
    enrolled = {
        row["school__town"]: row
        for row in Enrolment.objects.filter(school_year_id=school_year)
        .values("school__town")
        .annotate(placed=Count("id"), public=Count("id", filter=Q(school__kind=School.Kind.PUBLIC)))
    }
    seats = {
        row["school__town"]: row
        for row in SchoolSeats.objects.filter(school_year_id=school_year)
        .values("school__town")
        .annotate(seats=Sum("seats"), taken=Sum("taken"))
    }
    figures = []
    for town in Town.objects.filter(pk__in=enrolled.keys() | seats.keys()):
        e, s = enrolled.get(town.pk, {}), seats.get(town.pk, {})
        figures.append(
            PlacementFigures(str(town), e.get("placed", 0), e.get("public", 0), s.get("seats") or 0,
                             s.get("taken") or 0)
        )  # fmt: skip
    return figures


def placement_by_school(*, school_year: int, town: int | None = None) -> list[PlacementFigures]:
    """The figures for each school with seats or children in the school year."""
    enrolled = dict(
        Enrolment.objects.filter(school_year_id=school_year)
        .values("school")
        .annotate(n=Count("id"))
        .values_list("school", "n")
    )
    seats = {
        row["school"]: row
        for row in SchoolSeats.objects.filter(school_year_id=school_year)
        .values("school")
        .annotate(seats=Sum("seats"), taken=Sum("taken"))
    }
    schools = School.objects.filter(pk__in=enrolled.keys() | seats.keys()).select_related("town")
    if town:
        schools = schools.filter(town_id=town)
    return [
        PlacementFigures(
            str(school),
            enrolled.get(school.pk, 0),
            enrolled.get(school.pk, 0) if school.kind == School.Kind.PUBLIC else 0,
            (seats.get(school.pk) or {}).get("seats") or 0,
            (seats.get(school.pk) or {}).get("taken") or 0,
        )
        for school in schools
    ]


def dashboard_section() -> tuple[str, list[tuple[str, object]]]:
    """The officials' overview: the latest school year's placements, public-school share and seats left,
    in total and by town."""
    from django.utils.translation import gettext as _

    year = latest_school_year()
    if year is None:
        return _("Education"), [(_("School years"), 0)]
    total = placement_totals(school_year=year)
    rows: list[tuple[str, object]] = [
        (_("School year"), f"{year}–{year + 1}"),
        (_("Children placed"), total.placed),
        (_("Share in public schools"), _share(total.public_share)),
        (_("Seats left"), total.seats_left),
        (_("Applications waiting for a round"), Application.objects.filter(
            school_year_id=year, state__in=[Application.State.SUBMITTED, Application.State.WAITING]
        ).count()),
    ]  # fmt: skip
    for town in placement_by_town(school_year=year):
        rows.append(
            (
                _("%(town)s: placed, public share, seats left") % {"town": town.label},
                f"{town.placed} · {_share(town.public_share)} · {town.seats_left}",
            )
        )
    return _("Education"), rows


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


_PARENT_APPLICATIONS = CompiledQuery(
    lambda resident_id: Application.objects.filter(parent_id=resident_id).values_list(
        "pk", "state", "submitted_at", "grade", "child__name", "school_year__year"
    )
)


def application_summaries(resident: Resident) -> list:
    """The parent's school applications for their own page of applications across the portal."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from kunshan_portal.registry import ApplicationSummary

    states, grades = Application.choice_labels("state"), Application.choice_labels("grade")
    return [
        ApplicationSummary(
            kind=_("School place application"),
            title=_("%(child)s, %(grade)s, %(year)s")
            % {"child": child, "grade": grades.get(grade, grade), "year": SchoolYear.name_of(year)},
            state=states.get(state, state),
            submitted_at=submitted_at,
            url=reverse("education:application-detail", args=[pk]),
        )
        for pk, state, submitted_at, grade, child, year in _PARENT_APPLICATIONS.rows(resident.pk)
    ]


# --- Dashboard figures ---


def school_figures(*, since: date) -> list[dict]:
    """The latest school year per school: children placed, how many in public schools, seats and seats
    taken (open offers hold seats too): three queries."""
    year = latest_school_year()
    if year is None:
        return []
    enrolled = dict(
        Enrolment.objects.filter(school_year_id=year)
        .values("school")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("school", "n")
    )
    seats = {
        row["school"]: row
        for row in SchoolSeats.objects.filter(school_year_id=year)
        .values("school")
        .annotate(seats=Sum("seats"), taken=Sum("taken"))
        .order_by()
    }
    schools = School.objects.filter(pk__in=enrolled.keys() | seats.keys()).select_related("town")
    rows = []
    for school in schools.order_by("town_id", "kind", "code"):
        placed = enrolled.get(school.pk, 0)
        own = seats.get(school.pk) or {}
        rows.append(
            {
                "town": school.town.code,
                "key": school.code,
                "label": (school.name_zh, school.name_en),
                "placed": placed,
                "public": placed if school.kind == School.Kind.PUBLIC else 0,
                "seats": own.get("seats") or 0,
                "taken": own.get("taken") or 0,
                "seats_left": (own.get("seats") or 0) - (own.get("taken") or 0),
            }
        )
    return rows


def placement_monthly_figures(*, since: date) -> list[dict]:
    """Children enrolled per month (from ``since``) and the school's town, and how many in public schools."""
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    rows = (
        Enrolment.objects.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "school__town__code")
        .annotate(placed=Count("id"), public=Count("id", filter=Q(school__kind=School.Kind.PUBLIC)))
        .order_by("month", "school__town__code")
    )
    return [
        {
            "month": timezone.localtime(row["month"]).date(),
            "town": row["school__town__code"],
            "placed": row["placed"],
            "public": row["public"],
        }
        for row in rows
    ]


def dashboard_domain():
    """The school places page of the officials' dashboards."""
    from django.utils.translation import gettext_lazy

    from kunshan_portal.registry import DashboardColumn, DashboardDomain, DashboardHeadline, DashboardTable

    placed = (
        DashboardColumn("placed", gettext_lazy("Children placed")),
        DashboardColumn("public", gettext_lazy("In public schools")),
        DashboardColumn(
            "public_share", gettext_lazy("Public-school share"), kind="share", of=("public", "placed")
        ),
    )
    schools = (
        *placed,
        DashboardColumn("seats", gettext_lazy("Seats"), kind="number"),
        DashboardColumn("taken", gettext_lazy("Seats taken or offered"), kind="number"),
        DashboardColumn("seats_left", gettext_lazy("Seats left"), kind="number"),
    )
    return DashboardDomain(
        key="education",
        title=gettext_lazy("School places"),
        order=50,
        tables=(
            DashboardTable(
                key="schools", title=gettext_lazy("Schools, latest school year"), columns=schools,
                breakdown="key", rows=school_figures, key_label=gettext_lazy("School"), chart="bar",
                chart_columns=("placed", "seats_left"),
                caption=gettext_lazy("Children placed and seats per school in the latest school year."),
            ),
            DashboardTable(
                key="schools-by-town", title=gettext_lazy("School places by town or zone"), columns=schools,
                breakdown="town", source="schools", chart="bar", chart_columns=("placed", "public"),
                caption=gettext_lazy("The latest school year, by the school's town or zone."),
            ),
            DashboardTable(
                key="placements", title=gettext_lazy("Children placed by month"), columns=placed,
                rows=placement_monthly_figures, chart="bar", chart_columns=("placed", "public"),
                caption=gettext_lazy("Enrolments by the month the place was taken."),
            ),
        ),
        headlines=(
            DashboardHeadline(gettext_lazy("Children placed (latest school year)"), "schools", "placed"),
            DashboardHeadline(gettext_lazy("Public-school share"), "schools", "public_share"),
            DashboardHeadline(gettext_lazy("Seats left"), "schools", "seats_left"),
            DashboardHeadline(gettext_lazy("Children placed in the period"), "placements", "placed"),
        ),
    )  # fmt: skip

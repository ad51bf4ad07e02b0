"""Reads of housing: the rules in force, eligibility, standing on the list, occupancy, round plans, dashboards."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from housing.allocation import Applicant, RoundOutcome, allocate_round, full_compounds, top_trading_cycles
from housing.models import (
    SETTING_DEFAULTS,
    ApplicationChoice,
    Building,
    Compound,
    HousingApplication,
    HousingSetting,
    Offer,
    Place,
    Setting,
    Tenancy,
    TransferChoice,
    TransferRequest,
)
from housing.priority import PointsTable, expected_wait_months
from kunshan_portal.compiled import CompiledModelQuery, CompiledQuery, first_of
from kunshan_portal.registry import ApplicationSummary
from residents.models import Employer, Resident

ZERO = Decimal("0.00")
TURNOVER_DAYS = 365


# --- The rules in force ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HousingRules:
    points: PointsTable
    affordability_cap_percent: Decimal
    offer_deadline_days: int
    unanswered_offers_limit: int
    dormitory_utilities: Decimal

    def cap_for(self, household_income: Decimal) -> Decimal:
        """The most a household may pay a month: the cap percentage of its income, to the fen."""
        return (household_income * self.affordability_cap_percent / 100).quantize(Decimal("0.01"))

    def utilities_for(self, compound: Compound) -> Decimal:
        return self.dormitory_utilities if compound.is_dormitory else ZERO


def housing_rules(on: date | None = None) -> HousingRules:
    """The value of every housing rule effective on a day (today by default), the default where none."""
    on = on or timezone.localdate()
    values = dict(SETTING_DEFAULTS)
    values.update(
        HousingSetting.objects.filter(effective_from__lte=on)
        .order_by("key", "-effective_from")
        .distinct("key")
        .values_list("key", "value")
    )

    def whole(key: str) -> int:
        return int(values[key])

    return HousingRules(
        points=PointsTable(
            temporary_shed=whole(Setting.POINTS_TEMPORARY_SHED),
            overcrowded=whole(Setting.POINTS_OVERCROWDED),
            per_year=whole(Setting.POINTS_PER_YEAR),
            years_cap=whole(Setting.POINTS_YEARS_CAP),
            partner_employer=whole(Setting.POINTS_PARTNER_EMPLOYER),
            school_age_children=whole(Setting.POINTS_SCHOOL_AGE_CHILDREN),
            school_age_from=whole(Setting.SCHOOL_AGE_FROM),
            school_age_to=whole(Setting.SCHOOL_AGE_TO),
        ),
        affordability_cap_percent=values[Setting.AFFORDABILITY_CAP_PERCENT],
        offer_deadline_days=whole(Setting.OFFER_DEADLINE_DAYS),
        unanswered_offers_limit=max(whole(Setting.UNANSWERED_OFFERS_LIMIT), 1),
        dormitory_utilities=values[Setting.DORMITORY_UTILITIES],
    )


# --- Stock -------------------------------------------------------------------------------------------


def fits(household_size: int) -> Q:
    """Places that fit a household (on Place): one person a bed, two or more a unit sleeping that many."""
    return Q(sleeps=1) if household_size <= 1 else Q(sleeps__gte=max(household_size, 2))


def current_tenancies(at: date | None = None) -> QuerySet[Tenancy]:
    """Tenancies that hold their place on a day (today's current ones without a day)."""
    if at is None:
        return Tenancy.objects.filter(end_date__isnull=True)
    return Tenancy.objects.filter(start_date__lte=at).filter(Q(end_date__isnull=True) | Q(end_date__gt=at))


def free_places() -> QuerySet[Place]:
    """Places that can be offered now: in use, with no current tenancy and no open offer."""
    return (
        Place.objects.filter(active=True)
        .exclude(Exists(Tenancy.objects.filter(place=OuterRef("pk"), end_date__isnull=True)))
        .exclude(Exists(Offer.objects.filter(place=OuterRef("pk"), state=Offer.State.OPEN)))
    )


def place_is_free(place_id: int) -> bool:
    return free_places().filter(pk=place_id).exists()


def compound_list(*, accepting_only: bool = True) -> QuerySet[Compound]:
    """Compounds for residents to choose from, in the list's order. Page it first, then add the figures
    to the page with ``with_figures``: the figures of thousands of compounds (700,000 places) for every
    page, or for counting them, would take seconds."""
    compounds = Compound.objects.select_related("town", "owner")
    if accepting_only:
        compounds = compounds.filter(accepting=True)
    return compounds.order_by("town_id", "code")


def with_figures(compounds) -> list[Compound]:
    """These compounds (a page of them) given their lowest bed and unit rents (``bed_rent_from``,
    ``unit_rent_from``) and the places free now (``free_count``): two grouped queries over their own
    places."""
    compounds = list(compounds)
    ids = [compound.pk for compound in compounds]
    rents = {
        row["compound_id"]: row
        for row in Place.objects.filter(compound_id__in=ids, active=True)
        .values("compound_id")
        .annotate(bed=Min("rent", filter=Q(sleeps=1)), unit=Min("rent", filter=Q(sleeps__gte=2)))
        .order_by()
    }
    free = dict(
        free_places().filter(compound_id__in=ids).values("compound_id").annotate(n=Count("id")).order_by()
        .values_list("compound_id", "n")
    )  # fmt: skip
    for compound in compounds:
        compound.bed_rent_from = rents.get(compound.pk, {}).get("bed")
        compound.unit_rent_from = rents.get(compound.pk, {}).get("unit")
        compound.free_count = free.get(compound.pk, 0)
    return compounds


def fitting_costs(
    *, compounds: Iterable[Compound], household_size: int, rules: HousingRules
) -> dict[int, Decimal | None]:
    """The cheapest monthly cost (rent plus utilities) of a fitting place in each compound, None if none."""
    compounds = list(compounds)
    lowest = dict(
        Place.objects.filter(compound__in=compounds, active=True)
        .filter(fits(household_size))
        .order_by()
        .values("compound")
        .annotate(rent=Min("rent"))
        .values_list("compound", "rent")
    )
    return {
        compound.pk: (lowest[compound.pk] + rules.utilities_for(compound) if compound.pk in lowest else None)
        for compound in compounds
    }


# --- Eligibility -------------------------------------------------------------------------------------


@dataclass
class ChoiceCheck:
    compound: Compound
    monthly_cost: Decimal | None
    unusable: str  # an ApplicationChoice.Unusable value; "" when the choice can be offered
    message: str = ""

    @property
    def usable(self) -> bool:
        return not self.unusable


@dataclass
class Eligibility:
    reasons: list[str]  # why the applicant may not apply at all, in the reader's language
    choices: list[ChoiceCheck] = field(default_factory=list)
    cap: Decimal = ZERO

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def unusable_choices(self) -> list[ChoiceCheck]:
        return [choice for choice in self.choices if not choice.usable]


def employer_may_choose(employer: Employer | None, compound: Compound, partner_ids: set[int]) -> bool:
    """A public compound is open to all; a dormitory to its owner's and its partner employers' staff."""
    if not compound.is_dormitory:
        return True
    return employer is not None and (employer.pk == compound.owner_id or compound.pk in partner_ids)


def partnered_compound_ids(employer: Employer | None, compounds: Iterable[Compound]) -> set[int]:
    """Among the compounds, those the employer partners or owns."""
    if employer is None:
        return set()
    compounds = list(compounds)
    partnered = set(
        Compound.partner_employers.through.objects.filter(
            employer=employer, compound__in=compounds
        ).values_list("compound_id", flat=True)
    )
    return partnered | {compound.pk for compound in compounds if compound.owner_id == employer.pk}


def application_eligibility(
    *,
    resident: Resident,
    household_size: int,
    household_income: Decimal,
    compounds: list[Compound],
    employer: Employer | None,
    rules: HousingRules,
    exclude_application: HousingApplication | None = None,
) -> Eligibility:
    """Every reason the resident may not apply, and for each choice whether it can be offered and why not.

    Eligible: verified, employed in Kunshan, no current tenancy, no other open application, and at least
    one choice that is affordable (monthly cost within the cap) and has a room for the household.
    """
    reasons: list[str] = []
    if not resident.is_verified:
        reasons.append(_("Your registration is not verified yet: only verified residents can be housed."))
    if employer is None:
        reasons.append(
            _("Housing is for residents employed in Kunshan: add your employer to your profile first.")
        )
    if current_tenancies().filter(resident=resident).exists():
        reasons.append(_("You already have a tenancy: ask for a transfer instead of applying."))
    others = HousingApplication.objects.filter(resident=resident, state__in=HousingApplication.OPEN_STATES)
    if exclude_application is not None:
        others = others.exclude(pk=exclude_application.pk)
    if others.exists():
        reasons.append(_("You already have a housing application on the waiting list."))

    cap = rules.cap_for(household_income)
    costs = fitting_costs(compounds=compounds, household_size=household_size, rules=rules)
    partnered = partnered_compound_ids(employer, compounds)
    checks = []
    for compound in compounds:
        cost = costs[compound.pk]
        unusable, message = "", ""
        if not employer_may_choose(employer, compound, partnered):
            unusable = ApplicationChoice.Unusable.NOT_FOR_EMPLOYER
            message = _(
                "%(compound)s is a dormitory of %(owner)s: only its staff and its partner employers' "
                "staff can live there."
            ) % {"compound": compound, "owner": compound.owner}
        elif cost is None:
            unusable = ApplicationChoice.Unusable.NO_FITTING_ROOM
            message = (
                _("%(compound)s has no beds for a single person.") % {"compound": compound}
                if household_size <= 1
                else _("%(compound)s has no family unit for %(n)d people.")
                % {"compound": compound, "n": household_size}
            )
        elif cost > cap:
            unusable = ApplicationChoice.Unusable.UNAFFORDABLE
            message = _(
                "%(compound)s costs at least %(cost)s yuan a month, above your cap of %(cap)s yuan "
                "(%(percent)s%% of your household income)."
            ) % {"compound": compound, "cost": cost, "cap": cap, "percent": _percent(rules)}
        checks.append(ChoiceCheck(compound=compound, monthly_cost=cost, unusable=unusable, message=message))
    if checks and not any(check.usable for check in checks):
        reasons.extend(check.message for check in checks)
        reasons.append(
            _(
                "None of your choices can be offered to you: choose at least one compound you can afford that has room for your household."
            )
        )
    return Eligibility(reasons=reasons, choices=checks, cap=cap)


def _percent(rules: HousingRules) -> str:
    return f"{rules.affordability_cap_percent.normalize():f}"


# --- Points, shown --------------------------------------------------------------------------------


def points_lines(application: HousingApplication) -> list[tuple[str, int]]:
    """The application's points breakdown as (what, points) lines in the reader's language."""
    compounds = {}
    partner_ids = [pk for line in application.points_breakdown for pk in line.get("compounds", ())]
    if partner_ids:
        compounds = {compound.pk: str(compound) for compound in Compound.objects.filter(pk__in=partner_ids)}
    lines = []
    for line in application.points_breakdown:
        rule = line.get("rule")
        if rule == "temporary_shed":
            text = _("You live in a temporary shed")
        elif rule == "overcrowded":
            text = _("You live in overcrowded housing")
        elif rule == "years_in_kunshan":
            text = _("%(years)d full years in Kunshan") % {"years": line.get("years", 0)}
        elif rule == "partner_employer":
            names = ", ".join(compounds.get(pk, "?") for pk in line.get("compounds", ()))
            text = _("Your employer partners %(compounds)s") % {"compounds": names}
        elif rule == "school_age_children":
            text = _("School-age children: %(n)d") % {"n": line.get("children", 0)}
        else:
            text = str(rule)
        lines.append((text, line.get("points", 0)))
    return lines


# --- Standing on the waiting list ------------------------------------------------------------------


def _ahead_of(application: HousingApplication, prefix: str = "") -> Q:
    """Applications served before this one: more points, or as many and submitted earlier."""
    p = prefix
    return (
        Q(**{f"{p}points__gt": application.points})
        | Q(**{f"{p}points": application.points, f"{p}submitted_at__lt": application.submitted_at})
        | Q(
            **{
                f"{p}points": application.points,
                f"{p}submitted_at": application.submitted_at,
                f"{p}id__lt": application.pk,
            }
        )
    )


def _same_kind(household_size: int, prefix: str = "") -> Q:
    """Applicants who want the same kind of place: single people beds, households family units."""
    if household_size <= 1:
        return Q(**{f"{prefix}household_size": 1})
    return Q(**{f"{prefix}household_size__gte": 2})


@dataclass
class ChoiceStanding:
    choice: ApplicationChoice
    rank: int | None  # 1 = first in line for this compound among applicants for the same kind of place
    free_now: int
    vacated_per_year: int
    wait_months: int | None  # 0: the next round; None: no estimate


@dataclass
class Standing:
    position: int | None  # place on the whole waiting list (1 = served first); None when not waiting
    choices: list[ChoiceStanding]


def application_standing(application: HousingApplication) -> Standing:
    """The applicant's rank on the list and, per chosen compound, their rank and expected wait (3-4 queries).

    Rank at a compound counts the waiting applicants ahead who chose it and want the same kind of place;
    the wait spreads those ahead, less the places free now, over the last year's move-outs of fitting
    places there (see `expected_wait_months`).
    """
    choices = list(application.choices.select_related("compound__town"))
    if application.state != HousingApplication.State.WAITING:
        return Standing(position=None, choices=[ChoiceStanding(c, None, 0, 0, None) for c in choices])
    compound_ids = [choice.compound_id for choice in choices if choice.usable]
    ahead = dict(
        ApplicationChoice.objects.filter(
            compound__in=compound_ids, unusable="", application__state=HousingApplication.State.WAITING
        )
        .filter(
            _ahead_of(application, "application__"), _same_kind(application.household_size, "application__")
        )
        .order_by()
        .values("compound")
        .annotate(n=Count("id"))
        .values_list("compound", "n")
    )
    free = dict(
        free_places()
        .filter(fits(application.household_size), compound__in=compound_ids)
        .order_by()
        .values("compound")
        .annotate(n=Count("id"))
        .values_list("compound", "n")
    )
    since = timezone.localdate() - timedelta(days=TURNOVER_DAYS)
    vacated = dict(
        Tenancy.objects.filter(end_date__gt=since, place__compound__in=compound_ids)
        .filter(Q(place__sleeps=1) if application.household_size <= 1 else Q(place__sleeps__gte=2))
        .order_by()
        .values("place__compound")
        .annotate(n=Count("id"))
        .values_list("place__compound", "n")
    )
    position = (
        HousingApplication.objects.filter(state=HousingApplication.State.WAITING)
        .filter(_ahead_of(application))
        .count()
        + 1
    )
    standings = []
    for choice in choices:
        if not choice.usable:
            standings.append(ChoiceStanding(choice, None, 0, 0, None))
            continue
        before = ahead.get(choice.compound_id, 0)
        free_now, per_year = free.get(choice.compound_id, 0), vacated.get(choice.compound_id, 0)
        wait = expected_wait_months(ahead=before, free_now=free_now, vacated_per_year=per_year)
        standings.append(ChoiceStanding(choice, before + 1, free_now, per_year, wait))
    return Standing(position=position, choices=standings)


# --- The resident's own housing ---------------------------------------------------------------------

PLACE_RELATED = ("place__room__building", "place__compound__town")


def applications_of_resident(resident: Resident) -> QuerySet[HousingApplication]:
    return HousingApplication.objects.filter(resident=resident).prefetch_related(
        Prefetch("choices", queryset=ApplicationChoice.objects.select_related("compound"))
    )


# The resident's housing page reads these three on every visit: compiled once (kunshan_portal/compiled.py).
_CURRENT_TENANCY = CompiledModelQuery(
    lambda resident_id: first_of(
        _tenancies_of(resident_id).filter(end_date__isnull=True).prefetch_related("rent_changes")
    )
)
_OPEN_OFFER = CompiledModelQuery(
    lambda resident_id: first_of(_offers_of(resident_id).filter(state=Offer.State.OPEN))
)
_OPEN_TRANSFER_REQUEST = CompiledModelQuery(
    lambda resident_id: first_of(
        TransferRequest.objects.filter(
            tenancy__resident_id=resident_id, state=TransferRequest.State.OPEN
        ).prefetch_related(Prefetch("choices", queryset=_transfer_choices()))
    )
)


def current_tenancy_of(resident: Resident) -> Tenancy | None:
    return _CURRENT_TENANCY.first(resident.pk)


def tenancies_of_resident(resident: Resident) -> QuerySet[Tenancy]:
    return _tenancies_of(resident.pk)


def _tenancies_of(resident_id: int) -> QuerySet[Tenancy]:
    return Tenancy.objects.filter(resident_id=resident_id).select_related(*PLACE_RELATED)


def offers_of_resident(resident: Resident) -> QuerySet[Offer]:
    return _offers_of(resident.pk)


def _offers_of(resident_id: int) -> QuerySet[Offer]:
    return Offer.objects.filter(application__resident_id=resident_id).select_related(
        *PLACE_RELATED, "application"
    )


def open_offer_of(resident: Resident) -> Offer | None:
    return _OPEN_OFFER.first(resident.pk)


def open_transfer_request_of(resident: Resident) -> TransferRequest | None:
    return _OPEN_TRANSFER_REQUEST.first(resident.pk)


def _transfer_choices():
    return TransferChoice.objects.select_related("compound")


_RESIDENT_APPLICATIONS = CompiledQuery(
    lambda resident_id: (
        HousingApplication.objects.filter(resident_id=resident_id)
        .order_by("-submitted_at", "pk", "choices__rank")
        .values_list(
            "pk", "state", "submitted_at", "choices__compound__name_zh", "choices__compound__name_en"
        )
    )
)


def housing_application_summaries(resident: Resident) -> list[ApplicationSummary]:
    """The resident's housing applications for the portal's list of all their applications: one query,
    a row per compound ranked (in rank order), or one with no compound."""
    states = HousingApplication.choice_labels("state")
    applications: dict[int, tuple] = {}
    for pk, state, submitted_at, name_zh, name_en in _RESIDENT_APPLICATIONS.rows(resident.pk):
        names = applications.setdefault(pk, (state, submitted_at, []))[2]
        if name_zh is not None:
            names.append(Compound.name_in_language(name_zh, name_en))
    return [
        ApplicationSummary(
            kind=_("Housing application"),
            title=", ".join(names),
            state=states.get(state, state),
            submitted_at=submitted_at,
            url=reverse("housing:application-detail", args=[pk]),
        )
        for pk, (state, submitted_at, names) in applications.items()
    ]


# --- Occupancy, waiting list, wait ----------------------------------------------------------------------


@dataclass
class Occupancy:
    compound: Compound
    places: int
    occupied: int
    offered: int

    @property
    def free(self) -> int:
        return max(self.places - self.occupied - self.offered, 0)

    @property
    def rate(self) -> Decimal:
        """Share of places let, in percent to one decimal."""
        if not self.places:
            return Decimal("0.0")
        return (Decimal(100) * self.occupied / self.places).quantize(Decimal("0.1"))


def _counts(queryset, compound_path: str) -> dict[int, int]:
    return dict(
        queryset.order_by().values(compound_path).annotate(n=Count("id")).values_list(compound_path, "n")
    )


def compound_occupancy(
    *, at: date | None = None, compounds: QuerySet[Compound] | None = None
) -> list[Occupancy]:
    """Places, places let and places under offer per compound, on a day (today by default), in four
    grouped queries. Open offers are counted only for today: an offer's past is not kept by day."""
    compounds = list(
        (Compound.objects.all() if compounds is None else compounds).select_related("town", "owner")
    )
    ids = [compound.pk for compound in compounds]
    today = at is None or at == timezone.localdate()
    places = _counts(Place.objects.filter(active=True, compound__in=ids), "compound")
    occupied = _counts(current_tenancies(at).filter(place__compound__in=ids), "place__compound")
    offered = (
        _counts(Offer.objects.filter(state=Offer.State.OPEN, place__compound__in=ids), "place__compound")
        if today
        else {}
    )
    return [
        Occupancy(
            compound=compound,
            places=places.get(compound.pk, 0),
            occupied=occupied.get(compound.pk, 0),
            offered=offered.get(compound.pk, 0),
        )
        for compound in sorted(compounds, key=lambda c: (c.town_id, c.code))
    ]


@dataclass
class BuildingOccupancy:
    building: Building
    places: int
    occupied: int

    @property
    def free(self) -> int:
        return max(self.places - self.occupied, 0)


def dormitory_occupancy(employer: Employer) -> list[tuple[Occupancy, list[BuildingOccupancy]]]:
    """The employer's own dormitories: occupancy per compound and per building (two queries)."""
    dormitories = compound_occupancy(compounds=Compound.objects.filter(owner=employer))
    buildings = Building.objects.filter(compound__owner=employer).annotate(
        n_places=Count("rooms__places", filter=Q(rooms__places__active=True), distinct=True),
        n_occupied=Count(
            "rooms__places__tenancies",
            filter=Q(rooms__places__tenancies__end_date__isnull=True),
            distinct=True,
        ),
    )
    by_compound: dict[int, list[BuildingOccupancy]] = defaultdict(list)
    for building in buildings.order_by("compound_id", "name"):
        by_compound[building.compound_id].append(
            BuildingOccupancy(building=building, places=building.n_places, occupied=building.n_occupied)
        )
    return [(row, by_compound.get(row.compound.pk, [])) for row in dormitories]


def waiting_list(*, compound_id: int | None = None) -> QuerySet[HousingApplication]:
    """Waiting applications in serving order (most points first, then the earliest submission)."""
    waiting = HousingApplication.objects.filter(state=HousingApplication.State.WAITING)
    if compound_id:
        waiting = waiting.filter(
            Exists(ApplicationChoice.objects.filter(application=OuterRef("pk"), compound_id=compound_id))
        )
    return waiting.select_related("resident").order_by("-points", "submitted_at", "id")


def waiting_by_compound() -> dict[int, int]:
    """How many waiting applicants chose each compound (at any rank, among choices that can be offered)."""
    return dict(
        ApplicationChoice.objects.filter(application__state=HousingApplication.State.WAITING, unusable="")
        .order_by()
        .values("compound")
        .annotate(n=Count("id"))
        .values_list("compound", "n")
    )


def average_wait_by_compound(*, days: int = TURNOVER_DAYS) -> dict[int, float]:
    """Average days from application to move-in, per compound, over tenancies begun in the last `days`."""
    since = timezone.localdate() - timedelta(days=days)
    waited = ExpressionWrapper(
        F("start_date") - TruncDate("application__submitted_at"), output_field=DurationField()
    )
    rows = (
        Tenancy.objects.filter(application__isnull=False, start_date__gt=since)
        .order_by()
        .values("place__compound")
        .annotate(wait=Avg(waited))
        .values_list("place__compound", "wait")
    )
    return {compound: round(wait.total_seconds() / 86400, 1) for compound, wait in rows if wait is not None}


OVERVIEW_COMPOUNDS = 10


def housing_dashboard() -> tuple[str, list[tuple[str, object]]]:
    """The officials' housing figures: totals, then the occupancy, waiting list and wait of the compounds
    with the longest waiting lists."""
    occupancy = compound_occupancy()
    waiting = waiting_by_compound()
    wait = average_wait_by_compound()
    places = sum(row.places for row in occupancy)
    occupied = sum(row.occupied for row in occupancy)
    rate = (Decimal(100) * occupied / places).quantize(Decimal("0.1")) if places else Decimal("0.0")
    counts = HousingApplication.objects.aggregate(
        waiting=Count("id", filter=Q(state=HousingApplication.State.WAITING)),
        offered=Count("id", filter=Q(state=HousingApplication.State.OFFERED)),
    )
    figures: list[tuple[str, object]] = [
        (_("Compounds and dormitories"), len(occupancy)),
        (_("Places (beds and family units)"), places),
        (_("Places let"), occupied),
        (_("Occupancy"), f"{rate}%"),
        (_("Places free"), sum(row.free for row in occupancy)),
        (_("Applicants on the waiting list"), counts["waiting"]),
        (_("Offers waiting for an answer"), counts["offered"]),
    ]
    # The compounds with the longest waiting lists (every compound is on the housing page and its exports).
    busiest = sorted(occupancy, key=lambda row: (-waiting.get(row.compound.pk, 0), row.compound.pk))
    for row in busiest[:OVERVIEW_COMPOUNDS]:
        days = wait.get(row.compound.pk)
        figures.append(
            (
                str(row.compound),
                _("%(rate)s%% let of %(places)d · %(waiting)d waiting · average wait %(wait)s")
                % {
                    "rate": row.rate,
                    "places": row.places,
                    "waiting": waiting.get(row.compound.pk, 0),
                    "wait": _("%(days)s days") % {"days": days} if days is not None else "–",
                },
            )
        )
    return _("Housing"), figures


# --- Round plans -----------------------------------------------------------------------------------

WAITING_SQL = """
SELECT a.id, a.household_size,
       array_agg(c.compound_id ORDER BY c.rank) FILTER (WHERE c.unusable = '')
  FROM housing_housingapplication a
  JOIN housing_applicationchoice c ON c.application_id = a.id
 WHERE a.state = 'waiting'
   AND NOT EXISTS (SELECT 1 FROM housing_tenancy t WHERE t.resident_id = a.resident_id AND t.end_date IS NULL)
 GROUP BY a.id
 ORDER BY a.points DESC, a.submitted_at, a.id
"""

FREE_SQL = """
SELECT p.compound_id, p.sleeps, array_agg(p.id ORDER BY p.id)
  FROM housing_place p
 WHERE p.active
   AND NOT EXISTS (SELECT 1 FROM housing_tenancy t WHERE t.place_id = p.id AND t.end_date IS NULL)
   AND NOT EXISTS (SELECT 1 FROM housing_offer o WHERE o.place_id = p.id AND o.state = 'open')
 GROUP BY p.compound_id, p.sleeps
"""


@dataclass
class RoundPlan:
    """Who a round would offer what: the serving order, the free places and the outcome of the core."""

    applicants: list[Applicant]
    free_places: dict[tuple[int, int], list[int]]
    outcome: RoundOutcome

    @property
    def considered(self) -> int:
        return len(self.applicants)

    @property
    def placed(self) -> int:
        return len(self.outcome.places)

    def offered_place(self, application_id: int) -> int | None:
        return self.outcome.places.get(application_id)

    def full_compounds(self, application_id: int) -> list[tuple[int, int | None]]:
        """Compounds the applicant ranked above their result, each with the position that filled it."""
        return full_compounds(self.outcome.placement(application_id))

    def by_compound(self) -> dict[int, dict[str, int]]:
        """Per compound: free places before the round and offers the round makes."""
        rows: dict[int, dict[str, int]] = defaultdict(lambda: {"free": 0, "offers": 0})
        for (compound, _size), places in self.free_places.items():
            rows[compound]["free"] += len(places)
        for pool in self.outcome.pools.values():
            if pool is not None:
                rows[pool[0]]["offers"] += 1
        return dict(rows)


def allocation_plan() -> RoundPlan:
    """Serve the waiting list by priority over today's free places (two queries, then the pure core).

    Applicants who got a tenancy in the meantime are left out; choices that cannot be offered to the
    applicant (unaffordable, no fitting room, another employer's dormitory) are not served.
    """
    with connection.cursor() as cursor:
        cursor.execute(WAITING_SQL)
        applicants = [
            Applicant(key=pk, household_size=size, compounds=tuple(ids or ())) for pk, size, ids in cursor
        ]
        cursor.execute(FREE_SQL)
        free = {(compound, sleeps): ids for compound, sleeps, ids in cursor}
    return RoundPlan(applicants=applicants, free_places=free, outcome=allocate_round(applicants, free))


@dataclass(frozen=True)
class Move:
    request_id: int
    tenancy_id: int
    from_place: int
    to_place: int


@dataclass
class TransferPlan:
    considered: int
    moves: list[Move]


def transfer_plan() -> TransferPlan:
    """Top trading cycles over the places of tenants with open transfer requests (three queries).

    Agents are the open requests of current tenancies, longest-standing tenancy first. Each tenant ranks
    the fitting places held by other requesting tenants in the compounds they asked for, in their order
    (within a compound the best-fitting places first), and keeps their own place when no cycle suits
    them. Vacant places are not traded here: they belong to the waiting list's rounds.
    """
    requests = list(
        TransferRequest.objects.filter(state=TransferRequest.State.OPEN, tenancy__end_date__isnull=True)
        .select_related("tenancy__place")
        .order_by("tenancy__start_date", "tenancy_id")
    )
    choices: dict[int, list[int]] = defaultdict(list)
    for request_id, compound_id in (
        _transfer_choices()
        .filter(request__in=[r.pk for r in requests])
        .order_by("request_id", "rank")
        .values_list("request_id", "compound_id")
    ):
        choices[request_id].append(compound_id)
    held: dict[int, list[tuple[int, int]]] = defaultdict(list)  # compound -> [(sleeps, place)]
    for request in requests:
        place = request.tenancy.place
        held[place.compound_id].append((place.sleeps, place.pk))
    for places in held.values():
        places.sort()
    order = [request.pk for request in requests]
    endowments = {request.pk: request.tenancy.place_id for request in requests}
    preferences: dict[int, list[int]] = {}
    for request in requests:
        size, own = request.tenancy.household_size, request.tenancy.place
        ranked = []
        for compound in choices[request.pk]:
            if compound == own.compound_id:
                continue
            ranked.extend(
                place
                for sleeps, place in held.get(compound, ())
                if (sleeps == 1 if size <= 1 else sleeps >= max(size, 2))
            )
        preferences[request.pk] = ranked
    result = top_trading_cycles(order, preferences, endowments, [])
    by_id = {request.pk: request for request in requests}
    moves = [
        Move(request_id=pk, tenancy_id=by_id[pk].tenancy_id, from_place=endowments[pk], to_place=place)
        for pk, place in result.items()
        if place is not None and place != endowments[pk]
    ]
    return TransferPlan(considered=len(requests), moves=moves)


# --- Dashboard figures ---


def compound_figures(*, since: date) -> list[dict]:
    """Today's figures per compound: places, let, under offer, free, waiting applicants, and the move-ins
    of the last year with the days they waited (for the average wait): six grouped queries."""
    occupancy = compound_occupancy()
    waiting = waiting_by_compound()
    year_ago = timezone.localdate() - timedelta(days=TURNOVER_DAYS)
    waited = ExpressionWrapper(
        F("start_date") - TruncDate("application__submitted_at"), output_field=DurationField()
    )
    moves = {
        row["place__compound"]: row
        for row in Tenancy.objects.filter(application__isnull=False, start_date__gt=year_ago)
        .order_by()
        .values("place__compound")
        .annotate(moves=Count("id"), waited=Sum(waited))
    }
    rows = []
    for row in occupancy:
        compound = row.compound
        moved = moves.get(compound.pk) or {}
        rows.append(
            {
                "town": compound.town.code,
                "key": compound.code,
                "label": (compound.name_zh, compound.name_en),
                "places": row.places,
                "occupied": row.occupied,
                "offered": row.offered,
                "free": row.free,
                "waiting": waiting.get(compound.pk, 0),
                "moves": moved.get("moves") or 0,
                "wait_days": round(moved["waited"].total_seconds() / 86400, 1) if moved.get("waited") else 0,
            }
        )
    return rows


TENANCIES_AT_MONTH_END_SQL = """
SELECT m.month::date, t.code, count(*)
FROM generate_series(%(since)s::date, %(last)s::date, interval '1 month') AS m(month)
JOIN housing_tenancy te
  ON te.start_date <= LEAST((m.month + interval '1 month' - interval '1 day')::date, %(today)s::date)
 AND (te.end_date IS NULL
      OR te.end_date > LEAST((m.month + interval '1 month' - interval '1 day')::date, %(today)s::date))
JOIN housing_place p ON p.id = te.place_id
JOIN housing_compound c ON c.id = p.compound_id
JOIN residents_town t ON t.id = c.town_id
GROUP BY 1, 2
"""


def housing_monthly_figures(*, since: date) -> list[dict]:
    """Per month (from ``since``) and town: places let at the month's end (today for this month),
    move-ins and move-outs by the compound's town, and applications by the applicant's town."""
    today = timezone.localdate()
    rows: dict[tuple[date, str], dict] = {}

    def add(month, town, name, n):
        month = month.date() if hasattr(month, "date") and callable(month.date) else month
        row = rows.setdefault(
            (month, town),
            {"month": month, "town": town, "let": 0, "move_ins": 0, "move_outs": 0, "applications": 0},
        )
        row[name] += n

    with connection.cursor() as cursor:
        cursor.execute(
            TENANCIES_AT_MONTH_END_SQL, {"since": since, "last": today.replace(day=1), "today": today}
        )
        for month, town, n in cursor.fetchall():
            add(month, town, "let", n)
    for moment, name in (("start_date", "move_ins"), ("end_date", "move_outs")):
        for month, town, n in (
            Tenancy.objects.filter(**{f"{moment}__gte": since})
            .annotate(month=TruncMonth(moment))
            .values("month", "place__compound__town__code")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("month", "place__compound__town__code", "n")
        ):
            add(month, town, name, n)
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    for month, town, n in (
        HousingApplication.objects.filter(submitted_at__gte=start)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month", "resident__town__code")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("month", "resident__town__code", "n")
    ):
        add(timezone.localtime(month).date(), town, "applications", n)
    return sorted(rows.values(), key=lambda row: (row["month"], row["town"]))


def dashboard_domain():
    """The housing page of the officials' dashboards."""
    from django.utils.translation import gettext_lazy

    from kunshan_portal.registry import DashboardColumn, DashboardDomain, DashboardHeadline, DashboardTable

    stock = (
        DashboardColumn("places", gettext_lazy("Places"), kind="number"),
        DashboardColumn("occupied", gettext_lazy("Places let"), kind="number"),
        DashboardColumn("occupancy", gettext_lazy("Occupancy"), kind="share", of=("occupied", "places")),
        DashboardColumn("offered", gettext_lazy("Under offer"), kind="number"),
        DashboardColumn("free", gettext_lazy("Free"), kind="number"),
        DashboardColumn("waiting", gettext_lazy("Applicants waiting")),
        DashboardColumn("moves", gettext_lazy("Moved in from the list, last 12 months")),
        DashboardColumn("wait_days", gettext_lazy("Days waited in all"), kind="number", hidden=True),
        DashboardColumn(
            "average_wait", gettext_lazy("Average wait (days)"), kind="average", of=("wait_days", "moves")
        ),
    )
    monthly = (
        DashboardColumn("let", gettext_lazy("Places let at the month's end"), kind="number", agg="last"),
        DashboardColumn("move_ins", gettext_lazy("Move-ins")),
        DashboardColumn("move_outs", gettext_lazy("Move-outs")),
        DashboardColumn("applications", gettext_lazy("Applications")),
    )
    return DashboardDomain(
        key="housing",
        title=gettext_lazy("Housing"),
        order=30,
        tables=(
            DashboardTable(
                key="compounds", title=gettext_lazy("Compounds and dormitories today"), columns=stock,
                breakdown="key", rows=compound_figures, key_label=gettext_lazy("Compound"), chart="bar",
                chart_columns=("occupied", "free", "waiting"),
                caption=gettext_lazy("Places, occupancy, waiting list and average wait per compound, today."),
            ),
            DashboardTable(
                key="compounds-by-town", title=gettext_lazy("Housing by town or zone today"), columns=stock,
                breakdown="town", source="compounds", chart="bar", chart_columns=("occupied", "free", "waiting"),
                caption=gettext_lazy("The same figures added up for each town or zone."),
            ),
            DashboardTable(
                key="monthly", title=gettext_lazy("Housing by month"), columns=monthly,
                rows=housing_monthly_figures, chart="line", chart_columns=("move_ins", "move_outs", "applications"),
                caption=gettext_lazy("Places let at each month's end, move-ins, move-outs and new applications."),
            ),
        ),
        headlines=(
            DashboardHeadline(gettext_lazy("Housing places"), "compounds", "places"),
            DashboardHeadline(gettext_lazy("Occupancy"), "compounds", "occupancy"),
            DashboardHeadline(gettext_lazy("Applicants on the waiting list"), "compounds", "waiting"),
            DashboardHeadline(gettext_lazy("Average wait (days)"), "compounds", "average_wait"),
            DashboardHeadline(gettext_lazy("Places let"), "monthly", "let"),
        ),
    )  # fmt: skip

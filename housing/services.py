"""Every write of housing: stock, applications, rounds and their offers, tenancies and transfers.

Concurrency: a round takes a transaction-level advisory lock, so rounds run one after the other; any
service that hands out a place (a round's offer, a move-in, an accepted offer) first locks the place's
row and checks it is free; and the database refuses a second current tenancy or a second open offer for
a place whatever path the write took (the partial unique constraints in models.py).
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from housing.models import (
    MAX_CHOICES,
    MAX_HOUSEHOLD,
    AllocationRound,
    ApplicationChoice,
    Building,
    Compound,
    CurrentHousing,
    HousingApplication,
    Offer,
    Place,
    RentChange,
    Room,
    Tenancy,
    TransferChoice,
    TransferRequest,
)
from housing.priority import priority_points
from housing.selectors import (
    HousingRules,
    allocation_plan,
    application_eligibility,
    free_places,
    housing_rules,
    partnered_compound_ids,
    transfer_plan,
)
from kunshan_portal.dashboard import dashboard_refresh_soon
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_transition
from kunshan_portal.models import User
from kunshan_portal.notices import notice_send
from residents.models import FamilyMember, Resident

# pg_advisory_xact_lock key of housing rounds ("HOUS" in ASCII): one round at a time in the whole city.
ROUND_LOCK = 0x484F5553
BED_LABELS = "ABCDEFGHJKLMNPQR"  # up to 16 beds a room; I and O left out, they read as 1 and 0


class IneligibleError(DomainError):
    """An application refused for one or more reasons, all of them told to the applicant."""

    def __init__(self, reasons: Sequence[str]):
        super().__init__(" ".join(str(reason) for reason in reasons), code="ineligible")
        self.reasons = list(reasons)


def _text(message, **params):
    """A message formatted when read, so that a notice is written in its recipient's language."""
    return lazy(lambda: str(message) % {key: str(value) for key, value in params.items()}, str)()


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _is_caseworker(actor: User | None) -> bool:
    return actor is not None and actor.has_perm("housing.change_housingapplication")


def _require(actor: User | None, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise DomainError(_("You are not allowed to take this action."), code="forbidden")


def _require_self_or_caseworker(actor: User | None, resident: Resident) -> None:
    if actor is not None and actor.pk != resident.user_id and not _is_caseworker(actor):
        raise DomainError(_("You may act only on your own housing."), code="forbidden")


def _lock_place(place_id: int) -> Place:
    return Place.objects.select_for_update(of=("self",)).select_related("compound").get(pk=place_id)


# --- Stock -------------------------------------------------------------------------------------------


def _money(value, *, field: str, message) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(message, field=field) from exc
    if amount < 0 or not amount.is_finite():
        raise DomainError(message, field=field)
    return amount


@transaction.atomic
def building_get_or_create(*, compound: Compound, name: str, actor: User | None) -> Building:
    """The compound's building of that name, added if new."""
    _require(actor, "housing.add_building")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the building's name or number."), field="building")
    building, _created = Building.objects.get_or_create(compound=compound, name=name)
    return building


@transaction.atomic
def room_save(
    *, room: Room, rent, actor: User | None, kind: str | None = None, capacity: int | None = None
) -> Room:
    """Add or change a room and keep its places in step: one per bed, or one for a family unit.

    The asking rent applies to every place of the room (sitting tenants keep theirs: see
    `tenancy_rent_change`). Dormitories are rent-free. Beds can be removed, or a room's kind changed,
    only while they are neither let nor offered.
    """
    _require(actor, "housing.change_room" if room.pk else "housing.add_room")
    kind = kind or room.kind
    capacity = capacity if capacity is not None else room.capacity
    if kind not in Room.Kind.values:
        raise DomainError(_("Choose a shared room or a family unit."), field="kind")
    low, high = (1, 16) if kind == Room.Kind.SHARED else (2, MAX_HOUSEHOLD)
    if not isinstance(capacity, int) or not low <= capacity <= high:
        raise DomainError(
            _("A %(kind)s has %(low)d to %(high)d beds or persons.")
            % {"kind": Room.Kind(kind).label, "low": low, "high": high},
            field="capacity",
        )
    rent = _money(rent, field="rent", message=_("Enter the monthly rent in yuan (0 or more)."))
    compound = room.building.compound
    if compound.is_dormitory and rent:
        raise DomainError(
            _("Dormitories are rent-free: tenants pay only the utilities charge."), field="rent"
        )
    if not (room.number or "").strip():
        raise DomainError(_("Give the room's number."), field="number")
    if room.pk:
        room = (
            Room.objects.select_for_update(of=("self",)).select_related("building__compound").get(pk=room.pk)
        )
    wanted = _place_layout(kind, capacity)
    existing = {place.label: place for place in room.places.select_for_update()} if room.pk else {}
    # Places removed, or whose size changes, must be neither let nor offered.
    changing = [place.pk for label, place in existing.items() if wanted.get(label) != place.sleeps]
    if changing and _busy_places().filter(pk__in=changing).exists():
        raise DomainError(
            _("Some of these places are let or offered: they can be changed once they are free."),
            field="capacity",
        )
    room.kind, room.capacity = kind, capacity
    room.save()
    Place.objects.filter(
        pk__in=[place.pk for label, place in existing.items() if label not in wanted]
    ).delete()
    Place.objects.bulk_create(
        Place(compound=compound, room=room, label=label, sleeps=sleeps, rent=rent)
        for label, sleeps in wanted.items()
        if label not in existing
    )
    for label, sleeps in wanted.items():
        place = existing.get(label)
        if place is not None and (place.sleeps != sleeps or place.rent != rent):
            place.sleeps, place.rent = sleeps, rent
            place.save(update_fields=["sleeps", "rent"])
    return room


def _busy_places():
    """Places with a current tenancy or an open offer."""
    return Place.objects.filter(
        Exists(Tenancy.objects.filter(place=OuterRef("pk"), end_date__isnull=True))
        | Exists(Offer.objects.filter(place=OuterRef("pk"), state=Offer.State.OPEN))
    )


def _place_layout(kind: str, capacity: int) -> dict[str, int]:
    if kind == Room.Kind.FAMILY:
        return {"": capacity}
    return {BED_LABELS[i]: 1 for i in range(capacity)}


@transaction.atomic
def place_set_active(*, place: Place, active: bool, actor: User | None) -> Place:
    """Take a free place out of use (repairs) or back into use; a let or offered place stays in use."""
    _require(actor, "housing.change_place")
    place = _lock_place(place.pk)
    if not active and _busy_places().filter(pk=place.pk).exists():
        raise DomainError(_("This place is let or offered: it can be taken out of use once it is free."))
    place.active = active
    place.save(update_fields=["active"])
    return place


# --- Applications -----------------------------------------------------------------------------------


def _clean_application(*, household_size, household_income, current_housing, compounds) -> tuple:
    try:
        household_size = int(household_size)
    except (TypeError, ValueError):
        household_size = 0
    if not 1 <= household_size <= MAX_HOUSEHOLD:
        raise DomainError(
            _("Enter how many people will live in the home, you included: 1 to %(n)d.")
            % {"n": MAX_HOUSEHOLD},
            field="household_size",
        )
    income = _money(
        household_income,
        field="household_income",
        message=_("Enter your household's monthly income in yuan (0 or more)."),
    )
    if current_housing not in CurrentHousing.values:
        raise DomainError(_("Choose where you live now."), field="current_housing")
    compounds = list(compounds or [])
    if not 1 <= len(compounds) <= MAX_CHOICES:
        raise DomainError(_("Choose one to five compounds, your favourite first."), field="compounds")
    if len({compound.pk for compound in compounds}) != len(compounds):
        raise DomainError(_("Choose each compound only once."), field="compounds")
    closed = [compound for compound in compounds if not compound.accepting]
    if closed:
        raise DomainError(
            _("%(compound)s is not taking applications.") % {"compound": closed[0]}, field="compounds"
        )
    return household_size, income, current_housing, compounds


def _points(*, resident: Resident, current_housing: str, partnered: list[int], rules: HousingRules):
    children = FamilyMember.objects.filter(resident=resident, relation=FamilyMember.Relation.CHILD)
    return priority_points(
        rules.points,
        current_housing=current_housing,
        arrival_date=resident.arrival_date,
        today=timezone.localdate(),
        partner_compounds=partnered,
        children_birth_dates=list(children.values_list("birth_date", flat=True)),
    )


def _usable_partnered(employer, checks) -> list[int]:
    usable = [check.compound for check in checks if check.usable]
    partnered = partnered_compound_ids(employer, usable)
    return [compound.pk for compound in usable if compound.pk in partnered]


@transaction.atomic
def application_submit(
    *,
    resident: Resident,
    household_size: int,
    household_income: Decimal,
    current_housing: str,
    compounds: Sequence[Compound],
    actor: User | None,
) -> HousingApplication:
    """A resident joins the waiting list, if eligible, with the points the rules give them today.

    The employer is the one on the resident's profile. Choices that cannot be offered to them
    (unaffordable, no room for the household, another employer's dormitory) are kept and marked, and
    the application needs at least one that can.
    """
    resident = Resident.objects.select_for_update(of=("self",)).select_related("employer").get(pk=resident.pk)
    _require_self_or_caseworker(actor, resident)
    household_size, income, current_housing, compounds = _clean_application(
        household_size=household_size, household_income=household_income,
        current_housing=current_housing, compounds=compounds,
    )  # fmt: skip
    rules = housing_rules()
    check = application_eligibility(
        resident=resident, household_size=household_size, household_income=income, compounds=compounds,
        employer=resident.employer, rules=rules,
    )  # fmt: skip
    if not check.eligible:
        raise IneligibleError(check.reasons)
    points, breakdown = _points(
        resident=resident, current_housing=current_housing,
        partnered=_usable_partnered(resident.employer, check.choices), rules=rules,
    )  # fmt: skip
    application = HousingApplication(
        resident=resident, household_size=household_size, household_income=income,
        current_housing=current_housing, employer=resident.employer, points=points,
        points_breakdown=breakdown, points_computed_on=timezone.localdate(),
    )  # fmt: skip
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError as exc:
        raise DomainError(_("You already have a housing application on the waiting list.")) from exc
    ApplicationChoice.objects.bulk_create(
        ApplicationChoice(
            application=application,
            rank=rank,
            compound=choice.compound,
            monthly_cost=choice.monthly_cost,
            unusable=choice.unusable,
        )
        for rank, choice in enumerate(check.choices, start=1)
    )
    if resident.user_id:
        notice_send(
            recipient=resident.user,
            subject=_("Housing application received"),
            body=_(
                "You are on the housing waiting list with %(points)s points. Your rank and expected wait for each compound you chose are on the portal."
            ),
            params={"points": points},
            link=application.get_absolute_url(),
        )
    return application


@transaction.atomic
def application_points_refresh(*, application: HousingApplication, actor: User | None) -> HousingApplication:
    """Recompute a waiting application's points with today's rules and facts (years grow, children age)."""
    _require(actor, "housing.change_housingapplication")
    application = (
        HousingApplication.objects.select_for_update(of=("self",))
        .select_related("resident", "employer")
        .get(pk=application.pk)
    )
    if application.state != HousingApplication.State.WAITING:
        raise DomainError(_("Only applications on the waiting list are rescored."))
    usable = [
        choice.compound for choice in application.choices.filter(unusable="").select_related("compound")
    ]
    partnered = partnered_compound_ids(application.employer, usable)
    points, breakdown = _points(
        resident=application.resident, current_housing=application.current_housing,
        partnered=[c.pk for c in usable if c.pk in partnered], rules=housing_rules(),
    )  # fmt: skip
    application.points, application.points_breakdown = points, breakdown
    application.points_computed_on = timezone.localdate()
    application.save(update_fields=["points", "points_breakdown", "points_computed_on", "updated_at"])
    return application


def _cancel_open_offer(application: HousingApplication) -> Offer | None:
    offer = Offer.objects.select_for_update().filter(application=application, state=Offer.State.OPEN).first()
    if offer is not None:
        offer.state, offer.answered_at = Offer.State.CANCELLED, timezone.now()
        offer.save(update_fields=["state", "answered_at"])
    return offer


@transaction.atomic
def application_withdraw(*, application: HousingApplication, actor: User | None) -> HousingApplication:
    """The resident leaves the waiting list; an open offer is given back for the next round."""
    application = HousingApplication.objects.select_for_update().get(pk=application.pk)
    _cancel_open_offer(application)
    return lifecycle_transition(obj=application, transition="withdraw", actor=actor)


@transaction.atomic
def application_reject(*, application: HousingApplication, actor: User, reason: str) -> HousingApplication:
    """A caseworker takes a waiting application off the list (false statements, left the city), saying why."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason: the applicant will read it."), field="reason")
    return lifecycle_transition(
        obj=application, transition="reject", actor=actor, note=reason.strip(), decision=True
    )


def application_reactivate(*, application: HousingApplication, actor: User) -> HousingApplication:
    """A caseworker puts an inactive application back on the list, its points and date kept."""
    return lifecycle_transition(
        obj=application, transition="reactivate", actor=actor, extra_fields=("unanswered_offers",)
    )


# --- Rounds -------------------------------------------------------------------------------------------


@transaction.atomic
def round_create(*, name: str, kind: str, actor: User | None) -> AllocationRound:
    """A caseworker prepares a round to preview and then run."""
    _require(actor, "housing.run_round")
    if kind not in AllocationRound.Kind.values:
        raise DomainError(_("Choose the kind of round."), field="kind")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the round a name."), field="name")
    return AllocationRound.objects.create(name=name, kind=kind, created_by=actor)


def _take_round_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROUND_LOCK])


@transaction.atomic
def round_start(*, round: AllocationRound, actor: User | None) -> AllocationRound:
    """A caseworker confirms a previewed round: a worker runs it (a city-wide round takes minutes)."""
    _require(actor, "housing.run_round")
    round = AllocationRound.objects.select_for_update().get(pk=round.pk)
    if round.state != AllocationRound.State.DRAFT:
        raise DomainError(_("This round has run already."))
    round.state, round.run_by = AllocationRound.State.RUNNING, actor
    round.save(update_fields=["state", "run_by"])
    from housing.tasks import round_run_task

    actor_id = actor.pk if actor else None
    transaction.on_commit(lambda: round_run_task.delay(round.pk, actor_id))
    return round


@transaction.atomic
def round_run(*, round: AllocationRound, actor: User | None) -> AllocationRound:
    """Run a round once: offers to the waiting list by priority, or the tenants' transfers.

    Rounds run one at a time (an advisory lock); the plan is made inside the lock, so a round started
    while another runs sees that round's offers and never offers a place twice. Running a round that
    has run does nothing (a task delivered twice).
    """
    _require(actor, "housing.run_round")
    _take_round_lock()
    round = AllocationRound.objects.select_for_update().get(pk=round.pk)
    if round.state == AllocationRound.State.RUN:
        raise DomainError(_("This round has run already."))
    if round.kind == AllocationRound.Kind.TRANSFER:
        considered, placed, summary = _run_transfers(round, actor)
    else:
        considered, placed, summary = _run_allocation(round, actor)
    round.state, round.run_at, round.run_by = AllocationRound.State.RUN, timezone.now(), actor
    round.considered, round.placed, round.summary = considered, placed, summary
    round.save()
    dashboard_refresh_soon("housing round")  # the offers change the officials' figures
    return round


def _run_allocation(round: AllocationRound, actor: User | None) -> tuple[int, int, dict]:
    plan = allocation_plan()
    rules = housing_rules()
    deadline = timezone.now() + timedelta(days=rules.offer_deadline_days)
    wanted = plan.outcome.places
    # Lock the places to be offered (in id order, as every locker does), then keep those still free:
    # a caseworker may have let one by hand since the plan was read.
    locked = list(
        Place.objects.select_for_update()
        .filter(pk__in=wanted.values())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    still_free = set(free_places().filter(pk__in=locked).values_list("pk", flat=True))
    places = Place.objects.select_related("room__building", "compound").in_bulk(still_free)
    applications = HousingApplication.objects.select_related("resident__user").in_bulk(wanted.keys())
    made = missed = 0
    by_compound: dict[str, int] = {}
    for applicant in plan.applicants:
        place_id = wanted.get(applicant.key)
        if place_id is None:
            continue
        place = places.get(place_id)
        if place is None:
            missed += 1
            continue
        try:
            with transaction.atomic():
                utilities = rules.utilities_for(place.compound)
                Offer.objects.create(
                    round=round, application_id=applicant.key, place=place, rent=place.rent,
                    utilities=utilities, deadline=deadline,
                )  # fmt: skip
                lifecycle_transition(
                    obj=applications[applicant.key], transition="offer", actor=actor,
                    note=_text(
                        _("We offer you %(place)s for %(cost)s yuan a month. Accept or decline it on the portal by %(deadline)s."),
                        place=place, cost=place.rent + utilities, deadline=_when(deadline),
                    ),
                )  # fmt: skip
        except (IntegrityError, DomainError):
            missed += 1  # withdrawn or housed meanwhile, or the place was taken: the rest go on
            continue
        made += 1
        by_compound[str(place.compound_id)] = by_compound.get(str(place.compound_id), 0) + 1
    summary = {
        "offers_by_compound": by_compound,
        "missed": missed,
        "free_places": sum(map(len, plan.free_places.values())),
    }
    return plan.considered, made, summary


def _run_transfers(round: AllocationRound, actor: User | None) -> tuple[int, int, dict]:
    # Lock every tenancy with an open request first, so that none ends while the moves are made.
    list(
        Tenancy.objects.select_for_update()
        .filter(transfer_requests__state=TransferRequest.State.OPEN, end_date__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    plan = transfer_plan()
    if not plan.moves:
        return plan.considered, 0, {"moves": 0}
    rules = housing_rules()
    today = timezone.localdate()
    old = Tenancy.objects.select_related("resident__user").in_bulk([move.tenancy_id for move in plan.moves])
    places = Place.objects.select_related("room__building", "compound").in_bulk(
        [move.to_place for move in plan.moves]
    )
    # Everyone in a cycle leaves before anyone arrives: the places' one-current-tenancy rule holds throughout.
    for move in plan.moves:
        tenancy = old[move.tenancy_id]
        tenancy.end_date, tenancy.end_reason = today, Tenancy.EndReason.TRANSFERRED
        tenancy.save(update_fields=["end_date", "end_reason", "updated_at"])
    for move in plan.moves:
        tenancy, place = old[move.tenancy_id], places[move.to_place]
        new = Tenancy.objects.create(
            resident=tenancy.resident, place=place, application=tenancy.application, household_size=tenancy.household_size,
            start_date=today, rent=place.rent, utilities=rules.utilities_for(place.compound),
        )  # fmt: skip
        TransferRequest.objects.filter(pk=move.request_id).update(
            state=TransferRequest.State.FULFILLED,
            fulfilled_by=round,
            new_tenancy=new,
            updated_at=timezone.now(),
        )
        if tenancy.resident.user_id:
            notice_send(
                recipient=tenancy.resident.user,
                subject=_("Your transfer"),
                body=_(
                    "Your transfer request was met: from today your home is %(place)s, at %(cost)s yuan a month."
                ),
                params={"place": lazy(place.describe, str)(), "cost": new.monthly_cost},
                link=reverse("housing:home"),
            )
    return plan.considered, len(plan.moves), {"moves": len(plan.moves)}


# --- Offers -------------------------------------------------------------------------------------------


def _lock_open_offer(offer: Offer) -> Offer:
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("application__resident", "place__compound")
        .get(pk=offer.pk)
    )
    if offer.state != Offer.State.OPEN:
        raise DomainError(_("This offer is no longer open."))
    return offer


@transaction.atomic
def offer_accept(*, offer: Offer, actor: User | None) -> Tenancy:
    """The applicant takes the place offered: their tenancy begins today at the offered rent."""
    offer = _lock_open_offer(offer)
    application = offer.application
    _require_self_or_caseworker(actor, application.resident)
    if offer.deadline < timezone.now():
        raise DomainError(_("The time to answer this offer has passed."))
    _lock_place(offer.place_id)
    offer.state, offer.answered_at = Offer.State.ACCEPTED, timezone.now()
    offer.save(update_fields=["state", "answered_at"])
    tenancy = _tenancy_start(
        resident=application.resident, place_id=offer.place_id, household_size=application.household_size,
        start_date=timezone.localdate(), rent=offer.rent, utilities=offer.utilities, application=application,
        offer=offer,
    )  # fmt: skip
    lifecycle_transition(
        obj=application, transition="accept", actor=actor, extra_fields=("unanswered_offers",)
    )
    return tenancy


@transaction.atomic
def offer_decline(*, offer: Offer, actor: User | None) -> HousingApplication:
    """The applicant says no: the place goes to the next round, they keep their points and their turn."""
    offer = _lock_open_offer(offer)
    _require_self_or_caseworker(actor, offer.application.resident)
    offer.state, offer.answered_at = Offer.State.DECLINED, timezone.now()
    offer.save(update_fields=["state", "answered_at"])
    return lifecycle_transition(
        obj=offer.application, transition="decline", actor=actor, extra_fields=("unanswered_offers",)
    )


@transaction.atomic
def offer_cancel(*, offer: Offer, actor: User, reason: str) -> HousingApplication:
    """A caseworker withdraws an open offer (the place turned out unfit); the applicant keeps their turn."""
    _require(actor, "housing.change_offer")
    if not (reason or "").strip():
        raise DomainError(_("Give the reason: the applicant will read it."), field="reason")
    offer = _lock_open_offer(offer)
    offer.state, offer.answered_at = Offer.State.CANCELLED, timezone.now()
    offer.save(update_fields=["state", "answered_at"])
    return lifecycle_transition(
        obj=offer.application, transition="cancel_offer", actor=actor, note=reason.strip()
    )


@transaction.atomic
def offer_lapse(*, offer_id: int, now: datetime | None = None) -> bool:
    """An offer past its deadline lapses: the applicant goes back on the list, or becomes inactive after
    the limit of unanswered offers in a row. Returns whether it lapsed (False when answered meanwhile)."""
    now = now or timezone.now()
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("place__room__building", "place__compound", "application")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or offer.state != Offer.State.OPEN or offer.deadline >= now:
        return False
    offer.state, offer.answered_at = Offer.State.LAPSED, None
    offer.save(update_fields=["state", "answered_at"])
    limit = housing_rules().unanswered_offers_limit
    unanswered = offer.application.unanswered_offers + 1
    note = _text(
        _("The offer of %(place)s was not answered by %(deadline)s: %(n)s of %(limit)s unanswered offers in a row."),
        place=offer.place, deadline=_when(offer.deadline), n=unanswered, limit=limit,
    )  # fmt: skip
    lifecycle_transition(
        obj=offer.application, transition="deactivate" if unanswered >= limit else "lapse", actor=None,
        note=note, unanswered=unanswered, extra_fields=("unanswered_offers",),
    )  # fmt: skip
    return True


def offers_lapse_overdue(*, now: datetime | None = None) -> int:
    """Lapse every open offer past its deadline, each in its own transaction; returns how many lapsed."""
    now = now or timezone.now()
    overdue = Offer.objects.filter(state=Offer.State.OPEN, deadline__lt=now).order_by("deadline", "pk")
    return sum(offer_lapse(offer_id=pk, now=now) for pk in list(overdue.values_list("pk", flat=True)))


# --- Tenancies ----------------------------------------------------------------------------------------


def _tenancy_start(
    *, resident, place_id, household_size, start_date, rent, utilities, application=None, offer=None
) -> Tenancy:
    """Insert a current tenancy; the database's word on a second tenancy becomes the user's message."""
    tenancy = Tenancy(
        resident=resident, place_id=place_id, household_size=household_size, start_date=start_date,
        rent=rent, utilities=utilities, application=application, offer=offer,
    )  # fmt: skip
    try:
        with transaction.atomic():
            tenancy.save(force_insert=True)
    except IntegrityError as exc:
        if "housing_tenancy_one_current_per_resident" in str(exc):
            raise DomainError(_("This resident already has a current tenancy.")) from exc
        if "housing_tenancy_one_current_per_place" in str(exc):
            raise DomainError(_("This place has just been let to someone else.")) from exc
        raise
    return tenancy


@transaction.atomic
def tenancy_move_in(
    *,
    place: Place,
    resident: Resident,
    household_size: int,
    start_date: date,
    actor: User | None,
    rent: Decimal | None = None,
) -> Tenancy:
    """A caseworker lets a free place directly (a sitting tenant taken over, an emergency), not by a round."""
    _require(actor, "housing.add_tenancy")
    place = _lock_place(place.pk)
    if not place.active:
        raise DomainError(_("This place is out of use."))
    if Offer.objects.filter(place=place, state=Offer.State.OPEN).exists():
        raise DomainError(_("This place is offered to an applicant: it cannot be let until they answer."))
    if start_date > timezone.localdate():
        raise DomainError(_("The move-in day cannot be in the future."), field="start_date")
    if not (place.sleeps == 1 if household_size <= 1 else place.sleeps >= household_size):
        raise DomainError(_("This place does not fit a household of %(n)d.") % {"n": household_size})
    rules = housing_rules(start_date)
    rent = (
        place.rent
        if rent is None
        else _money(rent, field="rent", message=_("Enter the monthly rent in yuan."))
    )
    return _tenancy_start(
        resident=resident, place_id=place.pk, household_size=household_size, start_date=start_date,
        rent=rent, utilities=rules.utilities_for(place.compound),
    )  # fmt: skip


@transaction.atomic
def tenancy_rent_change(
    *, tenancy: Tenancy, rent, effective_from: date, actor: User, note: str = ""
) -> RentChange:
    """A caseworker changes a current tenancy's rent from a day on; the tenant is told."""
    _require(actor, "housing.change_tenancy")
    tenancy = (
        Tenancy.objects.select_for_update(of=("self",))
        .select_related("resident__user", "place__compound")
        .get(pk=tenancy.pk)
    )
    if not tenancy.is_current:
        raise DomainError(_("This tenancy has ended."))
    rent = _money(rent, field="rent", message=_("Enter the monthly rent in yuan (0 or more)."))
    if tenancy.place.compound.is_dormitory and rent:
        raise DomainError(
            _("Dormitories are rent-free: tenants pay only the utilities charge."), field="rent"
        )
    if effective_from < tenancy.start_date:
        raise DomainError(_("A rent change cannot apply before the tenancy began."), field="effective_from")
    if rent == tenancy.rent:
        raise DomainError(_("This is the rent already."), field="rent")
    change = RentChange.objects.create(
        tenancy=tenancy, effective_from=effective_from, old_rent=tenancy.rent, new_rent=rent,
        note=(note or "").strip()[:200], actor=actor,
    )  # fmt: skip
    tenancy.rent = rent
    tenancy.save(update_fields=["rent", "updated_at"])
    if tenancy.resident.user_id:
        notice_send(
            recipient=tenancy.resident.user,
            subject=_("Your rent changes"),
            body=_("From %(day)s your monthly rent is %(rent)s yuan (it was %(old)s yuan)."),
            params={"day": effective_from.isoformat(), "rent": rent, "old": change.old_rent},
            link=reverse("housing:home"),
        )
    return change


@transaction.atomic
def tenancy_end(*, tenancy: Tenancy, end_date: date, actor: User | None, note: str = "") -> Tenancy:
    """The tenant moves out on a day (today or before): the place is free for the next round from then."""
    tenancy = (
        Tenancy.objects.select_for_update(of=("self",)).select_related("resident__user").get(pk=tenancy.pk)
    )
    _require_self_or_caseworker(actor, tenancy.resident)
    if not tenancy.is_current:
        raise DomainError(_("This tenancy has ended already."))
    if end_date > timezone.localdate():
        raise DomainError(_("Record a move-out on the day it happens, not before."), field="end_date")
    if end_date < tenancy.start_date:
        raise DomainError(_("The move-out day cannot be before the move-in day."), field="end_date")
    tenancy.end_date, tenancy.end_reason = end_date, Tenancy.EndReason.MOVED_OUT
    tenancy.save(update_fields=["end_date", "end_reason", "updated_at"])
    TransferRequest.objects.filter(tenancy=tenancy, state=TransferRequest.State.OPEN).update(
        state=TransferRequest.State.WITHDRAWN, updated_at=timezone.now()
    )
    if tenancy.resident.user_id and actor is not None and actor.pk != tenancy.resident.user_id:
        notice_send(
            recipient=tenancy.resident.user,
            subject=_("Your tenancy has ended"),
            body=_("Your move-out on %(day)s is recorded. %(note)s"),
            params={"day": end_date.isoformat(), "note": (note or "").strip()},
            link=reverse("housing:home"),
        )
    return tenancy


# --- Transfers ------------------------------------------------------------------------------------------


@transaction.atomic
def transfer_request_submit(
    *, tenancy: Tenancy, compounds: Sequence[Compound], actor: User | None
) -> TransferRequest:
    """A sitting tenant asks to move to one of up to five compounds, by swapping in a transfer round."""
    tenancy = (
        Tenancy.objects.select_for_update(of=("self",)).select_related("resident", "place").get(pk=tenancy.pk)
    )
    _require_self_or_caseworker(actor, tenancy.resident)
    if not tenancy.is_current:
        raise DomainError(_("This tenancy has ended."))
    compounds = list(compounds or [])
    if not 1 <= len(compounds) <= MAX_CHOICES:
        raise DomainError(_("Choose one to five compounds, your favourite first."), field="compounds")
    if len({compound.pk for compound in compounds}) != len(compounds):
        raise DomainError(_("Choose each compound only once."), field="compounds")
    if any(compound.pk == tenancy.place.compound_id for compound in compounds):
        raise DomainError(_("Choose compounds other than the one you live in."), field="compounds")
    request = TransferRequest(tenancy=tenancy)
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError as exc:
        raise DomainError(_("You have asked for a transfer already.")) from exc
    TransferChoice.objects.bulk_create(
        TransferChoice(request=request, rank=rank, compound=compound)
        for rank, compound in enumerate(compounds, 1)
    )
    return request


@transaction.atomic
def transfer_request_withdraw(*, request: TransferRequest, actor: User | None) -> TransferRequest:
    """The tenant no longer wants to move."""
    request = (
        TransferRequest.objects.select_for_update(of=("self",))
        .select_related("tenancy__resident")
        .get(pk=request.pk)
    )
    _require_self_or_caseworker(actor, request.tenancy.resident)
    if request.state != TransferRequest.State.OPEN:
        raise DomainError(_("This request is no longer open."))
    request.state = TransferRequest.State.WITHDRAWN
    request.save(update_fields=["state", "updated_at"])
    return request

"""Housing: compounds and dormitories, their rooms and places, the waiting list, rounds, offers, tenancies.

A *place* is what is let: one bed of a shared room, or a whole family unit. A place is never let twice at
once: the database keeps at most one current tenancy and at most one open offer per place.
"""

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from kunshan_portal.models import LifecycleModel, TimeStampedModel
from residents.models import BilingualNamed, Employer, Resident, Town

MONEY = {"max_digits": 12, "decimal_places": 2}
MAX_CHOICES = 5
MAX_HOUSEHOLD = 12


class Setting(models.TextChoices):
    """The housing rules an administrator may change; each has an effective-dated value."""

    POINTS_TEMPORARY_SHED = "points_temporary_shed", _("points for living in a temporary shed")
    POINTS_OVERCROWDED = "points_overcrowded", _("points for living in overcrowded housing")
    POINTS_PER_YEAR = "points_per_year", _("points per full year in Kunshan")
    POINTS_YEARS_CAP = "points_years_cap", _("most points for the years in Kunshan")
    POINTS_PARTNER_EMPLOYER = (
        "points_partner_employer",
        _("points when the employer partners a chosen compound"),
    )
    POINTS_SCHOOL_AGE_CHILDREN = "points_school_age_children", _("points for school-age children")
    SCHOOL_AGE_FROM = "school_age_from", _("school age from (years)")
    SCHOOL_AGE_TO = "school_age_to", _("school age up to (years, inclusive)")
    AFFORDABILITY_CAP_PERCENT = "affordability_cap_percent", _("affordability cap (% of household income)")
    OFFER_DEADLINE_DAYS = "offer_deadline_days", _("days to answer an offer")
    UNANSWERED_OFFERS_LIMIT = "unanswered_offers_limit", _("unanswered offers in a row before inactive")
    DORMITORY_UTILITIES = "dormitory_utilities", _("dormitory utilities charge (yuan a month)")


# The documented defaults; the data migration seeds them, and they stand in for a key nobody entered.
SETTING_DEFAULTS: dict[str, Decimal] = {
    Setting.POINTS_TEMPORARY_SHED: Decimal(30),
    Setting.POINTS_OVERCROWDED: Decimal(20),
    Setting.POINTS_PER_YEAR: Decimal(2),
    Setting.POINTS_YEARS_CAP: Decimal(20),
    Setting.POINTS_PARTNER_EMPLOYER: Decimal(15),
    Setting.POINTS_SCHOOL_AGE_CHILDREN: Decimal(10),
    Setting.SCHOOL_AGE_FROM: Decimal(6),
    Setting.SCHOOL_AGE_TO: Decimal(15),
    Setting.AFFORDABILITY_CAP_PERCENT: Decimal(30),
    Setting.OFFER_DEADLINE_DAYS: Decimal(7),
    Setting.UNANSWERED_OFFERS_LIMIT: Decimal(3),
    Setting.DORMITORY_UTILITIES: Decimal("20.00"),
}


@pghistory.track()
class HousingSetting(models.Model):
    """One value of a housing rule from a date on; the latest value effective on a day applies that day."""

    key = models.CharField(_("rule"), max_length=40, choices=Setting.choices)
    value = models.DecimalField(_("value"), **MONEY)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["key", "-effective_from"]
        verbose_name = _("housing rule")
        verbose_name_plural = _("housing rules")
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="housing_setting_once_per_day"),
            models.CheckConstraint(condition=Q(value__gte=0), name="housing_setting_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.value} ({self.effective_from})"


@pghistory.track()
class Compound(BilingualNamed, TimeStampedModel):
    """A blue-collar apartment compound of the city, or one employer's dormitory."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("public blue-collar apartments")  # open to every eligible resident
        DORMITORY = "dormitory", _("employer dormitory")  # rent-free, for the owner's and partners' staff

    code = models.SlugField(_("code"), max_length=48, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PUBLIC)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("town"))
    address = models.CharField(_("address"), max_length=200)
    owner = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="dormitories",
        verbose_name=_("owner (dormitories)"),
    )  # fmt: skip
    partner_employers = models.ManyToManyField(
        Employer, blank=True, related_name="partner_compounds", verbose_name=_("partner employers")
    )
    facilities = models.TextField(_("facilities"), blank=True, help_text=_("One facility per line."))
    accepting = models.BooleanField(
        _("open for applications"), default=True, help_text=_("Closed compounds cannot be chosen.")
    )

    class Meta:
        ordering = ["town_id", "code"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="public", owner__isnull=True) | Q(kind="dormitory", owner__isnull=False),
                name="housing_compound_owner_iff_dormitory",
            ),
        ]

    def get_facilities(self) -> list[str]:
        return [line.strip() for line in self.facilities.splitlines() if line.strip()]

    @property
    def is_dormitory(self) -> bool:
        return self.kind == self.Kind.DORMITORY


class Building(models.Model):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="buildings")
    name = models.CharField(_("building"), max_length=40)

    class Meta:
        ordering = ["compound_id", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="housing_building_once")]

    def __str__(self) -> str:
        return f"{self.compound} · {self.name}"


class Room(models.Model):
    """A shared room of N beds (each bed a place) or a family unit (one place for a household)."""

    class Kind(models.TextChoices):
        SHARED = "shared", _("shared room")  # every bed is let on its own, to one person
        FAMILY = "family", _("family unit")  # let whole, to a household of up to `capacity` people

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="rooms")
    number = models.CharField(_("room"), max_length=20)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    capacity = models.PositiveSmallIntegerField(
        _("beds or persons"), help_text=_("Beds of a shared room; people a family unit houses.")
    )

    class Meta:
        ordering = ["building_id", "number"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="housing_room_once"),
            models.CheckConstraint(
                condition=Q(kind="shared", capacity__gte=1, capacity__lte=16)
                | Q(kind="family", capacity__gte=2, capacity__lte=MAX_HOUSEHOLD),
                name="housing_room_capacity_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building} · {self.number}"


class Place(models.Model):
    """What is let: one bed (sleeps 1) or one family unit (sleeps its household size)."""

    # The compound again, so that per-compound counts over a quarter of a million places need no join.
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="places")
    # db_index=False: housing_place_once (room, label) serves the room's lookups.
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="places", db_index=False)
    label = models.CharField(_("bed"), max_length=8, blank=True, help_text=_("Empty for a family unit."))
    sleeps = models.PositiveSmallIntegerField(_("sleeps"))
    rent = models.DecimalField(_("monthly rent"), **MONEY)
    active = models.BooleanField(_("in use"), default=True, help_text=_("Out of use (repairs) is never let."))

    class Meta:
        ordering = ["compound_id", "room_id", "label"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(fields=["room", "label"], name="housing_place_once"),
            models.CheckConstraint(condition=Q(rent__gte=0), name="housing_place_rent_not_negative"),
            models.CheckConstraint(condition=Q(sleeps__gte=1), name="housing_place_sleeps_someone"),
        ]
        indexes = [
            models.Index(
                fields=["compound", "sleeps"], condition=Q(active=True), name="housing_place_pool_idx"
            )
        ]

    def __str__(self) -> str:
        return self.describe()

    @property
    def is_bed(self) -> bool:
        return self.sleeps == 1 and bool(self.label)

    def describe(self) -> str:
        """Where the place is, in the current language (the caller has selected room, building, compound)."""
        room = self.room
        values = {"compound": str(self.compound), "building": room.building.name, "room": room.number}
        if self.label:
            return str(_("%(compound)s, building %(building)s, room %(room)s, bed %(bed)s")) % {
                **values,
                "bed": self.label,
            }
        return str(_("%(compound)s, building %(building)s, family unit %(room)s")) % values


class CurrentHousing(models.TextChoices):
    TEMPORARY_SHED = "shed", _("temporary shed")  # worksite shed or other temporary structure
    OVERCROWDED = "overcrowded", _("overcrowded")  # shared with more people than the home is meant for
    ADEQUATE = "adequate", _("adequate")


def is_caseworker(instance, user) -> bool:
    return user.has_perm("housing.change_housingapplication")


def may_run_rounds(instance, user) -> bool:
    return user.has_perm("housing.run_round")


def is_applicant_or_caseworker(instance, user) -> bool:
    return instance.resident.user_id == user.pk or is_caseworker(instance, user)


@pghistory.track()
class HousingApplication(LifecycleModel):
    """A resident's place on the waiting list: their household, their ranked compounds, their points."""

    class State(models.TextChoices):
        WAITING = "waiting", _("on the waiting list")  # served in the next round by priority
        OFFERED = "offered", _("offer made")  # an open offer waits for the resident's answer
        HOUSED = "housed", _("housed")  # the resident accepted an offer; a tenancy began
        INACTIVE = "inactive", _("inactive")  # too many unanswered offers in a row; a caseworker can revive
        WITHDRAWN = "withdrawn", _("withdrawn")  # the resident left the list
        REJECTED = "rejected", _("rejected")  # a caseworker took it off the list, with the reason

    OPEN_STATES = (State.WAITING, State.OFFERED)

    state = FSMField(_("state"), max_length=16, choices=State.choices, default=State.WAITING,
                     protected=True, db_index=True)  # fmt: skip
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="housing_applications", verbose_name=_("resident")
    )
    household_size = models.PositiveSmallIntegerField(_("household size"))
    household_income = models.DecimalField(_("household monthly income"), **MONEY)
    current_housing = models.CharField(_("current housing"), max_length=12, choices=CurrentHousing.choices)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("employer"),
    )  # fmt: skip
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    points_breakdown = models.JSONField(_("points breakdown"), default=list, blank=True)
    points_computed_on = models.DateField(_("points computed on"), null=True, blank=True)
    unanswered_offers = models.PositiveSmallIntegerField(_("unanswered offers in a row"), default=0)
    compounds = models.ManyToManyField(Compound, through="ApplicationChoice", related_name="+")

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("housing application")
        verbose_name_plural = _("housing applications")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(state__in=["waiting", "offered"]),
                name="housing_application_one_open_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1, household_size__lte=MAX_HOUSEHOLD),
                name="housing_application_household_size",
            ),
            models.CheckConstraint(condition=Q(household_income__gte=0), name="housing_application_income"),
        ]
        indexes = [
            # The waiting list in serving order: most points first, then the earliest submission. Whole, not
            # only the waiting rows: the caseworkers' list shows every application in that order too.
            models.Index(models.F("points").desc(), "submitted_at", "id", name="housing_queue_order_idx"),
        ]

    def __str__(self) -> str:
        return str(_("Housing application #%(n)s")) % {"n": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("housing:application-detail", args=[self.pk])

    def lifecycle_recipient(self):
        return self.resident.user

    def lifecycle_title(self):
        return _("housing application")

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @transition(field=state, source=State.WAITING, target=State.OFFERED, permission=may_run_rounds)
    def offer(self):
        pass

    @transition(field=state, source=State.OFFERED, target=State.HOUSED, permission=is_applicant_or_caseworker)
    def accept(self):
        self.unanswered_offers = 0

    @transition(
        field=state, source=State.OFFERED, target=State.WAITING, permission=is_applicant_or_caseworker
    )
    def decline(self):
        self.unanswered_offers = 0  # a decline is an answer: the run of unanswered offers starts again

    @transition(field=state, source=State.OFFERED, target=State.WAITING, permission=is_caseworker)
    def lapse(self, unanswered: int):
        self.unanswered_offers = unanswered

    @transition(field=state, source=State.OFFERED, target=State.INACTIVE, permission=is_caseworker)
    def deactivate(self, unanswered: int):
        self.unanswered_offers = unanswered

    @transition(field=state, source=State.OFFERED, target=State.WAITING, permission=is_caseworker)
    def cancel_offer(self):
        pass

    @transition(
        field=state, source=[State.WAITING, State.OFFERED, State.INACTIVE], target=State.WITHDRAWN,
        permission=is_applicant_or_caseworker,
    )  # fmt: skip
    def withdraw(self):
        pass

    @transition(field=state, source=State.INACTIVE, target=State.WAITING, permission=is_caseworker)
    def reactivate(self):
        self.unanswered_offers = 0

    @transition(field=state, source=State.WAITING, target=State.REJECTED, permission=is_caseworker)
    def reject(self):
        pass


class ApplicationChoice(models.Model):
    """One of the compounds an applicant ranked, and whether it can be offered to them."""

    class Unusable(models.TextChoices):
        NONE = "", _("can be offered")
        UNAFFORDABLE = "unaffordable", _("above the affordability cap")
        NO_FITTING_ROOM = "no_room", _("no room for this household")
        NOT_FOR_EMPLOYER = "employer", _("a dormitory of another employer")

    # db_index=False on both: housing_choice_rank_once (application, rank) and housing_choice_compound_idx
    # (compound, application) serve their lookups.
    application = models.ForeignKey(
        HousingApplication, on_delete=models.CASCADE, related_name="choices", db_index=False
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        related_name="applicant_choices",
        verbose_name=_("compound"),
        db_index=False,
    )
    # The cheapest monthly cost of a fitting place when the applicant chose it (rent plus utilities).
    monthly_cost = models.DecimalField(_("monthly cost"), null=True, blank=True, **MONEY)
    unusable = models.CharField(_("can it be offered"), max_length=12, choices=Unusable.choices, blank=True)

    class Meta:
        ordering = ["application_id", "rank"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="housing_choice_rank_once"),
            models.UniqueConstraint(fields=["application", "compound"], name="housing_choice_compound_once"),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=MAX_CHOICES), name="housing_choice_rank_range"
            ),
        ]
        indexes = [models.Index(fields=["compound", "application"], name="housing_choice_compound_idx")]

    def __str__(self) -> str:
        return f"{self.rank}. {self.compound}"

    @property
    def usable(self) -> bool:
        return not self.unusable


class AllocationRound(models.Model):
    """A round a caseworker previews and then runs: offers from the waiting list, or tenants' transfers."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("allocation from the waiting list")  # serial dictatorship → offers
        TRANSFER = "transfer", _("transfers between tenants")  # top trading cycles → moves

    class State(models.TextChoices):
        DRAFT = "draft", _("not run yet")  # may be previewed any number of times
        RUNNING = "running", _("running")  # confirmed; a worker is making its offers or moves
        RUN = "run", _("run")  # its offers were made or its moves done; it cannot run again

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ALLOCATION)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    run_at = models.DateTimeField(_("run at"), null=True, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("run by"),
    )  # fmt: skip
    considered = models.PositiveIntegerField(_("applicants or tenants considered"), default=0)
    placed = models.PositiveIntegerField(_("offers made or moves done"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        permissions = [("run_round", _("Can preview and run allocation and transfer rounds"))]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Offer(models.Model):
    """A place offered to an applicant by a round, to accept or decline before the deadline."""

    class State(models.TextChoices):
        OPEN = "open", _("waiting for an answer")  # the place is held for the applicant
        ACCEPTED = "accepted", _("accepted")  # a tenancy began
        DECLINED = "declined", _("declined")  # the applicant is back on the list, points kept
        LAPSED = "lapsed", _("lapsed unanswered")  # the deadline passed without an answer
        CANCELLED = "cancelled", _("cancelled")  # withdrawn by a caseworker or with the application

    round = models.ForeignKey(AllocationRound, on_delete=models.PROTECT, related_name="offers")
    application = models.ForeignKey(HousingApplication, on_delete=models.PROTECT, related_name="offers")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="offers", verbose_name=_("place"))
    rent = models.DecimalField(_("monthly rent"), **MONEY)
    utilities = models.DecimalField(_("monthly utilities charge"), **MONEY)
    deadline = models.DateTimeField(_("answer by"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(
                fields=["place"], condition=Q(state="open"), name="housing_offer_one_open_per_place"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state="open"),
                name="housing_offer_one_open_per_application",
            ),
        ]
        indexes = [models.Index(fields=["deadline"], condition=Q(state="open"), name="housing_offer_due_idx")]

    def __str__(self) -> str:
        return str(_("Offer #%(n)s")) % {"n": self.pk}

    @property
    def monthly_cost(self) -> Decimal:
        return self.rent + self.utilities

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


@pghistory.track()
class Tenancy(TimeStampedModel):
    """A resident's tenancy of one place, from the move-in day up to (not including) the move-out day."""

    class EndReason(models.TextChoices):
        MOVED_OUT = "moved_out", _("moved out")
        TRANSFERRED = "transferred", _("moved to another place by a transfer")

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="tenancies")
    # db_index=False: housing_tenancy_place_idx (place, start date) serves the place's lookups.
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="tenancies", verbose_name=_("place"), db_index=False
    )
    application = models.ForeignKey(
        HousingApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="tenancies"
    )
    offer = models.OneToOneField(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="tenancy"
    )
    household_size = models.PositiveSmallIntegerField(_("household size"))
    start_date = models.DateField(_("moved in on"))
    end_date = models.DateField(_("moved out on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=12, choices=EndReason.choices, blank=True)
    rent = models.DecimalField(_("monthly rent"), **MONEY)
    utilities = models.DecimalField(_("monthly utilities charge"), **MONEY)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        constraints = [
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(end_date__isnull=True),
                name="housing_tenancy_one_current_per_place",
            ),
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(end_date__isnull=True),
                name="housing_tenancy_one_current_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="housing_tenancy_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(rent__gte=0, utilities__gte=0), name="housing_tenancy_money_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["place", "start_date"], name="housing_tenancy_place_idx")]

    def __str__(self) -> str:
        return str(_("Tenancy #%(n)s")) % {"n": self.pk}

    @property
    def is_current(self) -> bool:
        return self.end_date is None

    @property
    def monthly_cost(self) -> Decimal:
        return self.rent + self.utilities


class RentChange(models.Model):
    """A change of a tenancy's rent, with the day it applies from and who made it."""

    tenancy = models.ForeignKey(Tenancy, on_delete=models.CASCADE, related_name="rent_changes")
    effective_from = models.DateField(_("effective from"))
    old_rent = models.DecimalField(_("old rent"), **MONEY)
    new_rent = models.DecimalField(_("new rent"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("rent change")
        verbose_name_plural = _("rent changes")
        constraints = [
            models.CheckConstraint(condition=Q(new_rent__gte=0), name="housing_rent_change_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.old_rent} → {self.new_rent} ({self.effective_from})"


class TransferRequest(TimeStampedModel):
    """A sitting tenant asks to move to one of up to five compounds, by swapping in a transfer round."""

    class State(models.TextChoices):
        OPEN = "open", _("open")  # considered by every transfer round until it is met or withdrawn
        FULFILLED = "fulfilled", _("moved")  # a transfer round moved the tenant
        WITHDRAWN = "withdrawn", _("withdrawn")  # by the tenant, or when the tenancy ended

    tenancy = models.ForeignKey(Tenancy, on_delete=models.CASCADE, related_name="transfer_requests")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    compounds = models.ManyToManyField(Compound, through="TransferChoice", related_name="+")
    fulfilled_by = models.ForeignKey(
        AllocationRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers"
    )
    new_tenancy = models.OneToOneField(
        Tenancy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        constraints = [
            models.UniqueConstraint(
                fields=["tenancy"], condition=Q(state="open"), name="housing_transfer_one_open_per_tenancy"
            )
        ]

    def __str__(self) -> str:
        return str(_("Transfer request #%(n)s")) % {"n": self.pk}


class TransferChoice(models.Model):
    request = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField(_("rank"))
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )

    class Meta:
        ordering = ["request_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["request", "rank"], name="housing_transfer_rank_once"),
            models.UniqueConstraint(fields=["request", "compound"], name="housing_transfer_compound_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.compound}"

"""Schools and their seats, parents' applications for their children, placement rounds, offers and
enrolments.

Seats are never over-filled: every open offer and every enrolment holds one seat in
``SchoolSeats.taken``, and the database refuses ``taken > seats`` however many people act at once.
"""

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from education.rules import AgeRule, parse_order
from kunshan_portal.models import LifecycleModel, TimeStampedModel
from residents.models import BilingualNamed, FamilyMember, Resident, Town

GRADES = [(grade, format_lazy(_("grade {n}"), n=grade)) for grade in range(1, 10)]


class SchoolYear(models.Model):
    """A school year, named by the calendar year it starts in (2026 is 2026–2027)."""

    year = models.PositiveSmallIntegerField(_("school year"), primary_key=True)
    applications_open = models.BooleanField(
        _("applications open"), default=False, help_text=_("Parents may apply for this school year.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")

    def __str__(self) -> str:
        return self.name_of(self.year)

    @staticmethod
    def name_of(year: int) -> str:
        """The school year starting in ``year`` as readers see it (also for years read without the model)."""
        return f"{year}–{year + 1}"


class PlacementPolicy(models.Model):
    """The admission defaults in force from a date on (the latest one not in the future applies)."""

    valid_from = models.DateField(_("valid from"), unique=True)
    offer_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"), default=7, help_text=_("An offer lapses at the end of this day.")
    )
    max_choices = models.PositiveSmallIntegerField(_("most schools a family may rank"), default=6)
    entry_age = models.PositiveSmallIntegerField(_("age for grade 1"), default=6)
    age_cutoff_month = models.PositiveSmallIntegerField(_("age cut-off month"), default=8)
    age_cutoff_day = models.PositiveSmallIntegerField(_("age cut-off day"), default=31)
    max_years_over = models.PositiveSmallIntegerField(
        _("years older than the grade's age still accepted"), default=2
    )
    priority_order = models.CharField(
        _("priority order"),
        max_length=80,
        default="catchment,sibling,months,lottery",
        help_text=_("The criteria in order, separated by commas; the lottery comes last."),
    )

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("placement policy")
        verbose_name_plural = _("placement policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_choices__gte=1, max_choices__lte=10), name="policy_max_choices_range"
            ),
            models.CheckConstraint(condition=Q(offer_days__gte=1), name="policy_offer_days_positive"),
            models.CheckConstraint(
                condition=Q(
                    age_cutoff_month__gte=1,
                    age_cutoff_month__lte=12,
                    age_cutoff_day__gte=1,
                    age_cutoff_day__lte=31,
                ),
                name="policy_age_cutoff_date",
            ),
        ]

    def __str__(self) -> str:
        return str(_("from %(date)s") % {"date": self.valid_from})

    def clean(self):
        try:
            parse_order(self.priority_order)
        except ValueError as exc:
            raise ValidationError({"priority_order": str(exc)}) from exc

    @property
    def age_rule(self) -> AgeRule:
        return AgeRule(
            entry_age=self.entry_age,
            cutoff_month=self.age_cutoff_month,
            cutoff_day=self.age_cutoff_day,
            max_years_over=self.max_years_over,
        )


@pghistory.track()
class School(BilingualNamed, TimeStampedModel):
    """A public school, or one of the dedicated schools for new residents' children."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("public school")
        DEDICATED = "dedicated", _("school for new residents' children")

    code = models.SlugField(_("code"), max_length=48, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="schools", verbose_name=_("town or zone (catchment)")
    )
    address = models.CharField(_("address"), max_length=200)
    first_grade = models.PositiveSmallIntegerField(_("first grade"), choices=GRADES, default=1)
    last_grade = models.PositiveSmallIntegerField(_("last grade"), choices=GRADES, default=6)
    active = models.BooleanField(_("takes applications"), default=True)

    class Meta:
        ordering = ["town_id", "kind", "code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        indexes = [models.Index(fields=["town", "kind"], name="school_town_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_grade__gte=1, last_grade__lte=9, first_grade__lte=F("last_grade")),
                name="school_grades_range",
            ),
        ]

    def offers_grade(self, grade: int) -> bool:
        return self.first_grade <= grade <= self.last_grade

    @property
    def grades_label(self) -> str:
        return str(_("grades %(first)d–%(last)d") % {"first": self.first_grade, "last": self.last_grade})


@pghistory.track()
class SchoolSeats(TimeStampedModel):
    """The seats a school has in one grade of one school year, and how many an offer or enrolment holds."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="seats", verbose_name=_("school")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="seats", verbose_name=_("school year")
    )
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADES)
    seats = models.PositiveIntegerField(_("seats for new residents' children"))
    # Open offers plus enrolments: changed only by the services, in the same transaction as the offer.
    taken = models.PositiveIntegerField(_("seats held"), default=0, editable=False)

    class Meta:
        ordering = ["school_year", "school", "grade"]
        verbose_name = _("seats")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "grade"], name="seats_once_per_grade"),
            models.CheckConstraint(condition=Q(taken__lte=F("seats")), name="seats_never_overfilled"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=9), name="seats_grade_range"),
        ]
        indexes = [models.Index(fields=["school_year", "grade"], name="seats_year_grade_idx")]

    def __str__(self) -> str:
        return f"{self.school} · {self.school_year} · {self.get_grade_display()}"

    @property
    def left(self) -> int:
        return self.seats - self.taken


class ChildLottery(models.Model):
    """The lottery number of a child: drawn once with `secrets`, kept for good, never drawn again."""

    child_id_hash = models.CharField(max_length=64, unique=True, editable=False)
    number = models.PositiveIntegerField(_("lottery number"), unique=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lottery number")
        verbose_name_plural = _("lottery numbers")

    def __str__(self) -> str:
        return str(self.number)


def is_the_parent(instance, user) -> bool:
    return instance.parent.user_id is not None and instance.parent.user_id == user.pk


def runs_rounds(instance, user) -> bool:
    return user.has_perm("education.run_round")


def answers_offer(instance, user) -> bool:
    """The parent, or a caseworker writing down the parent's answer given at a service point."""
    application = instance.application if isinstance(instance, Offer) else instance
    return is_the_parent(application, user) or user.has_perm("education.change_offer")


def nobody(instance, user) -> bool:
    """Only the system (the hourly task, acting without a user) may take this step."""
    return False


@pghistory.track()
class Application(LifecycleModel):
    """A parent asks for a school place for one of their children in one grade of one school year."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")  # waiting for its first placement round
        OFFERED = "offered", _("place offered")  # an offer is open: the parent accepts or declines it
        PLACED = "placed", _("placed")  # the parent accepted; the child is enrolled
        WAITING = "waiting", _("waiting for the next round")  # unplaced, or the offer declined or lapsed
        WITHDRAWN = "withdrawn", _("withdrawn")  # the parent withdrew it

    state = FSMField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED,
                     protected=True, db_index=True)  # fmt: skip
    parent = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="school_applications", verbose_name=_("parent")
    )
    child = models.ForeignKey(
        FamilyMember, on_delete=models.PROTECT, related_name="school_applications", verbose_name=_("child")
    )
    # The child's identity: two parents may list the same child, the database counts it once a year.
    child_id_hash = models.CharField(max_length=64, editable=False)
    school_year = models.ForeignKey(  # no index of its own: application_year_*_idx serve it
        SchoolYear,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("school year"),
        db_index=False,
    )
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADES)
    lottery = models.PositiveIntegerField(_("lottery number"), editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("school application")
        verbose_name_plural = _("school applications")
        constraints = [
            models.UniqueConstraint(
                fields=["child_id_hash", "school_year"],
                condition=~Q(state="withdrawn"),
                name="application_one_per_child_and_year",
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=9), name="application_grade_range"),
        ]
        indexes = [
            models.Index(fields=["school_year", "state"], name="application_year_state_idx"),
            models.Index(fields=["school_year", "grade"], name="application_year_grade_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.child.name} · {self.school_year} · {self.get_grade_display()}"

    def get_absolute_url(self) -> str:
        return reverse("education:application-detail", args=[self.pk])

    def lifecycle_recipient(self):
        return self.parent.user

    def lifecycle_title(self):
        return format_lazy(_("school application for {child}"), child=self.child.name)

    @transition(field=state, source=[State.SUBMITTED, State.WAITING], target=State.WITHDRAWN,
                permission=is_the_parent)  # fmt: skip
    def withdraw(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.WAITING], target=State.OFFERED,
                permission=runs_rounds)  # fmt: skip
    def offer(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.WAITING], target=State.WAITING,
                permission=runs_rounds)  # fmt: skip
    def unplace(self):
        pass

    @transition(field=state, source=State.OFFERED, target=State.PLACED, permission=answers_offer)
    def place(self):
        pass

    @transition(field=state, source=State.OFFERED, target=State.WAITING, permission=answers_offer)
    def release(self):
        pass


class ApplicationChoice(models.Model):
    """One school in a parent's ranked choice (rank 1 is the school they want most)."""

    # No index of its own: choice_rank_once and choice_school_once begin with the application.
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="choices", db_index=False
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="application_choices", verbose_name=_("school")
    )

    class Meta:
        ordering = ["application", "rank"]
        verbose_name = _("ranked school")
        verbose_name_plural = _("ranked schools")
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="choice_rank_once"),
            models.UniqueConstraint(fields=["application", "school"], name="choice_school_once"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="choice_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.school}"


class Round(LifecycleModel):
    """A placement round of one school year: frozen, previewed, run; its results are offers."""

    class State(models.TextChoices):
        OPEN = "open", _("open")  # created; applications not yet frozen
        FROZEN = "frozen", _("frozen")  # the applications and their priority facts are fixed: preview
        RUNNING = "running", _("running")  # the placement is being computed and the offers written
        DONE = "done", _("done")  # offers made; cut-offs published

    state = FSMField(_("state"), max_length=16, choices=State.choices, default=State.OPEN,
                     protected=True, db_index=True)  # fmt: skip
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("school year")
    )
    number = models.PositiveSmallIntegerField(_("round"), editable=False)
    note = models.TextField(_("note"), blank=True)
    # The policy in force when the round was frozen, kept so that the result can be re-derived.
    priority_order = models.CharField(_("priority order"), max_length=80, blank=True, editable=False)
    offer_days = models.PositiveSmallIntegerField(_("days to answer an offer"), null=True, editable=False)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    entries_count = models.PositiveIntegerField(_("applications in the round"), default=0, editable=False)
    offers_count = models.PositiveIntegerField(_("offers made"), default=0, editable=False)

    class Meta:
        ordering = ["-school_year", "-number"]
        verbose_name = _("placement round")
        verbose_name_plural = _("placement rounds")
        permissions = [("run_round", _("Can freeze and run placement rounds"))]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "number"], name="round_number_once_per_year"),
            # One round at a time per school year: a second round starts from the first one's answers.
            models.UniqueConstraint(
                fields=["school_year"], condition=~Q(state="done"), name="round_one_active_per_year"
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(year)s, round %(n)d") % {"year": self.school_year_id, "n": self.number})

    def lifecycle_title(self):
        return _("placement round")

    @transition(field=state, source=State.OPEN, target=State.FROZEN, permission=runs_rounds)
    def freeze(self, *, priority_order: str, offer_days: int, at):
        self.priority_order = priority_order
        self.offer_days = offer_days
        self.frozen_at = at

    @transition(field=state, source=State.FROZEN, target=State.OPEN, permission=runs_rounds)
    def reopen(self):
        self.frozen_at = None
        self.entries_count = 0

    @transition(field=state, source=State.FROZEN, target=State.RUNNING, permission=runs_rounds)
    def start(self):
        pass

    @transition(field=state, source=State.RUNNING, target=State.DONE, permission=nobody)
    def finish(self, *, at, offers_count: int):
        self.finished_at = at
        self.offers_count = offers_count


class RoundEntry(models.Model):
    """An application as frozen into a round: the priority facts and choices the placement used."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="round_entries")
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADES)
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="+", verbose_name=_("parent's town when frozen")
    )
    months = models.PositiveIntegerField(_("months of contributions when frozen"))
    lottery = models.PositiveIntegerField(_("lottery number"))
    sibling_school_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # School ids in the parent's order, less any school whose offer the parent declined or let lapse.
    choices = ArrayField(models.BigIntegerField(), default=list)
    notified_at = models.DateTimeField(_("family told"), null=True, blank=True)

    class Meta:
        verbose_name = _("application in a round")
        verbose_name_plural = _("applications in a round")
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="entry_once_per_round"),
        ]
        indexes = [
            models.Index(fields=["round", "notified_at"], name="entry_round_notified_idx"),
            models.Index(fields=["application"], name="entry_application_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.application_id}"


class RoundCutoff(models.Model):
    """A school's result in a round for one grade: seats, demand, and the last child it admitted."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="cutoffs")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cutoffs")
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADES)
    seats = models.PositiveIntegerField(_("seats in the round"))
    applicants = models.PositiveIntegerField(_("applicants"))
    admitted = models.PositiveIntegerField(_("admitted"))
    full = models.BooleanField(_("full"))
    # The last admitted child's facts at this school when it filled up; empty when it had seats left.
    last_catchment = models.BooleanField(_("catchment"), null=True)
    last_sibling = models.BooleanField(_("sibling"), null=True)
    last_months = models.PositiveIntegerField(_("months"), null=True)
    last_lottery = models.PositiveIntegerField(_("lottery"), null=True)

    class Meta:
        ordering = ["round", "school", "grade"]
        verbose_name = _("cut-off")
        verbose_name_plural = _("cut-offs")
        constraints = [
            models.UniqueConstraint(fields=["round", "school", "grade"], name="cutoff_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.school} · {self.grade}"


@pghistory.track()
class Offer(LifecycleModel):
    """A school place offered to a parent by a round, to accept or decline before its deadline."""

    class State(models.TextChoices):
        OPEN = "open", _("open")  # waiting for the parent's answer
        ACCEPTED = "accepted", _("accepted")  # the child is enrolled
        DECLINED = "declined", _("declined")  # the seat goes back to the next round
        LAPSED = "lapsed", _("lapsed")  # no answer by the deadline; the seat goes back

    state = FSMField(_("state"), max_length=16, choices=State.choices, default=State.OPEN,
                     protected=True, db_index=True)  # fmt: skip
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="offers", verbose_name=_("application")
    )
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="offers", verbose_name=_("round"))
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="offers", verbose_name=_("school")
    )
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADES)
    deadline = models.DateTimeField(_("answer by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("school place offer")
        verbose_name_plural = _("school place offers")
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="offer_once_per_round"),
            models.UniqueConstraint(
                fields=["application"], condition=Q(state__in=["open", "accepted"]), name="offer_one_live"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="offer_state_deadline_idx"),
            models.Index(fields=["school", "grade"], name="offer_school_grade_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.application}"

    def get_absolute_url(self) -> str:
        return reverse("education:application-detail", args=[self.application_id])

    def lifecycle_recipient(self):
        return self.application.parent.user

    def lifecycle_title(self):
        return format_lazy(_("school place offer at {school}"), school=self.school)

    @transition(field=state, source=State.OPEN, target=State.ACCEPTED, permission=answers_offer)
    def accept(self):
        pass

    @transition(field=state, source=State.OPEN, target=State.DECLINED, permission=answers_offer)
    def decline(self):
        pass

    @transition(field=state, source=State.OPEN, target=State.LAPSED, permission=nobody)
    def lapse(self):
        pass


@pghistory.track()
class Enrolment(TimeStampedModel):
    """A child enrolled at a school for a school year: from an accepted offer, or recorded by a caseworker."""

    child = models.ForeignKey(
        FamilyMember, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("child")
    )
    child_id_hash = models.CharField(max_length=64, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("school")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("school year")
    )
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADES)
    offer = models.OneToOneField(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolment",
        verbose_name=_("offer"),
    )  # fmt: skip

    class Meta:
        ordering = ["-school_year", "school", "grade"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["child_id_hash", "school_year"], name="enrolment_once_per_year"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=9), name="enrolment_grade_range"),
        ]
        indexes = [
            models.Index(fields=["school_year", "school"], name="enrolment_year_school_idx"),
            models.Index(fields=["child_id_hash"], name="enrolment_child_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.child.name} · {self.school} · {self.school_year}"

"""Jobs, applications and placements, and the matching profile of every resident looking for work."""

import functools
from datetime import datetime, timedelta

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from employment.bits import shifts_of
from kunshan_portal.models import LifecycleModel
from residents.models import BilingualNamed, CertificateType, Employer, Resident, Sector, Skill, Town


class Shift(models.TextChoices):
    DAY = "day", _("day shift")
    EVENING = "evening", _("evening shift")
    NIGHT = "night", _("night shift")
    WEEKEND = "weekend", _("weekend shift")


def shift_labels(mask: int) -> list[str]:
    """The shifts of a mask, in the order of the choices, as labels in the reader's language."""
    return list(_shift_labels(mask, get_language()))


@functools.lru_cache(maxsize=64)
def _shift_labels(mask: int, language: str | None) -> tuple[str, ...]:
    # 16 masks in 2 languages: worked out once per process instead of for every job on every page.
    codes = shifts_of(mask)
    return tuple(str(label) for value, label in Shift.choices if value in codes)


class Occupation(BilingualNamed):
    """An occupation from the city's list (electronics assembler, forklift driver …) a job is filed under."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    sector = models.CharField(_("usual sector"), max_length=16, choices=Sector.choices, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")


def acts_for_the_employer(instance, user) -> bool:
    """An account of the job's employer, or an employment caseworker."""
    job = instance if isinstance(instance, Job) else instance.job
    return (
        user.has_perm(f"employment.change_{instance._meta.model_name}")
        or job.employer.accounts.filter(pk=user.pk).exists()
    )


def is_the_applicant(instance, user) -> bool:
    return instance.resident.user_id == user.pk or user.has_perm("employment.change_application")


@pghistory.track()
class Job(LifecycleModel):
    """A job posting of an employer: what it asks, what it pays, where, and how many people it needs.

    The ``*_lo``/``*_hi`` words, the counts and ``commute_town_ids`` repeat the skills, certificates and
    commute towns as bitmasks and arrays for the matcher's SQL; the services keep them in step.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")  # being written; only the employer sees it
        OPEN = "open", _("open")  # published: residents find it, apply, and get it recommended
        FILLED = "filled", _("filled")  # every opening was filled by a hire
        CLOSED = "closed", _("closed")  # taken down by the employer or a caseworker

    state = FSMField(_("status"), max_length=16, choices=State.choices, default=State.DRAFT,
                     protected=True, db_index=True)  # fmt: skip
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("employer")
    )
    title = models.CharField(_("title"), max_length=120)
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("occupation"))
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    description = models.TextField(_("description"), blank=True)
    essential_skills = models.ManyToManyField(
        Skill, blank=True, related_name="jobs_needing", verbose_name=_("essential skills")
    )
    optional_skills = models.ManyToManyField(
        Skill, blank=True, related_name="jobs_preferring", verbose_name=_("optional skills")
    )
    required_certificates = models.ManyToManyField(
        CertificateType, blank=True, related_name="jobs_requiring", verbose_name=_("required certificates")
    )
    wage_min = models.DecimalField(_("minimum monthly wage (yuan)"), max_digits=12, decimal_places=2)
    wage_max = models.DecimalField(_("maximum monthly wage (yuan)"), max_digits=12, decimal_places=2)
    shift_mask = models.PositiveSmallIntegerField(_("shifts"), default=0)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("town"))
    commute_towns = models.ManyToManyField(
        Town, blank=True, related_name="jobs_reachable", verbose_name=_("commute towns"),
        help_text=_("Towns from which the job is reachable, e.g. by the company bus."),
    )  # fmt: skip
    openings = models.PositiveIntegerField(_("openings"))
    hired_count = models.PositiveIntegerField(_("hired"), default=0)
    dormitory = models.BooleanField(_("dormitory provided"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The matcher's copy of the lists above (bit n of word n // 64 = id n).
    essential_lo = models.BigIntegerField(default=0, editable=False)
    essential_hi = models.BigIntegerField(default=0, editable=False)
    optional_lo = models.BigIntegerField(default=0, editable=False)
    optional_hi = models.BigIntegerField(default=0, editable=False)
    certificates_lo = models.BigIntegerField(default=0, editable=False)
    certificates_hi = models.BigIntegerField(default=0, editable=False)
    essential_count = models.PositiveSmallIntegerField(default=0, editable=False)
    optional_count = models.PositiveSmallIntegerField(default=0, editable=False)
    commute_town_ids = ArrayField(models.IntegerField(), default=list, blank=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        constraints = [
            models.CheckConstraint(condition=Q(wage_min__gte=0), name="job_wage_min_not_negative"),
            models.CheckConstraint(condition=Q(wage_min__lte=F("wage_max")), name="job_wage_range_ordered"),
            models.CheckConstraint(condition=Q(openings__gte=1), name="job_at_least_one_opening"),
            models.CheckConstraint(condition=Q(hired_count__lte=F("openings")), name="job_hired_within_openings"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["employer", "state"], name="job_employer_state_idx"),
            models.Index(
                fields=["-published_at", "-id"], condition=Q(state="open"), name="job_open_newest_idx"
            ),
            # Index-only scans for a resident's recommendations: the open jobs of a town, matcher's columns.
            models.Index(
                fields=["town"],
                include=[
                    "id",
                    "commute_town_ids",
                    "certificates_lo",
                    "certificates_hi",
                    "shift_mask",
                    "wage_max",
                    "essential_lo",
                    "essential_hi",
                    "optional_lo",
                    "optional_hi",
                    "essential_count",
                    "optional_count",
                ],
                condition=Q(state="open"),
                name="job_open_town_idx",
            ),
            GinIndex(fields=["commute_town_ids"], condition=Q(state="open"), name="job_open_commute_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("employment:job-detail", args=[self.pk])

    def lifecycle_title(self):
        return format_lazy(_("job posting “{title}”"), title=self.title)

    @property
    def shifts(self) -> frozenset[str]:
        return shifts_of(self.shift_mask)

    @property
    def shift_labels(self) -> list[str]:
        return shift_labels(self.shift_mask)

    @property
    def shift_codes(self) -> list[str]:
        """The job's shift codes in the order of the choices (as the API lists them)."""
        return [code for code in Shift.values if code in self.shifts]

    @property
    def openings_left(self) -> int:
        return self.openings - self.hired_count

    @transition(field=state, source=State.DRAFT, target=State.OPEN, permission=acts_for_the_employer)
    def publish(self, published_at):
        self.published_at = published_at

    @transition(
        field=state, source=[State.DRAFT, State.OPEN], target=State.CLOSED, permission=acts_for_the_employer
    )
    def close(self):
        pass

    @transition(
        field=state, source=[State.FILLED, State.CLOSED], target=State.OPEN, permission=acts_for_the_employer
    )
    def reopen(self, published_at):
        self.published_at = published_at

    @transition(field=state, source=State.OPEN, target=State.FILLED)
    def fill(self):
        """Only the hiring service fires this, when the last opening is taken."""


@pghistory.track()
class Application(LifecycleModel):
    """A resident's application for a job, moved along by the employer and told to the resident."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")  # the resident applied; the employer has not acted yet
        SHORTLISTED = "shortlisted", _("shortlisted")  # the employer is interested
        INTERVIEW = "interview", _("invited to interview")  # a date and a place are set
        OFFERED = "offered", _("offered the job")  # the employer offers the job
        HIRED = "hired", _("hired")  # the resident took the job: a placement is counted
        REJECTED = "rejected", _("not successful")  # the employer declined, or the job closed or filled
        WITHDRAWN = "withdrawn", _("withdrawn")  # the resident withdrew, or was hired for another job

    ACTIVE_STATES = (State.SUBMITTED, State.SHORTLISTED, State.INTERVIEW, State.OFFERED)

    state = FSMField(_("status"), max_length=16, choices=State.choices, default=State.SUBMITTED,
                     protected=True, db_index=True)  # fmt: skip
    # db_index=False on both: application_job_state_idx (job, state) and application_resident_idx
    # (resident, state) serve their lookups.
    job = models.ForeignKey(
        Job, on_delete=models.PROTECT, related_name="applications", verbose_name=_("job"), db_index=False
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="job_applications",
        verbose_name=_("resident"),
        db_index=False,
    )
    note = models.TextField(_("note to the employer"), blank=True, max_length=2000)
    interview_at = models.DateTimeField(_("interview at"), null=True, blank=True)
    interview_place = models.CharField(_("interview place"), max_length=200, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("job application")
        verbose_name_plural = _("job applications")
        constraints = [
            # One application per job and resident; after withdrawing, a resident may apply again.
            models.UniqueConstraint(
                fields=["job", "resident"], condition=~Q(state="withdrawn"), name="application_once_per_job"
            ),
        ]
        indexes = [
            models.Index(fields=["resident", "state"], name="application_resident_idx"),
            models.Index(fields=["job", "state"], name="application_job_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} → {self.job_id}"

    def get_absolute_url(self) -> str:
        return reverse("employment:application-detail", args=[self.pk])

    def lifecycle_recipient(self):
        return self.resident.user

    def lifecycle_title(self):
        return format_lazy(_("application for “{title}”"), title=self.job.title)

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @transition(
        field=state, source=State.SUBMITTED, target=State.SHORTLISTED, permission=acts_for_the_employer
    )
    def shortlist(self):
        pass

    @transition(
        field=state, source=[State.SUBMITTED, State.SHORTLISTED, State.INTERVIEW], target=State.INTERVIEW,
        permission=acts_for_the_employer,
    )  # fmt: skip
    def invite(self, interview_at, interview_place):
        self.interview_at = interview_at
        self.interview_place = interview_place

    @transition(
        field=state, source=[State.SHORTLISTED, State.INTERVIEW], target=State.OFFERED,
        permission=acts_for_the_employer,
    )  # fmt: skip
    def offer(self):
        pass

    @transition(field=state, source=State.OFFERED, target=State.HIRED, permission=acts_for_the_employer)
    def hire(self):
        pass

    @transition(
        field=state, source=list(ACTIVE_STATES), target=State.REJECTED, permission=acts_for_the_employer
    )
    def reject(self):
        pass

    @transition(field=state, source=list(ACTIVE_STATES), target=State.WITHDRAWN, permission=is_the_applicant)
    def withdraw(self):
        pass


@pghistory.track()
class Placement(models.Model):
    """A resident hired through the portal: what the officials count, by month and town."""

    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="placement"
    )
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="placements", verbose_name=_("job"))
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="placements", verbose_name=_("employer")
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="placements",
        verbose_name=_("resident"),
    )  # fmt: skip
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="+", verbose_name=_("town of the job")
    )
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    hired_at = models.DateTimeField(_("hired at"))

    class Meta:
        ordering = ["-hired_at", "-id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        indexes = [models.Index(fields=["hired_at", "town"], name="placement_month_town_idx")]

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.employer_id} ({self.hired_at:%Y-%m-%d})"


class JobSeekerProfile(models.Model):
    """What a resident looks for in work, and the matcher's copy of what they hold.

    Every resident has one: database triggers (migration 0002) create it with the resident and keep
    ``town``, ``verified`` and the skill and certificate words in step with the registry however it is
    written (forms, imports, bulk loads). The preferences are the resident's, changed by a service.
    """

    resident = models.OneToOneField(
        Resident, primary_key=True, on_delete=models.CASCADE, related_name="job_seeker",
        verbose_name=_("resident"),
    )  # fmt: skip
    open_to_work = models.BooleanField(
        _("looking for work"), default=True,
        help_text=_("Employers see you among the candidates for their jobs only while this is on."),
    )  # fmt: skip
    acceptable_shift_mask = models.PositiveSmallIntegerField(_("acceptable shifts"), default=0)  # 0 = any
    wage_floor = models.DecimalField(
        _("lowest monthly wage you accept (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    willing_town_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    # Kept by the triggers from the registry; never written by Python code.
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", db_index=False)
    verified = models.BooleanField(default=False)
    skills_lo = models.BigIntegerField(default=0)
    skills_hi = models.BigIntegerField(default=0)
    certificates_lo = models.BigIntegerField(default=0)
    certificates_hi = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("job seeker profile")
        verbose_name_plural = _("job seeker profiles")
        indexes = [
            # Index-only scans for a job's candidates: one range of the index per reachable town.
            models.Index(
                fields=["town"],
                include=[
                    "resident",
                    "skills_lo",
                    "skills_hi",
                    "certificates_lo",
                    "certificates_hi",
                    "acceptable_shift_mask",
                    "wage_floor",
                ],
                condition=Q(verified=True, open_to_work=True),
                name="jobseeker_candidate_idx",
            ),
            GinIndex(
                fields=["willing_town_ids"],
                condition=Q(verified=True, open_to_work=True),
                name="jobseeker_willing_idx",
            ),
        ]

    def __str__(self) -> str:
        return str(self.resident_id)

    @property
    def acceptable_shifts(self) -> frozenset[str]:
        return shifts_of(self.acceptable_shift_mask)


# --- Recruitment fairs ---


@pghistory.track()
class Fair(models.Model):
    """A recruitment fair on one day at one venue: employers bring jobs, registered residents attend.

    ``registered_count`` counts the registrations holding a place (registered or checked in); the services
    keep it under the fair's row lock and the database refuses it above the capacity.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")  # announced: residents register, employers book interviews
        CANCELLED = "cancelled", _("cancelled")  # called off; its registrations were told
        HELD = "held", _("held")  # took place; its check-ins are its attendance

    title = models.CharField(_("title"), max_length=120)
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="fairs", verbose_name=_("town"))
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("How many residents may register."))
    registered_count = models.PositiveIntegerField(_("registered"), default=0, editable=False)
    slot_minutes = models.PositiveSmallIntegerField(
        _("interview slot length (minutes)"), default=15,
        help_text=_("Employers book interviews at the fair in slots of this length."),
    )  # fmt: skip
    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.SCHEDULED)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date", "starts_at", "id"]
        verbose_name = _("recruitment fair")
        verbose_name_plural = _("recruitment fairs")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="fair_capacity_positive"),
            models.CheckConstraint(
                condition=Q(registered_count__lte=F("capacity")), name="fair_registered_within_capacity"
            ),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="fair_starts_before_it_ends"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="fair_slot_at_least_5_minutes"),
            # One fair at a venue at a time: a repeated schedule cannot make the same fair twice.
            models.UniqueConstraint(
                fields=["date", "starts_at", "venue"], condition=~Q(state="cancelled"), name="fair_once_per_slot"
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["state", "date", "town"], name="fair_upcoming_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("employment:fair-detail", args=[self.pk])

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.registered_count, 0)

    def slot_times(self) -> list:
        """The interview slots of the fair's day (aware, Asia/Shanghai), from its start to its end."""
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.date, self.starts_at, tzinfo=zone)
        end = datetime.combine(self.date, self.ends_at, tzinfo=zone)
        step = timedelta(minutes=self.slot_minutes)
        slots = []
        while start + step <= end:
            slots.append(start)
            start += step
        return slots


class FairEmployer(models.Model):
    """An employer taking part in a fair, with the job postings it brings."""

    fair = models.ForeignKey(
        Fair, on_delete=models.CASCADE, related_name="participants", verbose_name=_("fair")
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="fair_participations", verbose_name=_("employer")
    )
    jobs = models.ManyToManyField(Job, blank=True, related_name="fairs", verbose_name=_("jobs brought"))
    booth = models.CharField(_("booth"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["fair", "booth", "id"]
        verbose_name = _("participating employer")
        verbose_name_plural = _("participating employers")
        constraints = [models.UniqueConstraint(fields=["fair", "employer"], name="fair_employer_once")]
        indexes = [models.Index(fields=["employer", "fair"], name="fair_employer_employer_idx")]

    def __str__(self) -> str:
        return f"{self.employer_id} @ {self.fair_id}"


@pghistory.track()
class FairRegistration(models.Model):
    """A resident's place at a fair, or on its waiting list, with the number they check in with."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("registered")  # holds a place
        WAITLISTED = "waitlisted", _("on the waiting list")  # the fair was full; moves up when a place frees
        CANCELLED = "cancelled", _("cancelled")  # the resident cancelled, or the fair was cancelled
        CHECKED_IN = "checked_in", _("checked in")  # came to the fair: attendance

    LIVE_STATES = (State.REGISTERED, State.WAITLISTED, State.CHECKED_IN)
    PLACE_STATES = (State.REGISTERED, State.CHECKED_IN)

    fair = models.ForeignKey(
        Fair, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("fair")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="fair_registrations", verbose_name=_("resident")
    )
    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.REGISTERED)
    # The order of joining the waiting list (never renumbered); the place shown is the rank among those waiting.
    waitlist_number = models.PositiveIntegerField(_("waiting list number"), null=True, blank=True)
    code = models.CharField(_("check-in number"), max_length=8, unique=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fair registration")
        verbose_name_plural = _("fair registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["fair", "resident"], condition=~Q(state="cancelled"), name="fair_registration_one_live"
            ),
            models.UniqueConstraint(
                fields=["fair", "waitlist_number"], condition=Q(state="waitlisted"),
                name="fair_registration_waitlist_number_once",
            ),
            models.CheckConstraint(
                condition=~Q(state="waitlisted") | Q(waitlist_number__isnull=False),
                name="fair_registration_waitlisted_numbered",
            ),
            models.CheckConstraint(
                condition=~Q(state="checked_in") | Q(checked_in_at__isnull=False),
                name="fair_registration_checked_in_when",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["fair", "state", "waitlist_number"], name="fair_registration_fair_idx"),
            models.Index(fields=["resident", "state"], name="fair_registration_resident_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.fair_id} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE_STATES


class FairInterviewSlot(models.Model):
    """An interview an employer booked at a fair for one of its applicants, in one slot of its table."""

    class State(models.TextChoices):
        BOOKED = "booked", _("booked")  # the slot is the applicant's
        CANCELLED = "cancelled", _("cancelled")  # the employer freed the slot

    participation = models.ForeignKey(
        FairEmployer, on_delete=models.CASCADE, related_name="interview_slots",
        verbose_name=_("employer at the fair"),
    )  # fmt: skip
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="fair_interviews", verbose_name=_("application")
    )
    starts_at = models.DateTimeField(_("starts at"))
    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("interview slot at a fair")
        verbose_name_plural = _("interview slots at fairs")
        constraints = [
            # No two bookings of the same slot of an employer's table.
            models.UniqueConstraint(
                fields=["participation", "starts_at"], condition=Q(state="booked"), name="fair_slot_booked_once"
            ),
            # One interview per application and fair table.
            models.UniqueConstraint(
                fields=["participation", "application"], condition=Q(state="booked"),
                name="fair_slot_one_per_application",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["application", "state"], name="fair_slot_application_idx")]

    def __str__(self) -> str:
        return f"{self.application_id} @ {self.participation_id} {self.starts_at:%H:%M}"


# --- Training programmes and subsidies ---


class TrainingProgramme(models.Model):
    """A free training programme: a course at the training centre, an employer's on-site workshop, or the
    construction safety training that construction jobs require.

    ``enrolled_count`` counts the enrolments holding a seat (enrolled, completed or failed); the services
    keep it under the programme's row lock and the database refuses it above the seats.
    """

    class Kind(models.TextChoices):
        COURSE = "course", _("course")  # at the job skills training centre
        WORKSHOP = "workshop", _("employer on-site workshop")  # held at an employer's factory
        SAFETY = "safety", _("construction safety training")  # leads to the certificate construction needs

    title = models.CharField(_("title"), max_length=160)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COURSE)
    description = models.TextField(_("description"), blank=True)
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, related_name="training_programmes", verbose_name=_("skill taught")
    )
    certificate = models.ForeignKey(
        CertificateType, null=True, blank=True, on_delete=models.PROTECT, related_name="training_programmes",
        verbose_name=_("certificate it leads to"),
    )  # fmt: skip
    provider = models.CharField(_("provider"), max_length=160)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="training_programmes",
        verbose_name=_("employer (workshops)"),
        help_text=_("The company whose factory hosts an on-site workshop."),
    )  # fmt: skip
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="training_programmes", verbose_name=_("town")
    )
    location = models.CharField(_("location"), max_length=200)
    seats = models.PositiveIntegerField(_("seats"))
    enrolled_count = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    schedule = models.CharField(
        _("schedule"),
        max_length=200,
        blank=True,
        help_text=_("When the sessions are, e.g. “Sat 9:00–12:00”."),
    )
    sessions = models.PositiveSmallIntegerField(_("sessions"), default=1)
    sessions_required = models.PositiveSmallIntegerField(
        _("sessions to attend for completion"), default=1,
        help_text=_("A trainee completes the programme after attending at least this many sessions."),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="training_seats_positive"),
            models.CheckConstraint(
                condition=Q(enrolled_count__lte=F("seats")), name="training_enrolled_within_seats"
            ),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="training_starts_before_end"),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="training_at_least_one_session"),
            models.CheckConstraint(
                condition=Q(sessions_required__gte=1, sessions_required__lte=F("sessions")),
                name="training_required_sessions_within_sessions",
            ),
            models.CheckConstraint(
                condition=~Q(kind="workshop") | Q(employer__isnull=False), name="training_workshop_has_employer"
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["skill", "starts_on"], name="training_skill_start_idx"),
            models.Index(fields=["town", "starts_on"], name="training_town_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("employment:training-detail", args=[self.pk])

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.enrolled_count, 0)


class TrainingSession(models.Model):
    """One session of a programme, on a date; attendance is marked per session."""

    programme = models.ForeignKey(TrainingProgramme, on_delete=models.CASCADE, related_name="session_list")
    number = models.PositiveSmallIntegerField(_("number"))
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=160, blank=True)

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="training_session_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} #{self.number} ({self.date})"


def is_the_trainee(instance, user) -> bool:
    return instance.resident.user_id == user.pk or user.has_perm("employment.change_enrolment")


def is_training_caseworker(instance, user) -> bool:
    return user.has_perm("employment.change_enrolment")


@pghistory.track()
class Enrolment(LifecycleModel):
    """A resident's place in a training programme, or on its waiting list."""

    class State(models.TextChoices):
        ENROLLED = "enrolled", _("enrolled")  # holds a seat
        WAITLISTED = "waitlisted", _("on the waiting list")  # moves up when an enrolled trainee withdraws
        WITHDRAWN = "withdrawn", _("withdrawn")  # the resident (or a caseworker) gave the place up
        COMPLETED = "completed", _("completed")  # attended enough sessions; the certificate is issued
        FAILED = "failed", _("not completed")  # the programme ended without completion

    HOLDING_SEAT = (State.ENROLLED, State.COMPLETED, State.FAILED)

    state = FSMField(_("status"), max_length=16, choices=State.choices, default=State.ENROLLED,
                     protected=True, db_index=True)  # fmt: skip
    programme = models.ForeignKey(
        TrainingProgramme, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("programme")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="training_enrolments", verbose_name=_("resident")
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    certificate = models.ForeignKey(
        "residents.ResidentCertificate", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="enrolments", verbose_name=_("certificate issued"),
    )  # fmt: skip

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("training enrolment")
        verbose_name_plural = _("training enrolments")
        constraints = [
            # One place per programme and resident; after withdrawing, a resident may enrol again.
            models.UniqueConstraint(
                fields=["programme", "resident"], condition=~Q(state="withdrawn"), name="enrolment_once_per_programme"
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["programme", "state", "submitted_at"], name="enrolment_programme_state_idx"),
            models.Index(fields=["resident", "state"], name="enrolment_resident_idx"),
            models.Index(fields=["enrolled_at"], name="enrolment_enrolled_at_idx"),
            models.Index(fields=["completed_at"], name="enrolment_completed_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} → {self.programme_id}"

    def get_absolute_url(self) -> str:
        return reverse("employment:training-detail", args=[self.programme_id])

    def lifecycle_recipient(self):
        return self.resident.user

    def lifecycle_title(self):
        return format_lazy(_("training “{title}”"), title=self.programme.title)

    @transition(field=state, source=[State.ENROLLED, State.WAITLISTED], target=State.WITHDRAWN,
                permission=is_the_trainee)  # fmt: skip
    def withdraw(self):
        pass

    @transition(field=state, source=State.WAITLISTED, target=State.ENROLLED)
    def promote(self, enrolled_at):
        """Only the services fire this, when a seat frees up."""
        self.enrolled_at = enrolled_at

    @transition(field=state, source=State.ENROLLED, target=State.COMPLETED, permission=is_training_caseworker)
    def complete(self, completed_at, certificate):
        self.completed_at = completed_at
        self.certificate = certificate

    @transition(field=state, source=State.ENROLLED, target=State.FAILED, permission=is_training_caseworker)
    def fail(self):
        pass


class Attendance(models.Model):
    """Whether an enrolled trainee attended one session, and who marked it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "session"], name="attendance_once_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} @ {self.session_id}: {self.present}"


class SubsidySchedule(models.Model):
    """The city's subsidy table from a date on: an amount per certificate level, and the amount above
    which a second caseworker must approve a claim. The latest schedule in force on a day applies."""

    effective_from = models.DateField(_("effective from"), unique=True)
    second_approval_above = models.DecimalField(
        _("second approval above (yuan)"), max_digits=12, decimal_places=2,
        help_text=_("Claims of a higher amount need the approval of a second, different caseworker."),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("subsidy table")
        verbose_name_plural = _("subsidy tables")
        constraints = [
            models.CheckConstraint(
                condition=Q(second_approval_above__gte=0), name="subsidy_threshold_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(format_lazy(_("Subsidies from {date}"), date=self.effective_from))


class SubsidyRate(models.Model):
    """The subsidy for a certificate of one level, in one schedule (level "none" gets nothing)."""

    schedule = models.ForeignKey(SubsidySchedule, on_delete=models.CASCADE, related_name="rates")
    level = models.CharField(
        _("certificate level"), max_length=8,
        choices=[c for c in CertificateType.Level.choices if c[0] != CertificateType.Level.NONE],
    )  # fmt: skip
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["schedule", "amount"]
        verbose_name = _("subsidy rate")
        verbose_name_plural = _("subsidy rates")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "level"], name="subsidy_rate_once_per_level"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="subsidy_rate_positive"),
            models.CheckConstraint(condition=~Q(level="none"), name="subsidy_rate_not_for_level_none"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.amount}"


def is_subsidy_caseworker(instance, user) -> bool:
    return user.has_perm("employment.change_subsidyclaim")


@pghistory.track()
class SubsidyClaim(LifecycleModel):
    """A resident's claim of the subsidy for a certificate earned through a programme.

    The amount is copied from the subsidy table when the claim is made. One claim per certificate (a
    rejected claim excepted), and the second approver is never the first: both kept by the database.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for approval")  # the resident claimed; no caseworker acted yet
        AWAITING_SECOND = "second", _("waiting for a second approval")  # above the threshold, approved once
        APPROVED = "approved", _("approved, to be paid")  # goes into the next payment file
        REJECTED = "rejected", _("rejected")  # the reason is the decision note
        EXPORTED = "exported", _("sent for payment")  # in a payment file for the finance office
        PAID = "paid", _("paid")  # the finance office paid it

    state = FSMField(_("status"), max_length=16, choices=State.choices, default=State.SUBMITTED,
                     protected=True, db_index=True)  # fmt: skip
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="subsidy_claims", verbose_name=_("resident")
    )
    certificate = models.ForeignKey(
        "residents.ResidentCertificate", on_delete=models.CASCADE, related_name="subsidy_claims",
        verbose_name=_("certificate"),
    )  # fmt: skip
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="subsidy_claims",
        verbose_name=_("programme enrolment"),
    )  # fmt: skip
    level = models.CharField(_("certificate level"), max_length=8, choices=CertificateType.Level.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    needs_second_approval = models.BooleanField(_("needs a second approval"), default=False)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("approved by"),
    )  # fmt: skip
    first_approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("second approval by"),
    )  # fmt: skip
    second_approved_at = models.DateTimeField(_("second approval at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("sent for payment at"), null=True, blank=True)
    payment_batch = models.CharField(_("payment file"), max_length=32, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        constraints = [
            # One subsidy per certificate; after a rejection the resident may claim again.
            models.UniqueConstraint(
                fields=["certificate"], condition=~Q(state="rejected"), name="subsidy_claim_once_per_certificate"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="subsidy_claim_amount_positive"),
            models.CheckConstraint(
                condition=Q(second_approved_by__isnull=True)
                | Q(first_approved_by__isnull=True)
                | ~Q(second_approved_by=F("first_approved_by")),
                name="subsidy_claim_second_approver_differs",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["resident", "state"], name="subsidy_claim_resident_idx"),
            models.Index(fields=["paid_at"], name="subsidy_claim_paid_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.resident_id}: {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("employment:training-certificates")

    def lifecycle_recipient(self):
        return self.resident.user

    def lifecycle_title(self):
        return _("subsidy claim")

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED, permission=is_subsidy_caseworker)
    def approve(self, by, at):
        self.first_approved_by, self.first_approved_at = by, at

    @transition(field=state, source=State.SUBMITTED, target=State.AWAITING_SECOND,
                permission=is_subsidy_caseworker)  # fmt: skip
    def approve_first(self, by, at):
        self.first_approved_by, self.first_approved_at = by, at

    @transition(field=state, source=State.AWAITING_SECOND, target=State.APPROVED,
                permission=is_subsidy_caseworker)  # fmt: skip
    def approve_second(self, by, at):
        self.second_approved_by, self.second_approved_at = by, at

    @transition(field=state, source=[State.SUBMITTED, State.AWAITING_SECOND], target=State.REJECTED,
                permission=is_subsidy_caseworker)  # fmt: skip
    def reject(self):
        pass

    @transition(field=state, source=State.APPROVED, target=State.EXPORTED)
    def export(self, at, batch):
        self.exported_at, self.payment_batch = at, batch

    @transition(field=state, source=State.EXPORTED, target=State.PAID, permission=is_subsidy_caseworker)
    def pay(self, at):
        self.paid_at = at

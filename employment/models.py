"""Jobs, applications and placements, and the matching profile of every resident looking for work."""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import format_lazy
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
    codes = shifts_of(mask)
    return [str(label) for value, label in Shift.choices if value in codes]


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
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="applications", verbose_name=_("job"))
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="job_applications", verbose_name=_("resident")
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

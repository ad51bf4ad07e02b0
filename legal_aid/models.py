"""Legal aid and rights: stations and their staff, cases and complaints, hearings, time limits, documents."""

import uuid
from pathlib import PurePath

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from kunshan_portal.models import LifecycleModel, TimeStampedModel
from residents.models import BilingualNamed, Employer, Resident, Town


class Station(BilingualNamed, TimeStampedModel):
    """A legal-aid service station (top of the tree) or one of its sub-stations (``parent`` set)."""

    class Kind(models.TextChoices):
        TOWN = "town", _("town or zone station")  # serves the residents who live in its town or zone
        INSTITUTION = "institution", _("station at an institution")  # in a court, union, arbitration …
        SUB = "sub", _("sub-station")  # a community or industrial-park point under a station

    code = models.SlugField(_("code"), max_length=48, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TOWN)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, verbose_name=_("town or zone"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_stations",
        verbose_name=_("station it belongs to"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        ordering = ["parent_id", "id"]
        verbose_name = _("legal-aid station")
        verbose_name_plural = _("legal-aid stations")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="station_not_own_parent"),
            models.CheckConstraint(
                condition=Q(kind="sub", parent__isnull=False) | (~Q(kind="sub") & Q(parent__isnull=True)),
                name="station_sub_has_parent",
            ),
        ]


@pghistory.track()
class StationStaff(TimeStampedModel):
    """A person working at a station: caseworkers examine and assign, lawyers and mediators take cases."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("caseworker")  # sees and works every case of the station's tree
        LAWYER = "lawyer", _("lawyer")  # sees the cases assigned to them
        MEDIATOR = "mediator", _("mediator")  # sees the cases assigned to them

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="legal_aid_posts",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    is_head = models.BooleanField(
        _("head of the station"), default=False, help_text=_("Receives the daily overdue-case alerts.")
    )

    class Meta:
        ordering = ["station_id", "-is_head", "role", "id"]
        verbose_name = _("station staff member")
        verbose_name_plural = _("station staff")
        constraints = [
            models.UniqueConstraint(fields=["station", "user"], name="station_staff_once"),
            models.UniqueConstraint(fields=["station"], condition=Q(is_head=True), name="station_one_head"),
        ]
        indexes = [models.Index(fields=["user", "role"], name="station_staff_user_idx")]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name} · {self.get_role_display()} · {self.station}"


@pghistory.track()
class DeadlineRule(TimeStampedModel):
    """How many working days a step may take, from a date on (effective-dated: old cases keep old rules)."""

    class Step(models.TextChoices):
        EXAMINATION = "examination", _("examination decision after submission")

    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    effective_from = models.DateField(_("effective from"))

    class Meta:
        ordering = ["step", "-effective_from"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(fields=["step", "effective_from"], name="deadline_rule_once"),
            models.CheckConstraint(condition=Q(working_days__gte=1), name="deadline_rule_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.working_days} ({self.effective_from})"


@pghistory.track()
class CalendarDay(TimeStampedModel):
    """A correction to the working calendar of the ``holidays`` package: this day is (not) a working day."""

    class Kind(models.TextChoices):
        WORKING = "working", _("working day (e.g. a weekend day moved to work)")
        DAY_OFF = "day_off", _("day off (e.g. a holiday the package lacks)")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar correction")
        verbose_name_plural = _("calendar corrections")

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


# Who may fire which transition: the permission of the role, and the case within the person's reach.
def in_station_scope(instance, user) -> bool:
    from legal_aid.selectors import station_scope

    scope = station_scope(user)
    return scope is None or instance.station_id in scope


def can_examine(instance, user) -> bool:
    return user.has_perm("legal_aid.examine_case") and in_station_scope(instance, user)


def can_assign(instance, user) -> bool:
    return user.has_perm("legal_aid.assign_case") and in_station_scope(instance, user)


def can_conduct(instance, user) -> bool:
    return user.has_perm("legal_aid.conduct_case") and (
        instance.assignee_id == user.pk or in_station_scope(instance, user)
    )


def is_applicant(instance, user) -> bool:
    return instance.applicant.user_id is not None and instance.applicant.user_id == user.pk


def is_aid(instance) -> bool:
    return instance.kind == Case.Kind.AID


def is_complaint(instance) -> bool:
    return instance.kind == Case.Kind.COMPLAINT


@pghistory.track()
class Case(LifecycleModel):
    """A request for legal aid, or a complaint against an employer, from its filing to its outcome."""

    class Kind(models.TextChoices):
        AID = "aid", _("legal aid")  # representation by a lawyer or a mediator
        COMPLAINT = "complaint", _("complaint")  # against an employer: examined, forwarded, resolved

    class Category(models.TextChoices):
        UNPAID_WAGES = "unpaid_wages", _("unpaid wages")
        LABOUR_CONTRACT = "labour_contract", _("labour contract")
        WORK_INJURY = "work_injury", _("work injury")
        SOCIAL_INSURANCE = "social_insurance", _("social insurance")
        DISCRIMINATION = "discrimination", _("discrimination")
        OTHER = "other", _("other")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")  # filed, waiting for examination
        EXAMINED = "examined", _("examined")  # facts and (if needed) means checked; decision pending
        ACCEPTED = "accepted", _("accepted")  # legal aid granted, waiting for a lawyer or mediator
        REFUSED = "refused", _("refused")  # legal aid refused; the reason is the decision note
        ASSIGNED = "assigned", _("assigned")  # a lawyer or mediator has the case
        MEDIATION = "mediation", _("in mediation")
        ARBITRATION = "arbitration", _("in labour arbitration")
        LITIGATION = "litigation", _("in court")
        FORWARDED = "forwarded", _("forwarded")  # complaint passed to the labour inspectorate
        CLOSED = "closed", _("closed")  # ended with an outcome

    class MeansTest(models.TextChoices):
        NOT_REQUIRED = "not_required", _("not required")  # wage and work-injury claims, complaints
        PENDING = "pending", _("to be done at examination")
        PASSED = "passed", _("passed")
        FAILED = "failed", _("not passed")

    class Outcome(models.TextChoices):
        SETTLED = "settled", _("settled")
        AWARD = "award", _("arbitration award")
        JUDGMENT = "judgment", _("court judgment")
        WITHDRAWN = "withdrawn", _("withdrawn")
        RESOLVED = "resolved", _("resolved by the employer")  # complaints
        UNFOUNDED = "unfounded", _("not founded")  # complaints

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        WALK_IN = "walk_in", _("at a station")

    # Categories whose form asks for an amount; wage and work-injury claims also skip the means test.
    CLAIMS_WITH_AMOUNT = frozenset({Category.UNPAID_WAGES, Category.WORK_INJURY, Category.SOCIAL_INSURANCE})
    NO_MEANS_TEST = frozenset({Category.UNPAID_WAGES, Category.WORK_INJURY})
    AWAITING_DECISION = (State.SUBMITTED, State.EXAMINED)
    PROCEEDINGS = (State.ASSIGNED, State.MEDIATION, State.ARBITRATION, State.LITIGATION)
    ENDED = (State.REFUSED, State.CLOSED)

    state = FSMField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.SUBMITTED,
        protected=True,
        db_index=False,  # case_state_due_idx (state, examination_due) serves lookups by state
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.AID)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    # The foreign keys below without an index of their own: the composite indexes of Meta serve them.
    applicant = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        related_name="legal_aid_cases",
        verbose_name=_("applicant"),
        db_index=False,
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="cases", verbose_name=_("station"), db_index=False
    )
    respondent_employer = models.ForeignKey(
        Employer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_aid_cases",
        verbose_name=_("respondent employer"),
    )
    respondent_name = models.CharField(_("respondent (when not registered)"), max_length=200, blank=True)
    amount_claimed = models.DecimalField(
        _("amount claimed (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    facts = models.TextField(_("account of the facts"))
    channel = models.CharField(_("filed"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("filed by"),
    )
    means_test = models.CharField(_("means test"), max_length=12, choices=MeansTest.choices)
    examination_due = models.DateField(_("examination decision due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_aid_cases_assigned",
        verbose_name=_("lawyer or mediator"),
        db_index=False,
    )
    assignee_role = models.CharField(
        _("assigned as"), max_length=12, choices=StationStaff.Role.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    amount_recovered = models.DecimalField(
        _("amount recovered (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("legal-aid case")
        verbose_name_plural = _("legal-aid cases")
        permissions = [
            ("examine_case", _("Can examine, accept, refuse and forward cases")),
            ("assign_case", _("Can assign cases to lawyers and mediators")),
            ("conduct_case", _("Can move a case through its proceedings and close it")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_claimed__isnull=True) | Q(amount_claimed__gte=0),
                name="case_claim_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_recovered__isnull=True) | Q(amount_recovered__gte=0),
                name="case_recovered_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(outcome=""), name="case_closed_has_outcome"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["assigned", "mediation", "arbitration", "litigation"])
                | Q(assignee__isnull=False),
                name="case_proceedings_have_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(kind="complaint")
                | Q(respondent_employer__isnull=False)
                | ~Q(respondent_name=""),
                name="case_complaint_has_respondent",
            ),
        ]
        indexes = [
            models.Index(fields=["station", "state"], name="case_station_state_idx"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state_idx"),
            models.Index(fields=["state", "examination_due"], name="case_state_due_idx"),
            models.Index(fields=["applicant", "-submitted_at"], name="case_applicant_idx"),
            models.Index(fields=["submitted_at"], name="case_submitted_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("legal_aid:case-detail", args=[self.pk])

    def lifecycle_recipient(self):
        return self.applicant.user

    def lifecycle_title(self):
        kind = _("complaint") if self.kind == self.Kind.COMPLAINT else _("legal-aid case")
        return format_lazy("{} {}", kind, self.reference)

    @property
    def respondent(self) -> str:
        return self.respondent_employer.name if self.respondent_employer_id else self.respondent_name

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None

    # --- the life of a legal-aid case and of a complaint (fired only by lifecycle_transition) ---
    @transition(field=state, source=State.SUBMITTED, target=State.EXAMINED, permission=can_examine)
    def examine(self, means_test: str | None = None):
        if means_test:
            self.means_test = means_test

    @transition(
        field=state, source=State.EXAMINED, target=State.ACCEPTED, conditions=[is_aid], permission=can_examine
    )
    def accept(self):
        pass

    @transition(
        field=state, source=State.EXAMINED, target=State.REFUSED, conditions=[is_aid], permission=can_examine
    )
    def refuse(self):
        pass

    @transition(
        field=state, source=State.ACCEPTED, target=State.ASSIGNED, conditions=[is_aid], permission=can_assign
    )
    def assign(self, assignee, role: str):
        self.assignee, self.assignee_role = assignee, role

    @transition(field=state, source=list(PROCEEDINGS), target=None, permission=can_assign)
    def reassign(self, assignee, role: str):
        self.assignee, self.assignee_role = assignee, role

    @transition(field=state, source=State.ASSIGNED, target=State.MEDIATION, permission=can_conduct)
    def mediate(self):
        pass

    @transition(
        field=state,
        source=[State.ASSIGNED, State.MEDIATION],
        target=State.ARBITRATION,
        permission=can_conduct,
    )
    def arbitrate(self):
        pass

    @transition(
        field=state,
        source=[State.ASSIGNED, State.MEDIATION, State.ARBITRATION],
        target=State.LITIGATION,
        permission=can_conduct,
    )
    def litigate(self):
        pass

    @transition(
        field=state,
        source=list(PROCEEDINGS),
        target=State.CLOSED,
        conditions=[is_aid],
        permission=can_conduct,
    )
    def close(self, outcome: str, amount_recovered, closed_at):
        self.outcome, self.amount_recovered, self.closed_at = outcome, amount_recovered, closed_at

    @transition(
        field=state,
        source=State.EXAMINED,
        target=State.FORWARDED,
        conditions=[is_complaint],
        permission=can_examine,
    )
    def forward(self):
        pass

    @transition(
        field=state,
        source=[State.EXAMINED, State.FORWARDED],
        target=State.CLOSED,
        conditions=[is_complaint],
        permission=can_examine,
    )
    def resolve(self, outcome: str, closed_at):
        self.outcome, self.closed_at = outcome, closed_at

    @transition(
        field=state,
        source=[State.SUBMITTED, State.EXAMINED, State.ACCEPTED, State.FORWARDED, *PROCEEDINGS],
        target=State.CLOSED,
        permission=is_applicant,
    )
    def withdraw(self, closed_at):
        self.outcome, self.closed_at = self.Outcome.WITHDRAWN, closed_at


def _document_path(instance, filename: str) -> str:
    # A random name: the uploader's file name is kept in the row, never in the path.
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"legal_aid/cases/{instance.case_id}/{uuid.uuid4().hex}{suffix}"


@pghistory.track(exclude=["file"])
class CaseDocument(TimeStampedModel):
    """A paper attached to a case (PDF, JPEG or PNG, checked by content), kept outside the web root."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=_document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("legal_aid:document-download", args=[self.case_id, self.pk])


@pghistory.track()
class Hearing(TimeStampedModel):
    """A mediation session, arbitration hearing or court hearing of a case."""

    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("mediation session")
        ARBITRATION = "arbitration", _("arbitration hearing")
        COURT = "court", _("court hearing")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        indexes = [models.Index(fields=["case", "starts_at"], name="hearing_case_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


@pghistory.track()
class TimeLimit(TimeStampedModel):
    """A statutory time limit of a case (e.g. one year to apply for arbitration); met or still open."""

    class Kind(models.TextChoices):
        ARBITRATION_APPLICATION = "arbitration_application", _("apply for labour arbitration (1 year)")
        ARBITRATION_AWARD = "arbitration_award", _("arbitration award due (45 days, extendable by 15)")
        COURT_FILING = "court_filing", _("sue after the award (15 days)")
        APPEAL = "appeal", _("appeal a judgment (15 days)")
        INJURY_RECOGNITION = "injury_recognition", _("apply for work-injury recognition (1 year)")
        OTHER = "other", _("other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="time_limits")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    met_on = models.DateField(_("met on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("statutory time limit")
        verbose_name_plural = _("statutory time limits")
        indexes = [
            models.Index(fields=["due_on"], condition=Q(met_on__isnull=True), name="time_limit_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.due_on}"


class OverdueAlert(models.Model):
    """The day's alert to a station's head about its overdue cases: one per station and working day."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="overdue_alerts")
    day = models.DateField(_("day"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cases = models.PositiveIntegerField(_("overdue cases"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "station_id"]
        verbose_name = _("overdue alert")
        verbose_name_plural = _("overdue alerts")
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="overdue_alert_once_a_day")]

    def __str__(self) -> str:
        return f"{self.station} {self.day}"

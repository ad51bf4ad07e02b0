"""Every write of legal aid: filing, the life of a case, documents, hearings, time limits, overdue alerts."""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_transition
from kunshan_portal.models import StateTransition, User
from kunshan_portal.notices import notice_send
from legal_aid.models import (
    Case,
    CaseDocument,
    DeadlineRule,
    Hearing,
    OverdueAlert,
    Station,
    StationStaff,
    TimeLimit,
    can_conduct,
)
from legal_aid.selectors import (
    LOCAL,
    assignable_staff,
    case_is_overdue,
    case_visible_to,
    deadline_working_days,
    default_station_for,
    overdue_cases,
    station_heads,
    station_scope,
    work_calendar,
)
from legal_aid.workdays import add_working_days
from residents.models import Employer, Resident

logger = logging.getLogger(__name__)

FACTS_MAX = 5000
MAX_DOCUMENTS_PER_CASE = 30
# What a document may be, recognised by its first bytes (never by its name or the browser's word).
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
FORBIDDEN = _("You are not allowed to take this action.")


def max_document_bytes() -> int:
    return getattr(settings, "LEGAL_AID_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)


def detect_document_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG or PNG recognised by its first bytes; None otherwise."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            if content_type == "image/png" and head[12:16] != b"IHDR":
                return None
            return content_type, extension
    return None


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("applicant", "station").get(pk=case.pk)


def _money(value, *, field: str, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("Enter the amount in yuan."), field=field)
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("Enter the amount in yuan, e.g. 8500 or 8500.50."), field=field) from exc
    if amount < 0 or amount >= Decimal("10000000000"):
        raise DomainError(_("Enter an amount between 0 and 9,999,999,999.99 yuan."), field=field)
    return amount


def _next_reference(kind: str, year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('legal_aid_case_reference_seq')")
        (number,) = cursor.fetchone()
    prefix = "LA" if kind == Case.Kind.AID else "CP"
    return f"{prefix}{year}-{number:06d}"


def examination_due(*, submitted_on: date) -> date:
    """The day by which the examination decision is due: the rule's working days after submission."""
    days = deadline_working_days(step=DeadlineRule.Step.EXAMINATION, on=submitted_on)
    calendar = work_calendar(years=range(submitted_on.year, submitted_on.year + 2))
    return add_working_days(submitted_on, days, calendar)


# --- filing ----------------------------------------------------------------------------------
@transaction.atomic
def case_file(
    *,
    applicant: Resident,
    kind: str,
    category: str,
    facts: str,
    actor: User,
    station: Station | None = None,
    respondent_employer: Employer | None = None,
    respondent_name: str = "",
    amount_claimed=None,
    documents: Iterable[UploadedFile] = (),
) -> Case:
    """A resident asks for legal aid or complains about an employer, online or at a station; the
    examination decision falls due the deadline table's working days later."""
    if actor.pk is not None and actor.pk == applicant.user_id:
        channel = Case.Channel.ONLINE
    elif actor.has_perm("legal_aid.add_case"):
        channel = Case.Channel.WALK_IN
    else:
        raise DomainError(FORBIDDEN, code="forbidden")
    if kind not in Case.Kind.values:
        raise DomainError(_("Choose legal aid or a complaint."), field="kind")
    if category not in Case.Category.values:
        raise DomainError(_("Choose what the case is about."), field="category")
    facts = (facts or "").strip()
    if not facts:
        raise DomainError(_("Tell us what happened: who, what, when and where."), field="facts")
    if len(facts) > FACTS_MAX:
        raise DomainError(
            _("Keep the account under %(n)d characters; attach longer papers as documents.")
            % {"n": FACTS_MAX},
            field="facts",
        )
    needs_amount = category in Case.CLAIMS_WITH_AMOUNT
    amount = _money(amount_claimed, field="amount_claimed", required=needs_amount) if needs_amount else None
    if needs_amount and amount == 0:
        raise DomainError(_("Enter the amount you claim, more than 0 yuan."), field="amount_claimed")
    respondent_name = "" if respondent_employer else (respondent_name or "").strip()[:200]
    respondent_needed = kind == Case.Kind.COMPLAINT or category != Case.Category.OTHER
    if respondent_needed and respondent_employer is None and not respondent_name:
        raise DomainError(
            _("Name the employer (or the person) the case is against."), field="respondent_name"
        )
    station = station or default_station_for(resident=applicant)
    if station is None or not station.is_active:
        raise DomainError(_("Choose the station that should handle the case."), field="station")
    if channel == Case.Channel.WALK_IN:
        scope = station_scope(actor)
        if scope is not None and station.pk not in scope:
            raise DomainError(_("You can take in cases only at your own stations."), field="station")
    today = timezone.localdate()
    no_means_test = kind == Case.Kind.COMPLAINT or category in Case.NO_MEANS_TEST
    case = Case.objects.create(
        reference=_next_reference(kind, today.year),
        kind=kind,
        category=category,
        applicant=applicant,
        station=station,
        respondent_employer=respondent_employer,
        respondent_name=respondent_name,
        amount_claimed=amount,
        facts=facts,
        channel=channel,
        filed_by=actor,
        means_test=Case.MeansTest.NOT_REQUIRED if no_means_test else Case.MeansTest.PENDING,
        examination_due=examination_due(submitted_on=today),
    )
    stored: list[CaseDocument] = []
    try:
        for upload in documents:
            stored.append(_document_store(case=case, upload=upload, actor=actor))
    except DomainError:
        for document in stored:  # the filing rolls back: leave no orphan files behind
            document.file.delete(save=False)
        raise
    StateTransition.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
        transition="file",
        from_state="",
        to_state=case.state,
        actor=actor,
        note="" if channel == Case.Channel.ONLINE else str(_("Taken in at the station.")),
    )
    if applicant.user is not None:
        notice_send(
            recipient=applicant.user,
            subject=_("%(title)s received"),
            body=_("We received your %(title)s. The station will decide on it by %(due)s."),
            params={"title": case.lifecycle_title(), "due": case.examination_due.isoformat()},
            link=case.get_absolute_url(),
        )
    return case


# --- the life of a case ----------------------------------------------------------------------
def _move(case: Case, transition: str, *, actor, note="", internal=False, decision=False, extra=(), **kwargs):
    return lifecycle_transition(
        obj=case,
        transition=transition,
        actor=actor,
        note=(note or "").strip(),
        internal=internal,
        decision=decision,
        extra_fields=tuple(extra),
        **kwargs,
    )


def _overdue_refresh(case: Case) -> None:
    """Lift the overdue flag once nothing on the case is late any more (the next alert leaves it out)."""
    if case.overdue_since is not None and not case_is_overdue(case=case, today=timezone.localdate()):
        Case.objects.filter(pk=case.pk).update(overdue_since=None)


@transaction.atomic
def case_examine(
    *, case: Case, actor: User, note: str = "", internal: bool = False, means_test_passed: bool | None = None
) -> Case:
    """A caseworker examines the file; cases other than wage and work-injury claims need the means test."""
    locked = _lock(case)
    means = None
    if locked.state == Case.State.SUBMITTED and locked.means_test == Case.MeansTest.PENDING:
        if means_test_passed is None:
            raise DomainError(_("Record whether the applicant passed the means test."), field="means_test")
        means = Case.MeansTest.PASSED if means_test_passed else Case.MeansTest.FAILED
    return _move(
        locked, "examine", actor=actor, note=note, internal=internal, extra=("means_test",), means_test=means
    )


@transaction.atomic
def case_accept(*, case: Case, actor: User, note: str = "", internal: bool = False) -> Case:
    """Legal aid is granted to an examined case whose applicant passed (or needs no) means test."""
    locked = _lock(case)
    if locked.means_test == Case.MeansTest.FAILED:
        raise DomainError(
            _("The applicant did not pass the means test: refuse the case and give the reason.")
        )
    moved = _move(locked, "accept", actor=actor, note=note, internal=internal, decision=True)
    _overdue_refresh(moved)
    return moved


@transaction.atomic
def case_refuse(*, case: Case, actor: User, reason: str) -> Case:
    """Legal aid is refused, always with the reason, which the applicant reads."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the refusal: the applicant will read it."), field="reason")
    moved = _move(_lock(case), "refuse", actor=actor, note=reason, decision=True)
    _overdue_refresh(moved)
    return moved


def _check_assignee(case: Case, staff: StationStaff) -> None:
    if not assignable_staff(case=case).filter(pk=staff.pk).exists():
        raise DomainError(
            _("Choose a lawyer or mediator of this station or of its sub-stations."), field="staff"
        )


def _tell_assignee(case: Case, staff: StationStaff) -> None:
    notice_send(
        recipient=staff.user,
        subject=_("Case %(reference)s assigned to you"),
        body=_("The %(title)s at %(station)s is now yours as %(role)s."),
        params={
            "reference": case.reference,
            "title": case.lifecycle_title(),
            "station": case.station,
            "role": staff.get_role_display(),
        },
        link=reverse("admin:legal_aid_case_change", args=[case.pk]),
    )


@transaction.atomic
def case_assign(
    *, case: Case, staff: StationStaff, actor: User, note: str = "", internal: bool = False
) -> Case:
    """An accepted case goes to a lawyer or mediator of its station's tree, who is told of it."""
    locked = _lock(case)
    _check_assignee(locked, staff)
    moved = _move(
        locked,
        "assign",
        actor=actor,
        note=note,
        internal=internal,
        extra=("assignee", "assignee_role"),
        assignee=staff.user,
        role=staff.role,
    )
    _tell_assignee(moved, staff)
    return moved


@transaction.atomic
def case_reassign(
    *, case: Case, staff: StationStaff, actor: User, note: str = "", internal: bool = False
) -> Case:
    """A case in proceedings passes to another lawyer or mediator (the step is kept in the timeline)."""
    locked = _lock(case)
    _check_assignee(locked, staff)
    if locked.assignee_id == staff.user_id:
        raise DomainError(_("The case is already assigned to this person."), field="staff")
    moved = _move(
        locked,
        "reassign",
        actor=actor,
        note=note,
        internal=internal,
        extra=("assignee", "assignee_role"),
        assignee=staff.user,
        role=staff.role,
    )
    _tell_assignee(moved, staff)
    return moved


STAGES = {
    Case.State.MEDIATION: "mediate",
    Case.State.ARBITRATION: "arbitrate",
    Case.State.LITIGATION: "litigate",
}


@transaction.atomic
def case_proceed(*, case: Case, stage: str, actor: User, note: str = "", internal: bool = False) -> Case:
    """The case moves to mediation, labour arbitration or court."""
    if stage not in STAGES:
        raise DomainError(_("Choose mediation, arbitration or litigation."), field="stage")
    return _move(_lock(case), STAGES[stage], actor=actor, note=note, internal=internal)


AID_OUTCOMES = (Case.Outcome.SETTLED, Case.Outcome.AWARD, Case.Outcome.JUDGMENT, Case.Outcome.WITHDRAWN)
COMPLAINT_OUTCOMES = (Case.Outcome.RESOLVED, Case.Outcome.UNFOUNDED)


@transaction.atomic
def case_close(
    *, case: Case, outcome: str, actor: User, amount_recovered=None, note: str = "", internal: bool = False
) -> Case:
    """A legal-aid case ends: settled, an award, a judgment or withdrawn, with the amount recovered."""
    locked = _lock(case)
    if outcome not in AID_OUTCOMES:
        raise DomainError(_("Choose how the case ended."), field="outcome")
    if outcome == Case.Outcome.AWARD and locked.state != Case.State.ARBITRATION:
        raise DomainError(_("Only a case in arbitration ends with an award."), field="outcome")
    if outcome == Case.Outcome.JUDGMENT and locked.state != Case.State.LITIGATION:
        raise DomainError(_("Only a case in court ends with a judgment."), field="outcome")
    amount = _money(
        amount_recovered,
        field="amount_recovered",
        required=locked.amount_claimed is not None and outcome != Case.Outcome.WITHDRAWN,
    )
    if amount is None and outcome != Case.Outcome.WITHDRAWN:
        amount = Decimal("0.00")
    moved = _move(
        locked,
        "close",
        actor=actor,
        note=note,
        internal=internal,
        extra=("outcome", "amount_recovered", "closed_at"),
        outcome=outcome,
        amount_recovered=amount,
        closed_at=timezone.now(),
    )
    _overdue_refresh(moved)
    return moved


@transaction.atomic
def case_forward(*, case: Case, actor: User, note: str) -> Case:
    """A complaint goes to the body that acts on it (e.g. the labour inspectorate): the examination decision."""
    if not (note or "").strip():
        raise DomainError(_("Say to whom the complaint goes and why."), field="note")
    moved = _move(_lock(case), "forward", actor=actor, note=note, decision=True)
    _overdue_refresh(moved)
    return moved


@transaction.atomic
def case_resolve(*, case: Case, outcome: str, actor: User, note: str = "", internal: bool = False) -> Case:
    """A complaint ends: put right by the employer, or found without ground (with the reason)."""
    locked = _lock(case)
    if outcome not in COMPLAINT_OUTCOMES:
        raise DomainError(_("Choose how the complaint ended."), field="outcome")
    if outcome == Case.Outcome.UNFOUNDED and not (note or "").strip():
        raise DomainError(
            _("Say why the complaint is not founded: the applicant will read it."), field="note"
        )
    moved = _move(
        locked,
        "resolve",
        actor=actor,
        note=note,
        internal=internal and outcome != Case.Outcome.UNFOUNDED,
        decision=locked.decided_at is None,
        extra=("outcome", "closed_at"),
        outcome=outcome,
        closed_at=timezone.now(),
    )
    _overdue_refresh(moved)
    return moved


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, note: str = "") -> Case:
    """The applicant withdraws their own case at any time before it ends."""
    locked = _lock(case)
    moved = _move(
        locked, "withdraw", actor=actor, note=note, extra=("outcome", "closed_at"), closed_at=timezone.now()
    )
    _overdue_refresh(moved)
    if moved.assignee_id:
        notice_send(
            recipient=moved.assignee,
            subject=_("Case %(reference)s withdrawn"),
            body=_("The applicant withdrew the %(title)s."),
            params={"reference": moved.reference, "title": moved.lifecycle_title()},
            link=reverse("admin:legal_aid_case_change", args=[moved.pk]),
        )
    return moved


# --- documents -------------------------------------------------------------------------------
def _document_store(*, case: Case, upload: UploadedFile, actor: User, description: str = "") -> CaseDocument:
    size = upload.size or 0
    if size == 0:
        raise DomainError(_("The file is empty."), field="file")
    if size > max_document_bytes():
        raise DomainError(
            _("The file is too large: at most %(mb)d MB.") % {"mb": max_document_bytes() // (1024 * 1024)},
            field="file",
        )
    upload.seek(0)
    detected = detect_document_type(upload.read(16))
    if detected is None:
        raise DomainError(_("Only PDF, JPEG or PNG files can be attached."), field="file")
    content_type, extension = detected
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = CaseDocument(
        case=case,
        original_name=PurePath(upload.name or "document").name[:200],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        description=(description or "").strip()[:200],
        uploaded_by=actor,
    )
    document.file.save(f"document{extension}", upload, save=False)
    document.save()
    return document


@transaction.atomic
def document_add(*, case: Case, upload: UploadedFile, actor: User, description: str = "") -> CaseDocument:
    """Attach a PDF, JPEG or PNG (checked by its content, size-limited) to a case the actor may see."""
    locked = _lock(case)
    if not case_visible_to(case=locked, user=actor):
        raise DomainError(FORBIDDEN, code="forbidden")
    if locked.state in Case.ENDED and locked.applicant.user_id == actor.pk:
        raise DomainError(_("This case has ended; ask the station if you have new papers."))
    if locked.documents.count() >= MAX_DOCUMENTS_PER_CASE:
        raise DomainError(
            _("A case takes at most %(n)d documents; combine pages into one PDF.")
            % {"n": MAX_DOCUMENTS_PER_CASE},
            field="file",
        )
    return _document_store(case=locked, upload=upload, actor=actor, description=description)


# --- hearings and statutory time limits ------------------------------------------------------
def _check_conduct(case: Case, actor: User) -> None:
    if not can_conduct(case, actor):
        raise DomainError(FORBIDDEN, code="forbidden")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment, LOCAL).strftime("%Y-%m-%d %H:%M")


def _tell_applicant_of_hearing(hearing: Hearing, *, changed: bool) -> None:
    case = hearing.case
    if case.applicant.user is None:
        return
    if hearing.cancelled:
        subject, body = _("Hearing cancelled: %(title)s"), _("The %(kind)s of %(when)s is cancelled.")
    elif changed:
        subject, body = _("Hearing moved: %(title)s"), _("The %(kind)s is now on %(when)s at %(place)s.")
    else:
        subject, body = _("Hearing set: %(title)s"), _("A %(kind)s is set for %(when)s at %(place)s.")
    notice_send(
        recipient=case.applicant.user,
        subject=subject,
        body=body,
        params={
            "title": case.lifecycle_title(),
            "kind": hearing.get_kind_display(),
            "when": _when(hearing.starts_at),
            "place": hearing.place,
        },
        link=case.get_absolute_url(),
    )


def _hearing_values(starts_at, place: str) -> tuple[datetime, str]:
    if starts_at is None:
        raise DomainError(_("Enter the date and time of the hearing."), field="starts_at")
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at, LOCAL)
    place = (place or "").strip()
    if not place:
        raise DomainError(_("Enter where the hearing takes place."), field="place")
    return starts_at, place


@transaction.atomic
def hearing_schedule(
    *, case: Case, kind: str, starts_at: datetime, place: str, actor: User, note: str = ""
) -> Hearing:
    """Record a hearing of a case in proceedings; the applicant is told when and where."""
    locked = _lock(case)
    _check_conduct(locked, actor)
    if locked.state not in Case.PROCEEDINGS:
        raise DomainError(_("Hearings are recorded for cases with a lawyer or mediator."))
    if kind not in Hearing.Kind.values:
        raise DomainError(_("Choose the kind of hearing."), field="kind")
    starts_at, place = _hearing_values(starts_at, place)
    hearing = Hearing.objects.create(
        case=locked, kind=kind, starts_at=starts_at, place=place, note=(note or "").strip(), recorded_by=actor
    )
    _tell_applicant_of_hearing(hearing, changed=False)
    return hearing


@transaction.atomic
def hearing_update(
    *, hearing: Hearing, actor: User, starts_at: datetime, place: str, note: str = "", cancelled: bool = False
) -> Hearing:
    """Move or cancel a hearing; the applicant is told when the date, the place or its status changes."""
    hearing = Hearing.objects.select_for_update().select_related("case__applicant").get(pk=hearing.pk)
    _check_conduct(hearing.case, actor)
    starts_at, place = _hearing_values(starts_at, place)
    changed = (starts_at, place, cancelled) != (hearing.starts_at, hearing.place, hearing.cancelled)
    hearing.starts_at, hearing.place, hearing.cancelled = starts_at, place, cancelled
    hearing.note = (note or "").strip()
    hearing.save(update_fields=["starts_at", "place", "note", "cancelled", "updated_at"])
    if changed:
        _tell_applicant_of_hearing(hearing, changed=True)
    return hearing


@transaction.atomic
def time_limit_record(*, case: Case, kind: str, due_on: date, actor: User, note: str = "") -> TimeLimit:
    """Record a statutory time limit of a case; past its day and unmet, it makes the case overdue."""
    locked = _lock(case)
    _check_conduct(locked, actor)
    if locked.state in Case.ENDED:
        raise DomainError(_("This case has ended."))
    if kind not in TimeLimit.Kind.values:
        raise DomainError(_("Choose the kind of time limit."), field="kind")
    if due_on is None:
        raise DomainError(_("Enter the day the time limit runs out."), field="due_on")
    return TimeLimit.objects.create(
        case=locked, kind=kind, due_on=due_on, note=(note or "").strip(), recorded_by=actor
    )


@transaction.atomic
def time_limit_update(
    *, time_limit: TimeLimit, actor: User, due_on: date, note: str = "", met_on: date | None = None
) -> TimeLimit:
    """Correct a time limit or record the day it was met (which lifts the overdue flag it caused)."""
    time_limit = TimeLimit.objects.select_for_update().select_related("case").get(pk=time_limit.pk)
    _check_conduct(time_limit.case, actor)
    if due_on is None:
        raise DomainError(_("Enter the day the time limit runs out."), field="due_on")
    if met_on is not None and met_on > timezone.localdate():
        raise DomainError(_("The day it was met cannot be in the future."), field="met_on")
    time_limit.due_on, time_limit.note, time_limit.met_on = due_on, (note or "").strip(), met_on
    time_limit.save(update_fields=["due_on", "note", "met_on", "updated_at"])
    _overdue_refresh(time_limit.case)
    return time_limit


# --- overdue cases ---------------------------------------------------------------------------
@transaction.atomic
def cases_flag_overdue(*, today: date | None = None) -> dict:
    """On a working day, flag the cases past a deadline, lift the flags of those acted on, and tell each
    station's head of its overdue cases: once a day however often it runs, every working day until done."""
    today = today or timezone.localdate()
    if not work_calendar(years=[today.year]).is_working_day(today):
        return {"working_day": False, "flagged": 0, "cleared": 0, "alerts": 0}
    overdue_ids = overdue_cases(today=today).values("pk")
    flagged = Case.objects.filter(pk__in=overdue_ids, overdue_since__isnull=True).update(overdue_since=today)
    cleared = (
        Case.objects.filter(overdue_since__isnull=False)
        .exclude(pk__in=overdue_ids)
        .update(overdue_since=None)
    )
    by_station: dict[int, list[str]] = defaultdict(list)
    for station_id, reference in (
        Case.objects.filter(overdue_since__isnull=False)
        .order_by("overdue_since", "examination_due", "id")
        .values_list("station_id", "reference")
    ):
        by_station[station_id].append(reference)
    parents = dict(Station.objects.values_list("id", "parent_id"))
    heads = station_heads()
    to_head: dict[int, tuple[StationStaff | None, list[str]]] = {}
    for station_id, references in by_station.items():
        answering = station_id  # the nearest station up the tree with a head
        while answering is not None and answering not in heads:
            answering = parents.get(answering)
        head = heads.get(answering)
        key = head.station_id if head else station_id
        to_head.setdefault(key, (head, []))[1].extend(references)
    # one alert per station and day: the database decides which are new, however many runs race
    new = _alerts_insert(
        today, {key: (head.user_id if head else None, len(refs)) for key, (head, refs) in to_head.items()}
    )
    for station_id, (head, references) in to_head.items():
        if station_id not in new:
            continue  # already told today
        if head is None:
            logger.warning(
                "legal aid: %d overdue case(s) at station %s, which has no head", len(references), station_id
            )
            continue
        shown = ", ".join(references[:10]) + ("…" if len(references) > 10 else "")
        notice_send(
            recipient=head.user,
            subject=_("%(n)d overdue legal-aid case(s) at %(station)s"),
            body=_("These cases are past a deadline and wait for a decision or an action: %(cases)s."),
            params={"n": len(references), "station": head.station, "cases": shown},
            link=reverse("admin:legal_aid_case_changelist") + "?overdue=yes",
        )
    return {"working_day": True, "flagged": flagged, "cleared": cleared, "alerts": len(new)}


def _alerts_insert(day: date, alerts: dict[int, tuple[int | None, int]]) -> set[int]:
    """Insert the day's alerts that do not exist yet; returns the stations whose alert is new."""
    if not alerts:
        return set()
    rows = [(station_id, day, recipient_id, count) for station_id, (recipient_id, count) in alerts.items()]
    placeholders = ", ".join(["(%s, %s, %s, %s, now())"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {OverdueAlert._meta.db_table} (station_id, day, recipient_id, cases, created_at) "  # noqa: S608
            f"VALUES {placeholders} ON CONFLICT (station_id, day) DO NOTHING RETURNING station_id",
            [value for row in rows for value in row],
        )
        return {station_id for (station_id,) in cursor.fetchall()}

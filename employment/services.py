"""Every write of the employment app: job postings, applications, hiring, and job seekers' preferences.

Lock order, kept by every service that takes more than one lock: the job, then the resident, then
applications. Two hirings of the same resident, or a hiring and a closing, therefore wait for each other
instead of deadlocking.
"""

import calendar
import secrets
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from employment.bits import MAX_ID, shift_mask, to_words
from employment.models import (
    Application,
    Attendance,
    Enrolment,
    Fair,
    FairEmployer,
    FairInterviewSlot,
    FairRegistration,
    Job,
    JobSeekerProfile,
    Occupation,
    Placement,
    Shift,
    SubsidyClaim,
    TrainingProgramme,
    TrainingSession,
)
from employment.selectors import subsidy_schedule_in_force
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_actor_check, lifecycle_transition
from kunshan_portal.models import User
from kunshan_portal.notices import notice_send
from residents.models import CertificateType, Employer, Resident, ResidentCertificate, Sector, Town
from residents.services import resident_certificate_award, resident_update_profile

SAFETY_CERTIFICATE = "construction-safety"
MAX_OPENINGS = 10_000
MAX_NOTE = 2000
JOB_FIELDS = (
    "title", "occupation", "sector", "description", "essential_skills", "optional_skills",
    "required_certificates", "wage_min", "wage_max", "shifts", "town", "commute_towns", "openings",
    "dormitory",
)  # fmt: skip


# --- Who may act -------------------------------------------------------------------------------------


def acts_for(user: User, employer: Employer) -> bool:
    """The user is one of the employer's accounts."""
    return bool(user and user.is_authenticated) and employer.accounts.filter(pk=user.pk).exists()


def _require_employer_account(actor: User, employer: Employer, permission: str) -> None:
    if not (acts_for(actor, employer) or actor.has_perm(permission)):
        raise DomainError(_("You may act only for your own company's jobs."), code="forbidden")


def _require_resident_account(actor: User, resident: Resident, permission: str) -> None:
    if not (actor.pk == resident.user_id or actor.has_perm(permission)):
        raise DomainError(_("You may act only for yourself."), code="forbidden")


# --- Job postings ------------------------------------------------------------------------------------


def _money(value, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(_("Enter an amount in yuan, e.g. 5200."), field=field) from exc
    if amount < 0 or amount >= Decimal("1e10"):
        raise DomainError(_("Enter an amount in yuan, e.g. 5200."), field=field)
    return amount


def _ids(objects: Iterable, *, field: str) -> list[int]:
    ids = sorted({obj.pk for obj in objects})
    if any(i > MAX_ID for i in ids):
        raise DomainError(
            _("This entry cannot be matched yet (its number is above %(max)d); ask an administrator.")
            % {"max": MAX_ID},
            field=field,
        )
    return ids


def _job_values(values: dict, *, employer: Employer) -> dict:
    """Check a job posting's details and return them cleaned, with the certificates the rules add."""
    cleaned = dict(values)
    title = (cleaned.get("title") or "").strip()
    if not title:
        raise DomainError(_("Give the job a title."), field="title")
    cleaned["title"] = title[:120]
    if not isinstance(cleaned.get("occupation"), Occupation):
        raise DomainError(_("Choose an occupation from the list."), field="occupation")
    sector = cleaned.get("sector") or employer.sector
    if sector not in Sector.values:
        raise DomainError(_("Choose a sector."), field="sector")
    cleaned["sector"] = sector
    if not isinstance(cleaned.get("town"), Town):
        raise DomainError(_("Choose the town where the job is."), field="town")
    wage_min = _money(cleaned.get("wage_min"), field="wage_min")
    wage_max = _money(cleaned.get("wage_max"), field="wage_max")
    if wage_min > wage_max:
        raise DomainError(_("The maximum wage cannot be below the minimum wage."), field="wage_max")
    cleaned["wage_min"], cleaned["wage_max"] = wage_min, wage_max
    try:
        openings = int(cleaned.get("openings"))
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Enter how many people the job needs."), field="openings") from exc
    if not 1 <= openings <= MAX_OPENINGS:
        raise DomainError(
            _("A job needs between 1 and %(max)d people.") % {"max": MAX_OPENINGS}, field="openings"
        )
    cleaned["openings"] = openings
    shifts = set(cleaned.get("shifts") or ())
    if not shifts <= set(Shift.values):
        raise DomainError(_("Choose shifts from the list."), field="shifts")
    cleaned["shifts"] = shifts
    essential = list(cleaned.get("essential_skills") or [])
    optional = list(cleaned.get("optional_skills") or [])
    both = sorted({s.pk for s in essential} & {s.pk for s in optional})
    if both:
        names = ", ".join(str(s) for s in essential if s.pk in both)
        raise DomainError(
            _("A skill is either essential or optional, not both: %(skills)s.") % {"skills": names},
            field="optional_skills",
        )
    cleaned["essential_skills"], cleaned["optional_skills"] = essential, optional
    certificates = {c.pk: c for c in cleaned.get("required_certificates") or []}
    if sector == Sector.CONSTRUCTION:
        # Construction jobs always require the safety certificate, whatever the form said.
        safety = CertificateType.objects.filter(code=SAFETY_CERTIFICATE).first()
        if safety is None:
            raise DomainError(_("The construction safety certificate is missing from the certificate list."))
        certificates[safety.pk] = safety
    cleaned["required_certificates"] = list(certificates.values())
    cleaned["commute_towns"] = [t for t in cleaned.get("commute_towns") or [] if t.pk != cleaned["town"].pk]
    cleaned["dormitory"] = bool(cleaned.get("dormitory"))
    cleaned["description"] = (cleaned.get("description") or "").strip()
    return cleaned


def _job_write(job: Job, cleaned: dict) -> Job:
    """Save the cleaned details, the lists, and the matcher's copy of the lists."""
    essential = _ids(cleaned["essential_skills"], field="essential_skills")
    optional = _ids(cleaned["optional_skills"], field="optional_skills")
    certificates = _ids(cleaned["required_certificates"], field="required_certificates")
    for name in ("title", "occupation", "sector", "description", "wage_min", "wage_max", "town", "openings",
                 "dormitory"):  # fmt: skip
        setattr(job, name, cleaned[name])
    job.shift_mask = shift_mask(cleaned["shifts"])
    job.essential_lo, job.essential_hi = to_words(essential)
    job.optional_lo, job.optional_hi = to_words(optional)
    job.certificates_lo, job.certificates_hi = to_words(certificates)
    job.essential_count, job.optional_count = len(essential), len(optional)
    job.commute_town_ids = sorted({t.pk for t in cleaned["commute_towns"]})
    job.save()
    job.essential_skills.set(essential)
    job.optional_skills.set(optional)
    job.required_certificates.set(certificates)
    job.commute_towns.set(job.commute_town_ids)
    return job


@transaction.atomic
def job_create(*, employer: Employer, actor: User, **values) -> Job:
    """An employer drafts a job posting; construction jobs always require the safety certificate."""
    _require_employer_account(actor, employer, "employment.add_job")
    unknown = set(values) - set(JOB_FIELDS)
    if unknown:
        raise DomainError(_("Unknown details: %(f)s") % {"f": ", ".join(sorted(unknown))})
    cleaned = _job_values(values, employer=employer)
    return _job_write(Job(employer=employer, created_by=actor), cleaned)


@transaction.atomic
def job_update(*, job: Job, actor: User, **changes) -> Job:
    """The employer changes a posting that is not closed; the openings never go below those hired."""
    job = Job.objects.select_for_update(of=("self",)).select_related("employer").get(pk=job.pk)
    _require_employer_account(actor, job.employer, "employment.change_job")
    if job.state == Job.State.CLOSED:
        raise DomainError(_("This job posting is closed: reopen it before changing it."))
    unknown = set(changes) - set(JOB_FIELDS)
    if unknown:
        raise DomainError(_("Unknown details: %(f)s") % {"f": ", ".join(sorted(unknown))})
    current = {
        "title": job.title, "occupation": job.occupation, "sector": job.sector,
        "description": job.description, "essential_skills": list(job.essential_skills.all()),
        "optional_skills": list(job.optional_skills.all()),
        "required_certificates": list(job.required_certificates.all()), "wage_min": job.wage_min,
        "wage_max": job.wage_max, "shifts": job.shifts, "town": job.town,
        "commute_towns": list(job.commute_towns.all()), "openings": job.openings, "dormitory": job.dormitory,
    }  # fmt: skip
    cleaned = _job_values({**current, **changes}, employer=job.employer)
    if cleaned["openings"] < job.hired_count:
        raise DomainError(
            _("%(n)d people are hired already: the openings cannot be fewer.") % {"n": job.hired_count},
            field="openings",
        )
    return _job_write(job, cleaned)


def job_publish(*, job: Job, actor: User) -> Job:
    """The employer publishes a draft: residents find it, apply, and get it recommended."""
    return lifecycle_transition(
        obj=job,
        transition="publish",
        actor=actor,
        published_at=timezone.now(),
        extra_fields=("published_at",),
    )


@transaction.atomic
def job_close(*, job: Job, actor: User, note: str = "") -> Job:
    """The employer (or a caseworker) takes a posting down; its applications in progress end, each
    applicant told why."""
    job = lifecycle_transition(obj=job, transition="close", actor=actor, note=(note or "").strip())
    _end_applications_of_job(
        job,
        _("The employer closed the job posting “%(title)s”, so your application has ended. "
          "Other jobs that fit you are on your employment page."),
    )  # fmt: skip
    return job


@transaction.atomic
def job_reopen(*, job: Job, actor: User) -> Job:
    """A closed or filled posting is published again, when it has openings left."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.state == Job.State.FILLED and locked.openings_left <= 0:
        raise DomainError(_("Every opening is filled: raise the number of openings first."), field="openings")
    return lifecycle_transition(
        obj=locked, transition="reopen", actor=actor, published_at=timezone.now(),
        extra_fields=("published_at",),
    )  # fmt: skip


def _in_language_of(user: User | None, text) -> str:
    with translation.override(getattr(user, "language", None) or "zh-hans"):
        return str(text)


def _end_applications_of_job(job: Job, message) -> None:
    """Reject the job's applications in progress (the system's step), telling each applicant politely."""
    ending = (
        Application.objects.select_for_update(of=("self",))
        .filter(job=job, state__in=Application.ACTIVE_STATES)
        .select_related("resident__user")
        .order_by("pk")
    )
    for application in ending:
        user = application.resident.user
        params = {"title": job.title}
        lifecycle_transition(
            obj=application, transition="reject", actor=None, decision=True, notify=False,
            note=_in_language_of(user, message) % params,
        )  # fmt: skip
        if user is not None:
            notice_send(
                recipient=user,
                subject=_("Application ended: %(title)s"),
                body=message,
                params=params,
                link=application.get_absolute_url(),
            )


# --- Applications ------------------------------------------------------------------------------------


@transaction.atomic
def application_submit(*, job: Job, resident: Resident, actor: User, note: str = "") -> Application:
    """A resident applies for an open job with an optional note; a job refuses an applicant without the
    certificates it requires (construction: the safety certificate), saying which."""
    _require_resident_account(actor, resident, "employment.add_application")
    job = Job.objects.select_for_update(of=("self",)).select_related("employer").get(pk=job.pk)
    if job.state != Job.State.OPEN:
        raise DomainError(_("This job is not open for applications."))
    resident = Resident.objects.select_for_update(of=("self",)).select_related("user").get(pk=resident.pk)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_("Keep the note under %(n)d characters.") % {"n": MAX_NOTE}, field="note")
    required = set(job.required_certificates.all())
    held = set(resident.certificates.values_list("certificate_type_id", flat=True))
    missing = sorted((c for c in required if c.pk not in held), key=lambda c: c.code)
    if missing:
        names = ", ".join(str(c) for c in missing)
        if job.sector == Sector.CONSTRUCTION and any(c.code == SAFETY_CERTIFICATE for c in missing):
            message = _(
                "Construction jobs require the construction safety certificate, and this job requires: "
                "%(certificates)s. You do not hold it yet, so the application cannot be sent. "
                "Free training leads to the certificate."
            )
        else:
            message = _(
                "This job requires certificates you do not hold: %(certificates)s. "
                "The application cannot be sent without them."
            )
        raise DomainError(message % {"certificates": names}, field="certificates", code="certificate_missing")
    if (
        Application.objects.filter(job=job, resident=resident)
        .exclude(state=Application.State.WITHDRAWN)
        .exists()
    ):
        raise DomainError(_("You have applied for this job already."))
    try:
        with transaction.atomic():
            application = Application.objects.create(job=job, resident=resident, note=note)
    except IntegrityError as exc:  # a second request of the same resident, at the same moment
        raise DomainError(_("You have applied for this job already.")) from exc
    if resident.user is not None:
        notice_send(
            recipient=resident.user,
            subject=_("Application sent: %(title)s"),
            body=_(
                "Your application for “%(title)s” at %(employer)s was sent. You will be told of every step."
            ),
            params={"title": job.title, "employer": job.employer.name},
            link=application.get_absolute_url(),
        )
    for account in job.employer.accounts.filter(is_active=True):
        notice_send(
            recipient=account,
            subject=_("New application: %(title)s"),
            body=_("%(name)s applied for “%(title)s”."),
            params={"title": job.title, "name": resident.name},
            link=reverse("employment:employer-application", args=[application.pk]),
        )
    return application


def application_withdraw(*, application: Application, actor: User, note: str = "") -> Application:
    """The resident withdraws an application in progress."""
    return lifecycle_transition(
        obj=application, transition="withdraw", actor=actor, note=(note or "").strip()
    )


def application_shortlist(*, application: Application, actor: User, note: str = "") -> Application:
    """The employer shortlists an applicant."""
    return lifecycle_transition(
        obj=application, transition="shortlist", actor=actor, note=(note or "").strip()
    )


@transaction.atomic
def application_invite(
    *, application: Application, actor: User, interview_at: datetime, place: str, note: str = ""
) -> Application:
    """The employer invites the applicant to an interview at a date and place (again, to move it)."""
    lifecycle_actor_check(obj=application, transition="invite", actor=actor)
    place = (place or "").strip()
    if interview_at is None:
        raise DomainError(_("Give the date and time of the interview."), field="interview_at")
    if timezone.is_naive(interview_at):
        interview_at = timezone.make_aware(interview_at)
    if interview_at <= timezone.now():
        raise DomainError(_("The interview must be in the future."), field="interview_at")
    if not place:
        raise DomainError(_("Say where the interview takes place."), field="interview_place")
    invited = lifecycle_transition(
        obj=application, transition="invite", actor=actor, note=(note or "").strip(), notify=False,
        interview_at=interview_at, interview_place=place[:200], extra_fields=("interview_at", "interview_place"),
    )  # fmt: skip
    user = invited.resident.user
    if user is not None:
        when = timezone.localtime(interview_at)
        notice_send(
            recipient=user,
            subject=_("Interview: %(title)s"),
            body=_("You are invited to an interview for “%(title)s” on %(when)s at %(place)s.%(note)s"),
            params={
                "title": invited.job.title,
                "when": date_format(when, "Y-m-d H:i"),
                "place": place,
                "note": f" {note.strip()}" if (note or "").strip() else "",
            },
            link=invited.get_absolute_url(),
        )
    return invited


def application_offer(*, application: Application, actor: User, note: str = "") -> Application:
    """The employer offers the job to the applicant."""
    return lifecycle_transition(obj=application, transition="offer", actor=actor, note=(note or "").strip())


def application_reject(*, application: Application, actor: User, note: str = "") -> Application:
    """The employer declines an applicant (a note, if given, is shown to them)."""
    return lifecycle_transition(
        obj=application, transition="reject", actor=actor, note=(note or "").strip(), decision=True
    )


@transaction.atomic
def application_hire(*, application: Application, actor: User, note: str = "") -> Application:
    """The employer hires the applicant who was offered the job.

    A placement is counted; the resident's employer becomes the job's employer and they stop appearing
    among candidates; their other applications in progress are withdrawn, each with a notice; when the
    last opening is taken the job is filled and its other applicants are told.
    """
    lifecycle_actor_check(obj=application, transition="hire", actor=actor)
    job = (
        Job.objects.select_for_update(of=("self",))
        .select_related("employer", "town")
        .get(pk=application.job_id)
    )
    resident = (
        Resident.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=application.resident_id)
    )
    if job.state != Job.State.OPEN:
        raise DomainError(_("This job is no longer open: it cannot take another hire."))
    if job.openings_left <= 0:
        raise DomainError(_("Every opening of this job is filled already."))
    hired = lifecycle_transition(
        obj=application, transition="hire", actor=actor, note=(note or "").strip(), decision=True
    )
    Placement.objects.create(
        application=hired, job=job, employer=job.employer, resident=resident, town=job.town,
        sector=job.sector, hired_at=timezone.now(),
    )  # fmt: skip
    Job.objects.filter(pk=job.pk).update(hired_count=job.hired_count + 1, updated_at=timezone.now())
    _resident_employer_set(resident, job.employer)
    JobSeekerProfile.objects.filter(resident_id=resident.pk).update(open_to_work=False)
    _withdraw_other_applications(resident, hired, job)
    if job.hired_count + 1 >= job.openings:
        lifecycle_transition(obj=job, transition="fill", actor=None)
        _end_applications_of_job(
            job,
            _("Every opening of “%(title)s” has been filled, so your application was not successful "
              "this time. Other jobs that fit you are on your employment page."),
        )  # fmt: skip
    hired.refresh_from_db()
    return hired


def _resident_employer_set(resident: Resident, employer: Employer) -> None:
    """The registry now names the resident's employer: changed on the resident's behalf through the
    registry's profile service; a resident registered at a service point has no account to act for, so
    the one column is written directly (pghistory's trigger keeps the change in the history)."""
    if resident.user_id is not None:
        resident_update_profile(resident=resident, actor=resident.user, employer=employer)
    else:
        Resident.objects.filter(pk=resident.pk).update(employer=employer, updated_at=timezone.now())


def _withdraw_other_applications(resident: Resident, hired: Application, job: Job) -> None:
    others = (
        Application.objects.select_for_update(of=("self",))
        .filter(resident=resident, state__in=Application.ACTIVE_STATES)
        .exclude(pk=hired.pk)
        .select_related("job")
        .order_by("pk")
    )
    message = _(
        "Congratulations on your new job “%(hired)s” at %(employer)s. Your application for “%(title)s” "
        "has been withdrawn, so that its employer knows you are no longer available."
    )
    user = resident.user
    for other in others:
        params = {"hired": job.title, "employer": job.employer.name, "title": other.job.title}
        lifecycle_transition(
            obj=other,
            transition="withdraw",
            actor=None,
            notify=False,
            note=_in_language_of(user, message) % params,
        )
        if user is not None:
            notice_send(
                recipient=user,
                subject=_("Application withdrawn: %(title)s"),
                body=message,
                params=params,
                link=other.get_absolute_url(),
            )


# --- Job seekers -------------------------------------------------------------------------------------


@transaction.atomic
def jobseeker_preferences_update(
    *,
    resident: Resident,
    actor: User,
    open_to_work: bool,
    acceptable_shifts: Iterable[str] = (),
    wage_floor=None,
    willing_towns: Iterable[Town] = (),
) -> JobSeekerProfile:
    """A resident says what work they look for: shifts, lowest wage, other towns; and whether employers
    should find them among the candidates."""
    _require_resident_account(actor, resident, "employment.change_jobseekerprofile")
    shifts = set(acceptable_shifts or ())
    if not shifts <= set(Shift.values):
        raise DomainError(_("Choose shifts from the list."), field="acceptable_shifts")
    floor = None if wage_floor in (None, "") else _money(wage_floor, field="wage_floor")
    with connection.cursor() as cursor:  # the profile exists (the triggers' guarantee, repaired if not)
        cursor.execute("SELECT employment_jobseeker_sync(ARRAY[%s]::bigint[], true)", [resident.pk])
    profile = JobSeekerProfile.objects.select_for_update().get(resident_id=resident.pk)
    profile.open_to_work = bool(open_to_work)
    profile.acceptable_shift_mask = shift_mask(shifts)
    profile.wage_floor = floor
    profile.willing_town_ids = sorted({t.pk for t in willing_towns} - {profile.town_id})
    profile.save(
        update_fields=[
            "open_to_work",
            "acceptable_shift_mask",
            "wage_floor",
            "willing_town_ids",
            "updated_at",
        ]
    )
    return profile


REBUILD_BATCH = 50_000


def jobseeker_profiles_rebuild(*, actor: User | None = None, batch: int = REBUILD_BATCH) -> int:
    """Rewrite every profile's copy of the registry (repair after triggers were bypassed, e.g. a raw
    bulk load); preferences are kept. Returns how many residents were looked at."""
    done, last = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT array_agg(id ORDER BY id) FROM ("
                " SELECT id FROM residents_resident WHERE id > %s ORDER BY id LIMIT %s) chunk",
                [last, batch],
            )
            (ids,) = cursor.fetchone()
            if not ids:
                return done
            cursor.execute("SELECT employment_jobseeker_sync(%s::bigint[], true)", [ids])
        done += len(ids)
        last = ids[-1]


# --- Recruitment fairs ---
# Lock order: the fair, then an employer's table at it, then registrations. Registering, cancelling and
# checking in all lock the fair's row first, so its count of places taken never passes its capacity.

FAIR_MAX_CAPACITY = 10_000
FAIR_CODE_DIGITS = 8
FAIR_FIELDS = (
    "title",
    "date",
    "starts_at",
    "ends_at",
    "venue",
    "town",
    "capacity",
    "slot_minutes",
    "description",
)


def _fair_staff(actor: User | None, permission: str) -> None:
    if not (actor is not None and actor.is_authenticated and actor.has_perm(permission)):
        raise DomainError(_("Only recruitment-centre staff may do this."), code="forbidden")


def _fair_values(values: dict, *, today: date | None = None, now: datetime | None = None) -> dict:
    """Check a fair's details and return them cleaned; given ``now``, a fair whose hours are over by then
    is refused (a new one: one being changed keeps its date)."""
    unknown = set(values) - set(FAIR_FIELDS)
    if unknown:
        raise DomainError(_("Unknown details: %(f)s") % {"f": ", ".join(sorted(unknown))})
    cleaned = dict(values)
    cleaned["title"] = (cleaned.get("title") or "").strip()[:120]
    if not cleaned["title"]:
        raise DomainError(_("Give the fair a title."), field="title")
    day = cleaned.get("date")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise DomainError(_("Give the date of the fair."), field="date")
    if day < (today or timezone.localdate()):
        raise DomainError(_("A fair cannot be scheduled in the past."), field="date")
    starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
    if not isinstance(starts_at, time):
        raise DomainError(_("Give the time the fair starts."), field="starts_at")
    if not isinstance(ends_at, time) or ends_at <= starts_at:
        raise DomainError(_("The fair must end after it starts."), field="ends_at")
    if now is not None and _fair_over(day, ends_at, now):
        raise DomainError(_("This fair would be over already: its hours today have passed."), field="ends_at")
    cleaned["venue"] = (cleaned.get("venue") or "").strip()[:200]
    if not cleaned["venue"]:
        raise DomainError(_("Say where the fair takes place."), field="venue")
    if not isinstance(cleaned.get("town"), Town):
        raise DomainError(_("Choose the town where the fair takes place."), field="town")
    try:
        capacity = int(cleaned.get("capacity"))
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Enter how many residents may register."), field="capacity") from exc
    if not 1 <= capacity <= FAIR_MAX_CAPACITY:
        raise DomainError(
            _("A fair takes between 1 and %(max)d residents.") % {"max": FAIR_MAX_CAPACITY}, field="capacity"
        )
    cleaned["capacity"] = capacity
    try:
        slot = int(cleaned.get("slot_minutes") or 15)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Enter the interview slot length in minutes."), field="slot_minutes") from exc
    if not 5 <= slot <= 240:
        raise DomainError(_("An interview slot lasts between 5 and 240 minutes."), field="slot_minutes")
    cleaned["slot_minutes"] = slot
    cleaned["description"] = (cleaned.get("description") or "").strip()
    return cleaned


def _fair_duplicates(dates: Iterable[date], starts_at: time, venue: str, exclude: int | None = None):
    return (
        Fair.objects.filter(date__in=list(dates), starts_at=starts_at, venue=venue)
        .exclude(state=Fair.State.CANCELLED)
        .exclude(pk=exclude)
        .order_by("date")
    )


def _fair_duplicate_error(fairs) -> DomainError:
    return DomainError(
        _("A fair at this venue and time exists already on %(dates)s.")
        % {"dates": ", ".join(f"{fair.date:%Y-%m-%d}" for fair in fairs)},
        field="date",
        code="duplicate",
    )


def _fair_create(cleaned: dict, actor: User) -> Fair:
    duplicates = list(_fair_duplicates([cleaned["date"]], cleaned["starts_at"], cleaned["venue"]))
    if duplicates:
        raise _fair_duplicate_error(duplicates)
    try:
        with transaction.atomic():
            return Fair.objects.create(created_by=actor, **cleaned)
    except IntegrityError as exc:  # the same fair scheduled by someone else at the same moment
        raise _fair_duplicate_error([Fair(date=cleaned["date"])]) from exc


@transaction.atomic
def fair_schedule(*, actor: User, **values) -> Fair:
    """A caseworker schedules a fair: a date not in the past, a time, a venue, a town and a capacity;
    one fair per venue and starting time."""
    _fair_staff(actor, "employment.add_fair")
    return _fair_create(_fair_values(values, now=timezone.localtime()), actor)


def fair_month_dates(year: int, month: int, weekdays: Iterable[int]) -> list[date]:
    """Every date of the month that falls on one of the weekdays (Monday = 0)."""
    wanted = set(weekdays)
    days = calendar.monthrange(year, month)[1]
    return [date(year, month, d) for d in range(1, days + 1) if date(year, month, d).weekday() in wanted]


@transaction.atomic
def fair_schedule_month(
    *, actor: User, year: int, month: int, weekdays: Iterable[int], **values
) -> list[Fair]:
    """A caseworker schedules the same fair every week of a month on the chosen weekdays (from today on);
    refused as a whole, naming the dates, when any of those fairs exists already."""
    _fair_staff(actor, "employment.add_fair")
    weekdays = {int(day) for day in weekdays or ()}
    if not weekdays or not weekdays <= set(range(7)):
        raise DomainError(_("Choose at least one day of the week."), field="weekdays")
    try:
        dates = fair_month_dates(int(year), int(month), weekdays)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Choose a month."), field="month") from exc
    now = timezone.localtime()
    ends_at = values.get("ends_at")
    dates = [
        day
        for day in dates
        if day >= now.date() and not (isinstance(ends_at, time) and _fair_over(day, ends_at, now))
    ]
    if not dates:
        raise DomainError(_("No date of that month on those days is still ahead."), field="month")
    cleaned = [_fair_values({**values, "date": day}, now=now) for day in dates]
    duplicates = list(_fair_duplicates(dates, cleaned[0]["starts_at"], cleaned[0]["venue"]))
    if duplicates:
        raise _fair_duplicate_error(duplicates)
    return [_fair_create(values, actor) for values in cleaned]


def _fair_lock(fair: Fair | int) -> Fair:
    return (
        Fair.objects.select_for_update(of=("self",)).select_related("town").get(pk=getattr(fair, "pk", fair))
    )


def _fair_over(day: date, ends_at: time, now: datetime) -> bool:
    return (day, ends_at) <= (now.date(), now.time())


def _fair_has_ended(fair: Fair) -> bool:
    return _fair_over(fair.date, fair.ends_at, timezone.localtime())


@transaction.atomic
def fair_update(*, fair: Fair, actor: User, **changes) -> Fair:
    """A caseworker changes a scheduled fair; the capacity never goes below the places taken, and a larger
    capacity moves the waiting list up."""
    _fair_staff(actor, "employment.change_fair")
    fair = _fair_lock(fair)
    if fair.state != Fair.State.SCHEDULED:
        raise DomainError(_("Only a scheduled fair can be changed."))
    current = {name: getattr(fair, name) for name in FAIR_FIELDS}
    cleaned = _fair_values({**current, **changes}, today=min(fair.date, timezone.localdate()))
    if cleaned["capacity"] < fair.registered_count:
        raise DomainError(
            _("%(n)d residents hold a place already: the capacity cannot be smaller.")
            % {"n": fair.registered_count},
            field="capacity",
        )
    duplicates = list(_fair_duplicates([cleaned["date"]], cleaned["starts_at"], cleaned["venue"], fair.pk))
    if duplicates:
        raise _fair_duplicate_error(duplicates)
    for name, value in cleaned.items():
        setattr(fair, name, value)
    fair.save()
    _fair_promote_waiting(fair)
    return fair


def fair_participant_check(*, employer: Employer, jobs: Iterable[Job]) -> None:
    """An employer brings only its own open job postings to a fair."""
    foreign = [job for job in jobs if job.employer_id != employer.pk]
    if foreign:
        raise DomainError(
            _("These job postings are not the employer's: %(titles)s.")
            % {"titles": ", ".join(job.title for job in foreign)},
            field="jobs",
        )
    closed = [job for job in jobs if job.state != Job.State.OPEN]
    if closed:
        raise DomainError(
            _("Only open job postings can be brought to a fair: %(titles)s.")
            % {"titles": ", ".join(job.title for job in closed)},
            field="jobs",
        )


@transaction.atomic
def fair_participant_save(
    *, fair: Fair, employer: Employer, jobs: Iterable[Job], actor: User, booth: str = ""
) -> FairEmployer:
    """A caseworker adds an employer to a fair (or changes what it brings): its own open jobs and a booth."""
    _fair_staff(actor, "employment.add_fairemployer")
    fair = _fair_lock(fair)
    if fair.state != Fair.State.SCHEDULED:
        raise DomainError(_("Only a scheduled fair can be changed."))
    jobs = list(jobs)
    fair_participant_check(employer=employer, jobs=jobs)
    participation, _created = FairEmployer.objects.get_or_create(fair=fair, employer=employer)
    participation.booth = (booth or "").strip()[:40]
    participation.save(update_fields=["booth"])
    participation.jobs.set(jobs)
    return participation


@transaction.atomic
def fair_participant_remove(*, participation: FairEmployer, actor: User) -> None:
    """A caseworker takes an employer off a fair that has not taken place; refused while it has interviews
    booked there (it cancels them first, so that the applicants are told)."""
    _fair_staff(actor, "employment.delete_fairemployer")
    fair = _fair_lock(participation.fair_id)
    if fair.state != Fair.State.SCHEDULED:
        raise DomainError(_("Only a scheduled fair can be changed."))
    participation = (
        FairEmployer.objects.select_for_update(of=("self",))
        .select_related("employer")
        .get(pk=participation.pk)
    )
    if participation.interview_slots.filter(state=FairInterviewSlot.State.BOOKED).exists():
        raise DomainError(
            _("%(employer)s has interviews booked at this fair: they must be cancelled first.")
            % {"employer": participation.employer.name}
        )
    participation.delete()


def _fair_new_code() -> str:
    """A random 8-digit check-in number that no registration has."""
    while True:
        code = f"{secrets.randbelow(9 * 10 ** (FAIR_CODE_DIGITS - 1)) + 10 ** (FAIR_CODE_DIGITS - 1)}"
        if not FairRegistration.objects.filter(code=code).exists():
            return code


def _fair_when(fair: Fair) -> str:
    return f"{fair.date:%Y-%m-%d} {fair.starts_at:%H:%M}–{fair.ends_at:%H:%M}"


def _fair_notice(registration: FairRegistration, fair: Fair, subject, body, **params) -> None:
    user = registration.resident.user
    if user is None:
        return
    notice_send(
        recipient=user,
        subject=subject,
        body=body,
        params={"title": fair.title, "when": _fair_when(fair), "venue": fair.venue, **params},
        link=reverse("employment:fair-mine"),
    )


def fair_waitlist_place(registration: FairRegistration) -> int | None:
    """The registration's place on the waiting list (1 = next to move up), or None when not waiting."""
    if registration.state != FairRegistration.State.WAITLISTED:
        return None
    return (
        FairRegistration.objects.filter(
            fair_id=registration.fair_id,
            state=FairRegistration.State.WAITLISTED,
            waitlist_number__lt=registration.waitlist_number,
        ).count()
        + 1
    )


@transaction.atomic
def fair_register(*, fair: Fair, resident: Resident, actor: User) -> FairRegistration:
    """A resident registers for a scheduled fair still ahead: a place while places are left, otherwise
    the end of the waiting list; one live registration per resident and fair."""
    _require_resident_account(actor, resident, "employment.add_fairregistration")
    fair = _fair_lock(fair)
    if fair.state != Fair.State.SCHEDULED or _fair_has_ended(fair):
        raise DomainError(_("This fair is not taking registrations: it was cancelled or has taken place."))
    resident = Resident.objects.select_related("user").get(pk=resident.pk)
    if FairRegistration.objects.filter(
        fair=fair, resident=resident, state__in=FairRegistration.LIVE_STATES
    ).exists():
        raise DomainError(_("You are registered for this fair already."), code="duplicate")
    registration = FairRegistration(fair=fair, resident=resident, code=_fair_new_code())
    if fair.registered_count < fair.capacity:
        registration.state = FairRegistration.State.REGISTERED
    else:
        last = (
            FairRegistration.objects.filter(fair=fair, waitlist_number__isnull=False)
            .order_by("-waitlist_number")
            .values_list("waitlist_number", flat=True)
            .first()
        )
        registration.state = FairRegistration.State.WAITLISTED
        registration.waitlist_number = (last or 0) + 1
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:  # the same resident registering twice at the same moment
        raise DomainError(_("You are registered for this fair already."), code="duplicate") from exc
    if registration.state == FairRegistration.State.REGISTERED:
        fair.registered_count += 1
        fair.save(update_fields=["registered_count", "updated_at"])
        _fair_notice(
            registration, fair, _("Registered: %(title)s"),
            _("You are registered for the fair “%(title)s” on %(when)s at %(venue)s. Show the QR code or "
              "the number %(code)s at the entrance."),
            code=registration.code,
        )  # fmt: skip
    else:
        _fair_notice(
            registration, fair, _("Waiting list: %(title)s"),
            _("The fair “%(title)s” on %(when)s is full. You are number %(place)d on the waiting list; "
              "you will be told as soon as a place is yours."),
            place=fair_waitlist_place(registration),
        )  # fmt: skip
    return registration


def _fair_promote_waiting(fair: Fair) -> list[FairRegistration]:
    """Give the places left to the first on the waiting list, in order, each told (fair locked)."""
    free = fair.capacity - fair.registered_count
    if free <= 0:
        return []
    promoted = list(
        FairRegistration.objects.select_for_update(of=("self",))
        .select_related("resident__user")
        .filter(fair=fair, state=FairRegistration.State.WAITLISTED)
        .order_by("waitlist_number")[:free]
    )
    for registration in promoted:
        registration.state = FairRegistration.State.REGISTERED
        registration.waitlist_number = None
        registration.save(update_fields=["state", "waitlist_number", "updated_at"])
        _fair_notice(
            registration, fair, _("A place is yours: %(title)s"),
            _("A place at the fair “%(title)s” on %(when)s at %(venue)s has become free and is now yours. "
              "Show the QR code or the number %(code)s at the entrance."),
            code=registration.code,
        )  # fmt: skip
    if promoted:
        fair.registered_count += len(promoted)
        fair.save(update_fields=["registered_count", "updated_at"])
    return promoted


@transaction.atomic
def fair_registration_cancel(*, registration: FairRegistration, actor: User) -> FairRegistration:
    """The resident cancels a registration for a fair still ahead; a place freed goes to the first on the
    waiting list, who is told."""
    fair = _fair_lock(registration.fair_id)
    registration = (
        FairRegistration.objects.select_for_update(of=("self",))
        .select_related("resident__user")
        .get(pk=registration.pk)
    )
    _require_resident_account(actor, registration.resident, "employment.change_fairregistration")
    if registration.state == FairRegistration.State.CANCELLED:
        raise DomainError(_("This registration is cancelled already."))
    if registration.state == FairRegistration.State.CHECKED_IN:
        raise DomainError(
            _("You have checked in at this fair already: the registration cannot be cancelled.")
        )
    if fair.state != Fair.State.SCHEDULED or _fair_has_ended(fair):
        raise DomainError(_("This fair is over or was cancelled: there is nothing to cancel."))
    held_place = registration.state == FairRegistration.State.REGISTERED
    registration.state = FairRegistration.State.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["state", "cancelled_at", "updated_at"])
    if held_place:
        fair.registered_count -= 1
        fair.save(update_fields=["registered_count", "updated_at"])
        _fair_promote_waiting(fair)
    return registration


def fair_code_clean(code) -> str:
    """The check-in number as typed or scanned (spaces and dashes allowed), or a clear refusal."""
    digits = "".join(ch for ch in str(code or "") if ch not in " -")
    if len(digits) != FAIR_CODE_DIGITS or not digits.isdigit():
        raise DomainError(
            _("Type the %(n)d-digit number printed under the QR code.") % {"n": FAIR_CODE_DIGITS},
            field="code",
        )
    return digits


@transaction.atomic
def fair_check_in(*, fair: Fair, code: str, actor: User) -> FairRegistration:
    """Staff check a registered resident in at the fair, on its day, by the number under their QR code."""
    _fair_staff(actor, "employment.change_fairregistration")
    code = fair_code_clean(code)
    fair = _fair_lock(fair)
    if fair.state == Fair.State.CANCELLED:
        raise DomainError(_("This fair was cancelled."))
    if fair.date != timezone.localdate():
        raise DomainError(
            _("Check-in is open on the day of the fair only (%(date)s).") % {"date": f"{fair.date:%Y-%m-%d}"}
        )
    registration = (
        FairRegistration.objects.select_for_update(of=("self",))
        .select_related("resident", "fair")
        .filter(code=code)
        .first()
    )
    if registration is None:
        raise DomainError(_("No registration has the number %(code)s.") % {"code": code}, field="code")
    if registration.fair_id != fair.pk:
        raise DomainError(
            _("This number is a registration for another fair: %(fair)s.") % {"fair": registration.fair},
            field="code",
        )
    if registration.state == FairRegistration.State.CHECKED_IN:
        raise DomainError(
            _("%(name)s checked in already at %(time)s.")
            % {
                "name": registration.resident.name,
                "time": f"{timezone.localtime(registration.checked_in_at):%H:%M}",
            },
            field="code",
        )
    if registration.state == FairRegistration.State.WAITLISTED:
        raise DomainError(
            _("%(name)s is on the waiting list and holds no place at this fair.")
            % {"name": registration.resident.name},
            field="code",
        )
    if registration.state == FairRegistration.State.CANCELLED:
        raise DomainError(_("This registration was cancelled."), field="code")
    registration.state = FairRegistration.State.CHECKED_IN
    registration.checked_in_at = timezone.now()
    registration.checked_in_by = actor
    registration.save(update_fields=["state", "checked_in_at", "checked_in_by", "updated_at"])
    return registration


@transaction.atomic
def fair_cancel(*, fair: Fair, actor: User, note: str = "") -> Fair:
    """A caseworker calls off a scheduled fair: every registration and interview ends, each resident told."""
    _fair_staff(actor, "employment.change_fair")
    fair = _fair_lock(fair)
    if fair.state != Fair.State.SCHEDULED:
        raise DomainError(_("Only a scheduled fair can be cancelled."))
    now = timezone.now()
    live = list(
        FairRegistration.objects.select_for_update(of=("self",))
        .select_related("resident__user")
        .filter(fair=fair, state__in=FairRegistration.LIVE_STATES)
        .order_by("pk")
    )
    FairRegistration.objects.filter(pk__in=[r.pk for r in live]).update(
        state=FairRegistration.State.CANCELLED, cancelled_at=now, updated_at=now
    )
    FairInterviewSlot.objects.filter(participation__fair=fair, state=FairInterviewSlot.State.BOOKED).update(
        state=FairInterviewSlot.State.CANCELLED, updated_at=now
    )
    fair.state = Fair.State.CANCELLED
    fair.registered_count = 0
    fair.save(update_fields=["state", "registered_count", "updated_at"])
    reason = (note or "").strip()
    for registration in live:
        _fair_notice(
            registration, fair, _("Fair cancelled: %(title)s"),
            _("The fair “%(title)s” on %(when)s at %(venue)s has been cancelled. %(note)s"), note=reason,
        )  # fmt: skip
    return fair


@transaction.atomic
def fair_mark_held(*, fair: Fair, actor: User) -> Fair:
    """A caseworker records that a scheduled fair took place (on or after its day)."""
    _fair_staff(actor, "employment.change_fair")
    fair = _fair_lock(fair)
    if fair.state != Fair.State.SCHEDULED:
        raise DomainError(_("Only a scheduled fair can be recorded as held."))
    if fair.date > timezone.localdate():
        raise DomainError(_("The fair has not taken place yet."))
    fair.state = Fair.State.HELD
    fair.save(update_fields=["state", "updated_at"])
    return fair


def jobseeker_profile_erase(resident: Resident) -> None:
    """On account closure (a closure eraser of the registry): the closed account is no longer offered to
    employers as a candidate, and what the person looked for in work is erased. The row stays, as every
    resident has one (the triggers keep its copy of the registry, now emptied too)."""
    JobSeekerProfile.objects.filter(resident_id=resident.pk).update(
        open_to_work=False,
        wage_floor=None,
        acceptable_shift_mask=0,
        willing_town_ids=[],
        updated_at=timezone.now(),
    )


@transaction.atomic
def fairs_past_held(*, today: date | None = None) -> int:
    """The nightly run: every fair still scheduled whose day has passed took place (a fair that did not is
    cancelled explicitly, which tells its registrations); its check-ins are its attendance. Returns how many."""
    return Fair.objects.filter(state=Fair.State.SCHEDULED, date__lt=today or timezone.localdate()).update(
        state=Fair.State.HELD, updated_at=timezone.now()
    )


@transaction.atomic
def fair_interview_book(
    *, fair: Fair, employer: Employer, application: Application, starts_at: datetime, actor: User
) -> FairInterviewSlot:
    """An employer at a fair books one of its interview slots for a resident who applied to one of its
    jobs; a slot is booked once, and an applicant has one interview per employer and fair."""
    _require_employer_account(actor, employer, "employment.add_fairinterviewslot")
    participation = (
        FairEmployer.objects.select_for_update(of=("self",))
        .select_related("fair")
        .filter(fair_id=fair.pk, employer=employer)
        .first()
    )
    if participation is None:
        raise DomainError(_("Your company does not take part in this fair."), field="fair")
    fair = participation.fair
    if fair.state != Fair.State.SCHEDULED or _fair_has_ended(fair):
        raise DomainError(_("Interviews can be booked only at a scheduled fair still ahead."), field="fair")
    application = Application.objects.select_related("job", "resident__user").get(pk=application.pk)
    if application.job.employer_id != employer.pk:
        raise DomainError(
            _("You may book interviews only for residents who applied to your company's jobs."),
            field="application",
        )
    if not application.is_active:
        raise DomainError(_("This application has ended: no interview can be booked."), field="application")
    if starts_at is None:
        raise DomainError(_("Choose one of the fair's interview slots."), field="starts_at")
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at not in fair.slot_times():
        raise DomainError(_("Choose one of the fair's interview slots."), field="starts_at")
    if starts_at <= timezone.now():
        raise DomainError(_("This slot has passed: choose a later one."), field="starts_at")
    booked = FairInterviewSlot.objects.filter(
        participation=participation, state=FairInterviewSlot.State.BOOKED
    )
    if booked.filter(starts_at=starts_at).exists():
        raise DomainError(_("This slot is booked already: choose another."), field="starts_at")
    earlier = booked.filter(application=application).first()
    if earlier is not None:
        raise DomainError(
            _("This applicant has an interview at this fair already, at %(time)s.")
            % {"time": f"{timezone.localtime(earlier.starts_at):%H:%M}"},
            field="application",
        )
    try:
        with transaction.atomic():
            slot = FairInterviewSlot.objects.create(
                participation=participation, application=application, starts_at=starts_at, booked_by=actor
            )
    except IntegrityError as exc:  # another account of the company booked it at the same moment
        raise DomainError(_("This slot is booked already: choose another."), field="starts_at") from exc
    user = application.resident.user
    if user is not None:
        notice_send(
            recipient=user,
            subject=_("Interview at the fair: %(title)s"),
            body=_("%(employer)s will interview you for “%(job)s” at the fair “%(title)s” on %(date)s at "
                   "%(time)s, %(venue)s%(booth)s."),
            params={
                "employer": employer.name, "job": application.job.title, "title": fair.title,
                "date": f"{fair.date:%Y-%m-%d}", "time": f"{timezone.localtime(starts_at):%H:%M}",
                "venue": fair.venue, "booth": f" ({participation.booth})" if participation.booth else "",
            },
            link=application.get_absolute_url(),
        )  # fmt: skip
    return slot


@transaction.atomic
def fair_interview_cancel(*, slot: FairInterviewSlot, actor: User) -> FairInterviewSlot:
    """The employer frees a booked interview slot; the applicant is told."""
    slot = (
        FairInterviewSlot.objects.select_for_update(of=("self",))
        .select_related("participation__fair", "participation__employer", "application__resident__user",
                        "application__job")
        .get(pk=slot.pk)
    )  # fmt: skip
    _require_employer_account(actor, slot.participation.employer, "employment.change_fairinterviewslot")
    if slot.state != FairInterviewSlot.State.BOOKED:
        raise DomainError(_("This interview is cancelled already."))
    slot.state = FairInterviewSlot.State.CANCELLED
    slot.save(update_fields=["state", "updated_at"])
    user = slot.application.resident.user
    if user is not None:
        fair = slot.participation.fair
        notice_send(
            recipient=user,
            subject=_("Interview cancelled: %(title)s"),
            body=_("%(employer)s cancelled your interview for “%(job)s” at the fair “%(title)s” on %(date)s."),
            params={
                "employer": slot.participation.employer.name, "job": slot.application.job.title,
                "title": fair.title, "date": f"{fair.date:%Y-%m-%d}",
            },
            link=slot.application.get_absolute_url(),
        )  # fmt: skip
    return slot


# --- Training programmes and subsidies ---
# Lock order: the programme, then its enrolments; a certificate, then its claims.


def _training_caseworker(actor: User | None) -> bool:
    return bool(actor and actor.is_authenticated and actor.has_perm("employment.change_enrolment"))


@transaction.atomic
def training_enrol(*, programme: TrainingProgramme, resident: Resident, actor: User) -> Enrolment:
    """A resident takes a free seat of a programme that has not started, or, when every seat is taken, a
    place on its waiting list (which moves up when someone withdraws)."""
    _require_resident_account(actor, resident, "employment.add_enrolment")
    programme = TrainingProgramme.objects.select_for_update().get(pk=programme.pk)
    if programme.starts_on <= timezone.localdate():
        raise DomainError(_("This programme has started already: enrolment is closed."))
    resident = Resident.objects.select_related("user").get(pk=resident.pk)
    already = _("You are enrolled in this programme already (or on its waiting list).")
    if Enrolment.objects.filter(programme=programme, resident=resident).exclude(state="withdrawn").exists():
        raise DomainError(already)
    seat = programme.enrolled_count < programme.seats
    now = timezone.now()
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                programme=programme, resident=resident,
                state=Enrolment.State.ENROLLED if seat else Enrolment.State.WAITLISTED,
                enrolled_at=now if seat else None,
            )  # fmt: skip
    except IntegrityError as exc:  # the same resident's second request at the same moment
        raise DomainError(already) from exc
    if seat:
        TrainingProgramme.objects.filter(pk=programme.pk).update(
            enrolled_count=programme.enrolled_count + 1, updated_at=now
        )
    if resident.user is not None:
        params = {
            "title": programme.title,
            "date": programme.starts_on.isoformat(),
            "place": programme.location,
        }
        if seat:
            subject, body = (
                _("Enrolled: %(title)s"),
                _("You are enrolled in the free training “%(title)s”. It starts on %(date)s at %(place)s."),
            )
        else:
            subject, body = (
                _("Waiting list: %(title)s"),
                _("Every seat of “%(title)s” is taken, so you are on its waiting list. You will be told "
                  "as soon as a seat is yours."),
            )  # fmt: skip
        notice_send(
            recipient=resident.user,
            subject=subject,
            body=body,
            params=params,
            link=programme.get_absolute_url(),
        )
    return enrolment


def _training_waitlist_advance(programme: TrainingProgramme) -> int:
    """Give the programme's free seats to the waiting list in the order they joined (the programme is
    locked by the caller); nothing moves once the programme has ended."""
    programme.refresh_from_db(fields=["enrolled_count", "seats", "ends_on"])
    free = programme.seats - programme.enrolled_count
    if free <= 0 or programme.ends_on < timezone.localdate():
        return 0
    waiting = list(
        Enrolment.objects.select_for_update(of=("self",))
        .filter(programme=programme, state=Enrolment.State.WAITLISTED)
        .select_related("resident__user")
        .order_by("submitted_at", "id")[:free]
    )
    now = timezone.now()
    for enrolment in waiting:
        lifecycle_transition(
            obj=enrolment, transition="promote", actor=None, notify=False, enrolled_at=now,
            extra_fields=("enrolled_at",),
        )  # fmt: skip
        user = enrolment.resident.user
        if user is not None:
            notice_send(
                recipient=user,
                subject=_("A seat is yours: %(title)s"),
                body=_("A seat of the free training “%(title)s” became free and is now yours. It starts on "
                       "%(date)s at %(place)s. If you cannot come, withdraw so that the next person gets it."),
                params={"title": programme.title, "date": programme.starts_on.isoformat(),
                        "place": programme.location},
                link=programme.get_absolute_url(),
            )  # fmt: skip
    if waiting:
        TrainingProgramme.objects.filter(pk=programme.pk).update(
            enrolled_count=programme.enrolled_count + len(waiting), updated_at=now
        )
    return len(waiting)


@transaction.atomic
def training_waitlist_advance(*, programme: TrainingProgramme) -> int:
    """After a programme gains seats, its waiting list moves up into them. Returns how many moved up."""
    programme = TrainingProgramme.objects.select_for_update().get(pk=programme.pk)
    return _training_waitlist_advance(programme)


@transaction.atomic
def training_withdraw(*, enrolment: Enrolment, actor: User, note: str = "") -> Enrolment:
    """The resident gives up a seat or a place on the waiting list; a freed seat goes to the first waiting."""
    programme = TrainingProgramme.objects.select_for_update().get(pk=enrolment.programme_id)
    held_seat = Enrolment.objects.filter(pk=enrolment.pk, state=Enrolment.State.ENROLLED).exists()
    withdrawn = lifecycle_transition(
        obj=enrolment, transition="withdraw", actor=actor, note=(note or "").strip()
    )
    if held_seat:
        TrainingProgramme.objects.filter(pk=programme.pk).update(
            enrolled_count=programme.enrolled_count - 1, updated_at=timezone.now()
        )
        _training_waitlist_advance(programme)
    return withdrawn


def _may_mark_attendance(actor: User | None, programme: TrainingProgramme) -> bool:
    """A training caseworker, or an account of the employer whose factory hosts the workshop."""
    if _training_caseworker(actor):
        return True
    return programme.employer_id is not None and acts_for(actor, programme.employer)


@transaction.atomic
def training_attendance_mark(*, session: TrainingSession, present: Iterable[Enrolment], actor: User) -> int:
    """Record who attended a session that has taken place: the enrolled trainees listed were present,
    every other enrolled trainee absent (marking again corrects it). Returns how many were present."""
    session = TrainingSession.objects.select_related("programme__employer").get(pk=session.pk)
    if not _may_mark_attendance(actor, session.programme):
        raise DomainError(_("Only the programme's caseworkers or its host employer may mark attendance."),
                          code="forbidden")  # fmt: skip
    if session.date > timezone.localdate():
        raise DomainError(_("Attendance can be marked from the day of the session on."))
    enrolled = {
        e.pk: e
        for e in Enrolment.objects.select_for_update().filter(
            programme_id=session.programme_id, state=Enrolment.State.ENROLLED
        )
    }
    present_ids = {e.pk for e in present}
    strangers = present_ids - set(enrolled)
    if strangers:
        raise DomainError(
            _("Only trainees enrolled in the programme can be marked present."), field="present"
        )
    now = timezone.now()
    Attendance.objects.bulk_create(
        [
            Attendance(
                enrolment_id=pk, session=session, present=pk in present_ids, marked_by=actor, marked_at=now
            )
            for pk in sorted(enrolled)
        ],
        update_conflicts=True,
        unique_fields=["enrolment", "session"],
        update_fields=["present", "marked_by", "marked_at"],
    )
    return len(present_ids)


@transaction.atomic
def training_complete(*, enrolment: Enrolment, actor: User, note: str = "") -> Enrolment:
    """A caseworker records that an enrolled trainee completed the programme, having attended the sessions
    it requires; its certificate and skill join the resident's profile at once, so job matching counts them."""
    if not _training_caseworker(actor):
        raise DomainError(_("Only employment caseworkers may record completions."), code="forbidden")
    programme = TrainingProgramme.objects.select_for_update().get(pk=enrolment.programme_id)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("resident__user")
        .get(pk=enrolment.pk)
    )
    if enrolment.state != Enrolment.State.ENROLLED:
        raise DomainError(
            _("Only an enrolled trainee can complete the programme; this enrolment is “%(state)s”.")
            % {"state": enrolment.get_state_display()}
        )
    attended = Attendance.objects.filter(enrolment=enrolment, present=True).count()
    if attended < programme.sessions_required:
        raise DomainError(
            _("%(name)s attended %(n)d of the %(required)d sessions required: the programme cannot be "
              "completed yet.") % {"name": enrolment.resident.name, "n": attended,
                                   "required": programme.sessions_required},
        )  # fmt: skip
    today = timezone.localdate()
    certificate = resident_certificate_award(
        resident=enrolment.resident,
        certificate_type=programme.certificate,
        skill=programme.skill,
        obtained_on=today,
    )
    completed = lifecycle_transition(
        obj=enrolment, transition="complete", actor=actor, note=(note or "").strip(), decision=True,
        notify=False, completed_at=timezone.now(), certificate=certificate,
        extra_fields=("completed_at", "certificate"),
    )  # fmt: skip
    user = enrolment.resident.user
    if user is not None:
        if certificate is not None:
            body = _("Congratulations: you completed “%(title)s”. The %(certificate)s is now on your profile, "
                     "and jobs that require it are open to you. You may claim its subsidy on your "
                     "certificates page.")  # fmt: skip
        else:
            body = _("Congratulations: you completed “%(title)s”. Its skill is now on your profile.")
        notice_send(
            recipient=user,
            subject=_("Training completed: %(title)s"),
            body=body,
            params={"title": programme.title, "certificate": programme.certificate or ""},
            link=reverse("employment:training-certificates"),
        )
    return completed


def training_fail(*, enrolment: Enrolment, actor: User, note: str = "") -> Enrolment:
    """A caseworker records that an enrolled trainee did not complete the programme (a note says why)."""
    return lifecycle_transition(
        obj=enrolment, transition="fail", actor=actor, note=(note or "").strip(), decision=True
    )


ALREADY_CLAIMED = _(
    "A subsidy has already been claimed for this certificate: there is one subsidy per certificate."
)


@transaction.atomic
def subsidy_claim_submit(*, certificate: ResidentCertificate, actor: User) -> SubsidyClaim:
    """A resident claims the subsidy for a certificate earned through a programme: the amount for its
    level in the table in force today, one subsidy per certificate."""
    certificate = (
        ResidentCertificate.objects.select_for_update(of=("self",))
        .select_related("certificate_type", "resident__user")
        .get(pk=certificate.pk)
    )
    resident = certificate.resident
    _require_resident_account(actor, resident, "employment.add_subsidyclaim")
    if certificate.source != ResidentCertificate.Source.PROGRAMME:
        raise DomainError(
            _("Only a certificate earned through a free training programme entitles you to a subsidy.")
        )
    level = certificate.certificate_type.level
    if level == CertificateType.Level.NONE:
        raise DomainError(
            _("The %(certificate)s has no level, so no subsidy is paid for it.")
            % {"certificate": certificate.certificate_type}
        )
    if (
        SubsidyClaim.objects.filter(certificate=certificate)
        .exclude(state=SubsidyClaim.State.REJECTED)
        .exists()
    ):
        raise DomainError(ALREADY_CLAIMED, code="duplicate")
    schedule = subsidy_schedule_in_force()
    rate = schedule.rates.filter(level=level).first() if schedule else None
    if rate is None:
        raise DomainError(_("No subsidy is set for this certificate's level yet: please ask a caseworker."))
    enrolment = certificate.enrolments.order_by("-completed_at").first()
    try:
        with transaction.atomic():
            claim = SubsidyClaim.objects.create(
                resident=resident, certificate=certificate, enrolment=enrolment, level=level, amount=rate.amount,
                needs_second_approval=rate.amount > schedule.second_approval_above,
            )  # fmt: skip
    except IntegrityError as exc:
        raise DomainError(ALREADY_CLAIMED, code="duplicate") from exc
    if resident.user is not None:
        notice_send(
            recipient=resident.user,
            subject=_("Subsidy claim received"),
            body=_("Your claim of %(amount)s yuan for the %(certificate)s was received. A caseworker will "
                   "decide on it; you will be told."),
            params={"amount": claim.amount, "certificate": certificate.certificate_type},
            link=claim.get_absolute_url(),
        )  # fmt: skip
    return claim


def _require_subsidy_caseworker(actor: User | None) -> None:
    if not (actor and actor.is_authenticated and actor.has_perm("employment.change_subsidyclaim")):
        raise DomainError(_("Only employment caseworkers may decide on subsidy claims."), code="forbidden")


@transaction.atomic
def subsidy_claim_approve(*, claim: SubsidyClaim, actor: User, note: str = "") -> SubsidyClaim:
    """A caseworker approves a claim; a claim above the table's threshold needs a second approval, by a
    different caseworker, before it is paid."""
    _require_subsidy_caseworker(actor)
    claim = SubsidyClaim.objects.select_for_update().get(pk=claim.pk)
    now, note = timezone.now(), (note or "").strip()
    if claim.state == SubsidyClaim.State.SUBMITTED:
        second = claim.needs_second_approval
        return lifecycle_transition(
            obj=claim, transition="approve_first" if second else "approve", actor=actor, note=note,
            decision=not second, by=actor, at=now, extra_fields=("first_approved_by", "first_approved_at"),
        )  # fmt: skip
    if claim.state == SubsidyClaim.State.AWAITING_SECOND:
        if claim.first_approved_by_id == actor.pk:
            raise DomainError(
                _("You gave this claim its first approval: a second, different caseworker must approve it.")
            )
        return lifecycle_transition(
            obj=claim, transition="approve_second", actor=actor, note=note, decision=True, by=actor, at=now,
            extra_fields=("second_approved_by", "second_approved_at"),
        )  # fmt: skip
    raise DomainError(
        _("This claim is “%(state)s”: it cannot be approved.") % {"state": claim.get_state_display()}
    )


@transaction.atomic
def subsidy_claim_reject(*, claim: SubsidyClaim, actor: User, reason: str) -> SubsidyClaim:
    """A caseworker rejects a claim with a reason the resident reads; the resident may claim again."""
    _require_subsidy_caseworker(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the rejection: the resident reads it."), field="reason")
    return lifecycle_transition(
        obj=claim, transition="reject", actor=actor, note=reason[:2000], decision=True
    )


@transaction.atomic
def subsidy_claims_export(*, claims: Iterable[SubsidyClaim], actor: User) -> tuple[str, list[SubsidyClaim]]:
    """The approved claims among these go into one payment file for the finance office and are marked
    sent for payment. Returns the file's reference and its claims."""
    _require_subsidy_caseworker(actor)
    locked = list(
        SubsidyClaim.objects.select_for_update()
        .filter(pk__in=[c.pk for c in claims], state=SubsidyClaim.State.APPROVED)
        .order_by("pk")
    )
    if not locked:
        raise DomainError(_("None of these claims is approved and waiting for payment."))
    now = timezone.now()
    batch = f"SUB-{timezone.localtime(now):%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}"
    exported = [
        lifecycle_transition(
            obj=claim,
            transition="export",
            actor=actor,
            at=now,
            batch=batch,
            extra_fields=("exported_at", "payment_batch"),
        )
        for claim in locked
    ]
    return batch, exported


def subsidy_claim_mark_paid(*, claim: SubsidyClaim, actor: User) -> SubsidyClaim:
    """A caseworker records that the finance office paid a claim sent for payment."""
    _require_subsidy_caseworker(actor)
    return lifecycle_transition(
        obj=claim, transition="pay", actor=actor, at=timezone.now(), extra_fields=("paid_at",)
    )

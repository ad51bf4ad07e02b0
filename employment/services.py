"""Every write of the employment app: job postings, applications, hiring, and job seekers' preferences.

Lock order, kept by every service that takes more than one lock: the job, then the resident, then
applications. Two hirings of the same resident, or a hiring and a closing, therefore wait for each other
instead of deadlocking.
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from employment.bits import MAX_ID, shift_mask, to_words
from employment.models import Application, Job, JobSeekerProfile, Occupation, Placement, Shift
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_transition
from kunshan_portal.models import User
from kunshan_portal.notices import notice_send
from residents.models import CertificateType, Employer, Resident, Sector, Town
from residents.services import resident_update_profile

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

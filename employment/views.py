"""The residents' job pages and the employers' area. Every write goes through a service."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from employment import selectors, services
from employment.forms import (
    ApplyForm,
    CompanyContactForm,
    FairInterviewForm,
    FairSearchForm,
    InterviewForm,
    JobForm,
    JobSearchForm,
    NoteForm,
    PreferencesForm,
    TrainingAttendanceForm,
    TrainingSearchForm,
    add_domain_error,
)
from employment.models import Application, Job, shift_labels
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import available_transitions, lifecycle_timeline
from kunshan_portal.pagecache import CountKeptPaginator, anonymous_page
from kunshan_portal.paging import ShortListPaginator
from residents.access import employer_required, resident_required
from residents.models import Town
from residents.selectors import employer_for_user, resident_for_user
from residents.services import employer_contact_update

PAGE_SIZE = 20


def _page(request, items, size: int = PAGE_SIZE, paginator=ShortListPaginator):
    return paginator(items, size).get_page(request.GET.get("page"))


def _timeline(application: Application, *, include_internal: bool) -> list[dict]:
    """The application's steps with the states' labels in the reader's language."""
    labels = dict(Application.State.choices)
    return [
        {"at": step.at, "label": labels.get(step.to_state, step.to_state), "note": step.note}
        for step in lifecycle_timeline(obj=application, include_internal=include_internal)
    ]


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Residents ---------------------------------------------------------------------------------------


def home(request):
    """A resident's employment page; employers go to their area, everyone else to the job search."""
    resident = resident_for_user(request.user)
    if resident is None:
        if employer_for_user(request.user) is not None:
            return redirect("employment:employer-home")
        return redirect("employment:job-list")
    profile = selectors.jobseeker_profile(resident)
    recommendations = selectors.job_recommendations(resident=resident, profile=profile)
    applications = selectors.recent_applications(resident=resident)
    return render(
        request,
        "employment/home.html",
        {
            "resident": resident,
            "recommendations": recommendations,
            "applied": selectors.applied_job_ids(resident=resident, jobs=[m.job for m in recommendations]),
            "applications": applications,
            "profile": profile,
            "willing_towns": selectors.towns_of(profile.willing_town_ids),
            "shift_labels": shift_labels(profile.acceptable_shift_mask),
        },
    )


@anonymous_page
def job_list(request):
    """Open jobs for everyone, with filters and pages."""
    form = JobSearchForm(request.GET or None)
    jobs = selectors.job_search(**form.search_arguments()) if form.is_valid() else selectors.job_search()
    return render(
        request,
        "employment/job_list.html",
        {
            "form": form,
            "page": _page(request, jobs, paginator=CountKeptPaginator),
            "query": _query_without_page(request),
        },
    )


@anonymous_page
def job_detail(request, pk: int):
    """An open job (or one of the employer's own); a resident sees how they match, and may apply."""
    job = selectors.job_visible(user=request.user, pk=pk, with_lists=False)
    if job is None:
        raise Http404
    return render(request, "employment/job_detail.html", _job_page(job, resident_for_user(request.user)))


def _job_page(job: Job, resident, form: ApplyForm | None = None) -> dict:
    """What a job's page shows; for a resident, how they match it and their application or the form."""
    reference = selectors.Reference.load()  # the lists and the match share the reference lists
    context = {"job": job, "lists": selectors.job_lists(job, reference), "resident": resident}
    if resident is not None:
        context["explanation"] = selectors.job_match_for_resident(
            job=job, resident=resident, reference=reference
        )
        context["application"] = selectors.active_application_for(job=job, resident=resident)
        context["form"] = form if form is not None else ApplyForm()
    return context


@resident_required
@require_POST
def job_apply(request, pk: int):
    job = selectors.job_visible(user=request.user, pk=pk, with_lists=False)
    if job is None:
        raise Http404
    form = ApplyForm(request.POST)
    if form.is_valid():
        try:
            application = services.application_submit(
                job=job, resident=request.resident, actor=request.user, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your application was sent. You will be told of every step."))
            return redirect(application.get_absolute_url())
    return render(request, "employment/job_detail.html", _job_page(job, request.resident, form), status=400)


@resident_required
def application_list(request):
    applications = selectors.resident_applications(resident=request.resident)
    return render(request, "employment/application_list.html", {"page": _page(request, applications)})


@resident_required
def application_detail(request, pk: int):
    application = selectors.resident_application(resident=request.resident, pk=pk)
    if application is None:
        raise Http404
    return render(
        request,
        "employment/application_detail.html",
        {
            "application": application,
            "timeline": _timeline(application, include_internal=False),
            "form": NoteForm(),
        },
    )


@resident_required
@require_POST
def application_withdraw(request, pk: int):
    application = selectors.resident_application(resident=request.resident, pk=pk)
    if application is None:
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.application_withdraw(
                application=application, actor=request.user, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your application was withdrawn."))
    return redirect(application.get_absolute_url())


@resident_required
def preferences(request):
    profile = selectors.jobseeker_profile(request.resident)
    initial = {
        "open_to_work": profile.open_to_work,
        "acceptable_shifts": sorted(profile.acceptable_shifts),
        "wage_floor": profile.wage_floor,
        "willing_towns": Town.objects.filter(pk__in=profile.willing_town_ids),
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.jobseeker_preferences_update(
                resident=request.resident, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your preferences were saved: your recommendations follow them."))
            return redirect("employment:home")
    return render(request, "employment/preferences.html", {"form": form}, status=400 if form.errors else 200)


# --- Employers ---------------------------------------------------------------------------------------


def _employer_job(request, pk: int) -> Job:
    job = selectors.employer_job(employer=request.employer, pk=pk)
    if job is None:
        raise Http404
    return job


@employer_required
def employer_home(request):
    """The company's profile and its job postings in every state."""
    jobs = selectors.employer_jobs(employer=request.employer)
    return render(
        request,
        "employment/employer_home.html",
        {"employer": request.employer, "page": _page(request, jobs)},
    )


@employer_required
def employer_contact(request):
    """The company's contact person and phone, kept by its own accounts."""
    employer = request.employer
    form = CompanyContactForm(
        request.POST or None,
        initial={"contact_name": employer.contact_name, "contact_phone": employer.contact_phone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            employer_contact_update(employer=employer, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The contact details were saved."))
            return redirect("employment:employer-home")
    return render(
        request, "employment/employer_contact.html", {"form": form}, status=400 if form.errors else 200
    )


@employer_required
def employer_job_create(request):
    form = JobForm(
        request.POST or None, initial={"sector": request.employer.sector, "town": request.employer.town}
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_create(employer=request.employer, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The job posting was saved as a draft. Publish it when it is ready."))
            return redirect("employment:employer-job", pk=job.pk)
    return render(
        request, "employment/employer_job_form.html", {"form": form}, status=400 if form.errors else 200
    )


@employer_required
def employer_job_edit(request, pk: int):
    job = _employer_job(request, pk)
    form = JobForm(request.POST or None, initial=JobForm.initial_for(job))
    if request.method == "POST" and form.is_valid():
        try:
            services.job_update(job=job, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The job posting was saved."))
            return redirect("employment:employer-job", pk=job.pk)
    return render(
        request,
        "employment/employer_job_form.html",
        {"form": form, "job": job},
        status=400 if form.errors else 200,
    )


@employer_required
def employer_job(request, pk: int):
    """The job with its applicants (and their fit) and the best candidates among the city's residents."""
    job = _employer_job(request, pk)
    page = _page(request, selectors.job_applications(job=job))
    reference = selectors.Reference.load()
    fits = selectors.applicant_explanations(job=job, applications=page.object_list, reference=reference)
    applicants = [(application, fits[application.pk]) for application in page.object_list]
    candidates = selectors.job_candidates(job=job, reference=reference) if job.state == Job.State.OPEN else []
    return render(
        request,
        "employment/employer_job.html",
        {
            "job": job,
            "page": page,
            "applicants": applicants,
            "candidates": candidates,
            "actions": available_transitions(job, request.user),
            "close_form": NoteForm(prefix="close"),
        },
    )


JOB_ACTIONS = {
    "publish": (services.job_publish, _("The job posting is open: residents can find it and apply.")),
    "close": (services.job_close, _("The job posting is closed; its applicants were told.")),
    "reopen": (services.job_reopen, _("The job posting is open again.")),
}


@employer_required
@require_POST
def employer_job_action(request, pk: int, action: str):
    job = _employer_job(request, pk)
    if action not in JOB_ACTIONS:
        raise Http404
    service, done = JOB_ACTIONS[action]
    arguments = {"job": job, "actor": request.user}
    if action == "close":
        form = NoteForm(request.POST, prefix="close")
        arguments["note"] = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service(**arguments)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(done))
    return redirect("employment:employer-job", pk=job.pk)


def _employer_application(request, pk: int) -> Application:
    application = selectors.employer_application(employer=request.employer, pk=pk)
    if application is None:
        raise Http404
    return application


def _application_context(request, application, **forms):
    fit = selectors.applicant_explanations(job=application.job, applications=[application])[application.pk]
    return {
        "application": application,
        "fit": fit,
        "timeline": _timeline(application, include_internal=True),
        "actions": available_transitions(application, request.user),
        "interview_form": forms.get("interview_form")
        or InterviewForm(prefix="interview", initial={"interview_place": application.interview_place}),
        "note_form": forms.get("note_form") or NoteForm(prefix="decision"),
    }


@employer_required
def employer_application(request, pk: int):
    application = _employer_application(request, pk)
    return render(request, "employment/employer_application.html", _application_context(request, application))


APPLICATION_ACTIONS = {
    "shortlist": (services.application_shortlist, _("The applicant was shortlisted and told.")),
    "offer": (services.application_offer, _("The job was offered; the applicant was told.")),
    "hire": (services.application_hire, _("The applicant is hired. Welcome them!")),
    "reject": (
        services.application_reject,
        _("The applicant was told that the application was not successful."),
    ),
}


@employer_required
@require_POST
def employer_application_action(request, pk: int, action: str):
    application = _employer_application(request, pk)
    if action == "invite":
        form = InterviewForm(request.POST, prefix="interview")
        if form.is_valid():
            try:
                services.application_invite(
                    application=application, actor=request.user, interview_at=form.cleaned_data["interview_at"],
                    place=form.cleaned_data["interview_place"], note=form.cleaned_data["note"],
                )  # fmt: skip
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("The applicant was invited to the interview and told."))
                return redirect("employment:employer-application", pk=application.pk)
        context = _application_context(request, application, interview_form=form)
        return render(request, "employment/employer_application.html", context, status=400)
    if action not in APPLICATION_ACTIONS:
        raise Http404
    service, done = APPLICATION_ACTIONS[action]
    form = NoteForm(request.POST, prefix="decision")
    if form.is_valid():
        try:
            service(application=application, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, str(done))
            return redirect("employment:employer-application", pk=application.pk)
    context = _application_context(request, application, note_form=form)
    return render(request, "employment/employer_application.html", context, status=400)


# --- Recruitment fairs ---


def fair_list(request):
    """Upcoming fairs for everyone, by town and dates, in pages."""
    form = FairSearchForm(request.GET or None)
    arguments = {}
    if form.is_valid():
        arguments = {key: form.cleaned_data.get(key) for key in ("town", "date_from", "date_to")}
    return render(
        request,
        "employment/fair_list.html",
        {
            "form": form,
            "page": _page(request, selectors.fair_upcoming(**arguments)),
            "query": _query_without_page(request),
        },
        status=400 if form.errors else 200,
    )


def _fair_detail_context(request, fair) -> dict:
    resident = resident_for_user(request.user)
    registration = selectors.fair_registration_live(fair=fair, resident=resident) if resident else None
    return {
        "fair": fair,
        "resident": resident,
        "registration": registration,
        "waitlist_place": selectors.fair_waitlist_places([registration]).get(registration.pk)
        if registration
        else None,
        "open_for_registration": fair.state == fair.State.SCHEDULED and fair.date >= timezone.localdate(),
    }


def fair_detail(request, pk: int):
    """A fair with the employers that attend and the open jobs they bring; residents register here."""
    fair = selectors.fair_public(pk=pk)
    if fair is None:
        raise Http404
    return render(request, "employment/fair_detail.html", _fair_detail_context(request, fair))


@resident_required
@require_POST
def fair_register(request, pk: int):
    fair = selectors.fair_public(pk=pk)
    if fair is None:
        raise Http404
    try:
        registration = services.fair_register(fair=fair, resident=request.resident, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("employment:fair-detail", pk=fair.pk)
    if registration.state == registration.State.WAITLISTED:
        place = selectors.fair_waitlist_places([registration])[registration.pk]
        messages.warning(
            request,
            _("The fair is full. You are number %(place)d on the waiting list; you will be told when a place "
              "is yours.") % {"place": place},
        )  # fmt: skip
    else:
        messages.success(request, _("You are registered. Show the QR code on this page at the entrance."))
    return redirect("employment:fair-mine")


@resident_required
@require_POST
def fair_registration_cancel(request, pk: int):
    registration = selectors.resident_fair_registration(resident=request.resident, pk=pk)
    if registration is None:
        raise Http404
    try:
        services.fair_registration_cancel(registration=registration, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your registration was cancelled."))
    return redirect("employment:fair-mine")


@resident_required
def fair_mine(request):
    """The resident's fairs: the QR code and number of each place held, the place on each waiting list."""
    page = _page(request, selectors.resident_fair_registrations(resident=request.resident))
    places = selectors.fair_waitlist_places(page.object_list)
    today = timezone.localdate()
    rows = [
        {
            "registration": registration,
            "fair": registration.fair,
            "waitlist_place": places.get(registration.pk),
            "qr": selectors.fair_check_in_qr_svg(registration.code)
            if registration.state == registration.State.REGISTERED and registration.fair.date >= today
            else None,
            "can_cancel": registration.state in (registration.State.REGISTERED, registration.State.WAITLISTED)
            and registration.fair.state == registration.fair.State.SCHEDULED
            and registration.fair.date >= today,
        }
        for registration in page.object_list
    ]
    return render(request, "employment/fair_mine.html", {"page": page, "rows": rows})


@employer_required
def employer_fair_list(request):
    """The fairs the company attends, with the jobs it brings and the interviews it booked."""
    page = _page(request, selectors.employer_fairs(employer=request.employer))
    return render(request, "employment/fair_employer_list.html", {"page": page, "employer": request.employer})


def _employer_participation(request, pk: int):
    participation = selectors.employer_fair(employer=request.employer, fair_pk=pk)
    if participation is None:
        raise Http404
    return participation


def _employer_fair_form(request, participation, data=None) -> FairInterviewForm:
    return FairInterviewForm(
        data,
        applications=selectors.employer_fair_applicants(employer=request.employer),
        slots=selectors.fair_free_slots(participation=participation),
    )


def _employer_fair_page(request, participation, form, status=200):
    return render(
        request,
        "employment/fair_employer_detail.html",
        {
            "participation": participation,
            "fair": participation.fair,
            "interviews": selectors.fair_booked_interviews(participation=participation),
            "form": form,
            "bookable": participation.fair.state == participation.fair.State.SCHEDULED
            and participation.fair.date >= timezone.localdate(),
        },
        status=status,
    )


@employer_required
def employer_fair(request, pk: int):
    """The company's table at a fair: its interviews booked, and a form to book another for an applicant."""
    participation = _employer_participation(request, pk)
    return _employer_fair_page(request, participation, _employer_fair_form(request, participation))


@employer_required
@require_POST
def employer_fair_book(request, pk: int):
    participation = _employer_participation(request, pk)
    form = _employer_fair_form(request, participation, request.POST)
    if form.is_valid():
        application = selectors.employer_application(
            employer=request.employer, pk=form.cleaned_data["application"]
        )
        try:
            if application is None:
                raise DomainError(_("Choose one of your applicants."), field="application")
            services.fair_interview_book(
                fair=participation.fair, employer=request.employer, application=application,
                starts_at=form.cleaned_data["starts_at"], actor=request.user,
            )  # fmt: skip
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The interview is booked; the applicant was told."))
            return redirect("employment:employer-fair", pk=participation.fair_id)
    return _employer_fair_page(request, participation, form, status=400)


@employer_required
@require_POST
def employer_fair_interview_cancel(request, pk: int):
    slot = selectors.fair_interviews_for_user(request.user).filter(pk=pk).first()
    if slot is None:
        raise Http404
    try:
        services.fair_interview_cancel(slot=slot, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The interview was cancelled; the applicant was told."))
    return redirect("employment:employer-fair", pk=slot.participation.fair_id)


# --- Training programmes and subsidies ---


def training_list(request):
    """Free training programmes not yet ended, for everyone, with filters and pages."""
    form = TrainingSearchForm(request.GET or None)
    arguments = form.search_arguments() if form.is_valid() else {}
    programmes = selectors.training_programme_list(**arguments)
    return render(
        request,
        "employment/training_list.html",
        {"form": form, "page": _page(request, programmes), "query": _query_without_page(request),
         "today": timezone.localdate()},
    )  # fmt: skip


def training_detail(request, pk: int):
    """A programme: what it teaches, where and when, seats left; a resident enrols or withdraws here."""
    programme = selectors.training_programme_get(pk)
    if programme is None:
        raise Http404
    resident = resident_for_user(request.user)
    context = {"programme": programme, "resident": resident, "today": timezone.localdate()}
    if resident is not None:
        enrolment = selectors.training_enrolment_for(programme=programme, resident=resident)
        context["enrolment"] = enrolment
        context["position"] = selectors.training_waitlist_position(enrolment) if enrolment else None
    return render(request, "employment/training_detail.html", context)


@resident_required
@require_POST
def training_enrol(request, pk: int):
    programme = selectors.training_programme_get(pk)
    if programme is None:
        raise Http404
    try:
        enrolment = services.training_enrol(
            programme=programme, resident=request.resident, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if enrolment.state == enrolment.State.ENROLLED:
            messages.success(request, _("You are enrolled. The training is free of charge."))
        else:
            messages.success(request, _("Every seat is taken: you are on the waiting list and will be told."))
    return redirect("employment:training-detail", pk=pk)


@resident_required
@require_POST
def training_withdraw(request, pk: int):
    enrolment = selectors.resident_enrolment(resident=request.resident, pk=pk)
    if enrolment is None:
        raise Http404
    try:
        services.training_withdraw(enrolment=enrolment, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You have withdrawn from the programme."))
    return redirect("employment:training-detail", pk=enrolment.programme_id)


@resident_required
def training_mine(request):
    """The resident's enrolments with their state, attendance and place on the waiting list."""
    enrolments = selectors.resident_enrolments(resident=request.resident)
    return render(request, "employment/training_mine.html", {"page": _page(request, enrolments)})


@resident_required
def training_certificates(request):
    """The resident's certificates, with the subsidy each entitles to and the state of its claim."""
    standings = selectors.resident_certificates(resident=request.resident)
    return render(request, "employment/subsidy_certificates.html", {"standings": standings})


@resident_required
@require_POST
def training_subsidy_claim(request, pk: int):
    certificate = selectors.resident_certificate(resident=request.resident, pk=pk)
    if certificate is None:
        raise Http404
    try:
        claim = services.subsidy_claim_submit(certificate=certificate, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Your claim of %(amount)s yuan was sent. A caseworker will decide on it.")
            % {"amount": claim.amount},
        )
    return redirect("employment:training-certificates")


@employer_required
def employer_training(request):
    """The on-site workshops the company hosts, with a link to each session's attendance sheet."""
    programmes = selectors.employer_training_programmes(employer=request.employer)
    return render(
        request,
        "employment/training_employer.html",
        {"page": _page(request, programmes), "today": timezone.localdate()},
    )


@employer_required
def employer_training_attendance(request, pk: int, session: int):
    """The host employer ticks who was present at a session of its workshop."""
    found = selectors.employer_training_session(
        employer=request.employer, programme_pk=pk, session_pk=session
    )
    if found is None:
        raise Http404
    enrolments, marked = selectors.training_session_trainees(found)
    form = TrainingAttendanceForm(request.POST or None, enrolments=enrolments, initial={"present": marked})
    if request.method == "POST" and form.is_valid():
        try:
            n = services.training_attendance_mark(
                session=found, present=form.cleaned_data["present"], actor=request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Attendance saved: %(n)d present.") % {"n": n})
            return redirect("employment:employer-training")
    return render(
        request,
        "employment/training_employer_attendance.html",
        {"session": found, "form": form},
        status=400 if form.errors else 200,
    )

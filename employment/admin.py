"""The employment caseworkers' screens: job postings, applications, placements, occupations, profiles.

States are read-only; they change only through actions that call the services (with their rules, their
records and their notices). Employers are in the residents registry's admin (employment caseworkers may
view them).
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field
from import_export.formats import base_formats

from employment import selectors, services
from employment.forms import FairCheckInForm, FairMonthForm, TrainingAttendanceForm
from employment.models import (
    Application,
    Enrolment,
    Fair,
    FairEmployer,
    FairInterviewSlot,
    FairRegistration,
    Job,
    JobSeekerProfile,
    Occupation,
    Placement,
    SubsidyClaim,
    SubsidyRate,
    SubsidySchedule,
    TrainingProgramme,
    TrainingSession,
    shift_labels,
)
from employment.resources import ApplicationResource, JobResource, PlacementResource
from employment.services import application_reject, job_close, job_reopen
from employment.tasks import jobseeker_profiles_rebuild_task
from kunshan_portal.admin_tools import (
    EstimatedCountPaginator,
    PlainActionCheckbox,
    SelectedRowsExport,
    ShownColumnsOnly,
    service_refusal,
)
from kunshan_portal.errors import DomainError
from kunshan_portal.exports import SafeExportResource

EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]


def _run_each(modeladmin, request, queryset: QuerySet, service, done) -> None:
    """Call the service for every selected row; report each refusal and the count of successes."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done % {"n": succeeded}, messages.SUCCESS)


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "sector")
    list_filter = ("sector",)
    search_fields = ("code", "name_zh", "name_en")


class ReadOnlyStateMixin:
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyStateMixin, SelectedRowsExport, admin.ModelAdmin):
    resource_classes = [JobResource]
    formats = EXPORT_FORMATS
    list_display = (
        "title", "employer", "town", "sector", "state", "openings", "hired_count", "dormitory", "published_at",
    )  # fmt: skip
    list_filter = ("state", "sector", "town", "dormitory", "occupation")
    search_fields = ("title", "employer__name", "=employer__uscc")
    list_select_related = ("employer", "town")
    show_full_result_count = False
    date_hierarchy = "published_at"
    fields = (
        "title", "description", "employer", "occupation", "sector", "state", "town", "commute_towns",
        "wage_min", "wage_max", "shifts_display", "openings", "hired_count", "dormitory", "essential_skills",
        "optional_skills", "required_certificates", "published_at", "created_at", "updated_at",
    )  # fmt: skip
    # Caseworkers correct the wording; everything the matcher and the rules read changes through the
    # employer's form (the services), never here.
    readonly_fields = tuple(f for f in fields if f not in {"title", "description"})
    actions = ["close_jobs", "reopen_jobs", "export_admin_action"]

    @admin.display(description=_("shifts"))
    def shifts_display(self, job) -> str:
        return ", ".join(shift_labels(job.shift_mask)) or "—"

    @admin.action(
        description=_("Close the selected job postings (their applicants are told)"), permissions=["change"]
    )
    def close_jobs(self, request, queryset):
        _run_each(self, request, queryset, lambda job: job_close(job=job, actor=request.user),
                  _("%(n)d job postings closed."))  # fmt: skip

    @admin.action(description=_("Open the selected job postings again"), permissions=["change"])
    def reopen_jobs(self, request, queryset):
        _run_each(self, request, queryset, lambda job: job_reopen(job=job, actor=request.user),
                  _("%(n)d job postings open again."))  # fmt: skip


@admin.register(Application)
class ApplicationAdmin(
    ShownColumnsOnly, PlainActionCheckbox, ReadOnlyStateMixin, SelectedRowsExport, admin.ModelAdmin
):
    resource_classes = [ApplicationResource]
    formats = EXPORT_FORMATS
    list_display = ("id", "resident", "job", "employer", "state", "submitted_at", "decided_at")
    list_filter = ("state", "job__sector", "job__town")
    search_fields = ("=resident__card_number", "resident__name", "job__title", "job__employer__name")
    list_select_related = ("resident", "job__employer")
    list_only = (
        "id", "state", "submitted_at", "decided_at", "resident", "resident__name", "resident__id_number_masked",
        "job", "job__title", "job__employer", "job__employer__name",
    )  # fmt: skip
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50  # as the other case lists: a screenful or two, and half the page to draw
    # Newest first by id: the primary key's index gives the first page at once, where sorting the whole
    # table by submission time took 120 ms at city scale (100,000 applications).
    ordering = ("-id",)
    readonly_fields = (
        "job", "resident", "state", "note", "interview_at", "interview_place", "submitted_at", "decided_at",
        "decision_note", "created_at", "updated_at",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["reject_applications", "export_admin_action"]

    @admin.display(description=_("employer"), ordering="job__employer__name")
    def employer(self, application):
        return application.job.employer

    @admin.action(
        description=_("Decline the selected applications (the applicants are told)"), permissions=["change"]
    )
    def reject_applications(self, request, queryset):
        _run_each(self, request, queryset, lambda a: application_reject(application=a, actor=request.user),
                  _("%(n)d applications declined."))  # fmt: skip


@admin.register(Placement)
class PlacementAdmin(ReadOnlyStateMixin, SelectedRowsExport, admin.ModelAdmin):
    resource_classes = [PlacementResource]
    formats = EXPORT_FORMATS
    list_display = ("hired_at", "resident", "employer", "job", "town", "sector")
    list_filter = ("town", "sector")
    search_fields = ("=resident__card_number", "resident__name", "employer__name", "=employer__uscc")
    list_select_related = ("resident", "employer", "job", "town")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    date_hierarchy = "hired_at"
    readonly_fields = ("application", "job", "employer", "resident", "town", "sector", "hired_at")
    fields = readonly_fields
    actions = ["export_admin_action"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobSeekerProfile)
class JobSeekerProfileAdmin(ReadOnlyStateMixin, admin.ModelAdmin):
    """The matcher's profiles: read-only; a rebuild repairs them from the registry."""

    list_display = ("resident", "town", "verified", "open_to_work", "wage_floor", "updated_at")
    list_filter = ("verified", "open_to_work", "town")
    search_fields = ("=resident__card_number",)
    list_select_related = ("resident", "town")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = (
        "resident", "town", "verified", "open_to_work", "acceptable_shift_mask", "wage_floor", "willing_town_ids",
        "skills_lo", "skills_hi", "certificates_lo", "certificates_hi", "updated_at",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["rebuild_profiles"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Rebuild every profile from the registry (runs in the background)"),
                  permissions=["view"])  # fmt: skip
    def rebuild_profiles(self, request, queryset):
        jobseeker_profiles_rebuild_task.delay()
        self.message_user(request, _("The rebuild of every profile has started."), messages.SUCCESS)


# --- Recruitment fairs ---
FAIR_DETAILS = (
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


class FairAdminForm(forms.ModelForm):
    """The fair's details; the schedule and update services are asked first, so a refusal shows here."""

    class Meta:
        model = Fair
        fields = FAIR_DETAILS

    request = None

    def clean(self):
        data = super().clean()
        if self.errors or self.request is None:
            return data
        values = {name: data.get(name) for name in FAIR_DETAILS}
        if self.instance.pk:
            refusal = service_refusal(
                lambda: services.fair_update(fair=self.instance, actor=self.request.user, **values)
            )
        else:
            refusal = service_refusal(lambda: services.fair_schedule(actor=self.request.user, **values))
        if refusal is not None:
            self.add_error(refusal.field if refusal.field in self.fields else None, str(refusal))
        return data


class FairEmployerInlineForm(forms.ModelForm):
    class Meta:
        model = FairEmployer
        fields = ("employer", "jobs", "booth")

    def clean(self):
        data = super().clean()
        if data.get("employer") and not data.get("DELETE"):
            try:
                services.fair_participant_check(employer=data["employer"], jobs=list(data.get("jobs") or []))
            except DomainError as exc:
                self.add_error("jobs", str(exc))
        return data


class FairEmployerInline(admin.TabularInline):
    model = FairEmployer
    form = FairEmployerInlineForm
    extra = 1
    autocomplete_fields = ("employer", "jobs")
    verbose_name = _("participating employer")


@admin.register(Fair)
class FairAdmin(admin.ModelAdmin):
    form = FairAdminForm
    inlines = [FairEmployerInline]
    list_display = (
        "title",
        "date",
        "starts_at",
        "venue",
        "town",
        "state",
        "capacity",
        "registered_count",
        "check_in_link",
    )
    list_filter = ("state", "town", "date")
    search_fields = ("title", "venue")
    list_select_related = ("town",)
    date_hierarchy = "date"
    ordering = ("-date", "-starts_at")
    readonly_fields = ("state", "registered_count", "figures", "check_in_link", "created_by", "created_at")
    fields = (*FAIR_DETAILS, *readonly_fields)
    actions = ["repeat_weekly", "cancel_fairs", "mark_held"]
    change_list_template = "employment/fair_admin_change_list.html"

    def has_delete_permission(self, request, obj=None):
        return False  # fairs are cancelled, never deleted: residents were told

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_inline_instances(self, request, obj=None):
        if obj is not None and obj.state != Fair.State.SCHEDULED:
            return []  # a held or cancelled fair keeps the employers it had
        return super().get_inline_instances(request, obj)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in FAIR_DETAILS}
        if change:
            saved = services.fair_update(fair=obj, actor=request.user, **values)
        else:
            saved = services.fair_schedule(actor=request.user, **values)
        # The admin goes on with this very object (its employers are saved against it): give it the row.
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db
        obj.created_by_id, obj.created_at = saved.created_by_id, saved.created_at

    def save_formset(self, request, form, formset, change):
        if formset.model is not FairEmployer:
            return super().save_formset(request, form, formset, change)
        fair = form.instance
        # What the admin's history message lists, kept as the formset itself would.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None) or {}
            known = inline_form.instance.pk is not None
            try:
                if data.get("DELETE"):
                    if known:
                        services.fair_participant_remove(
                            participation=inline_form.instance, actor=request.user
                        )
                        formset.deleted_objects.append(inline_form.instance)
                elif data.get("employer") and inline_form.has_changed():
                    saved = services.fair_participant_save(
                        fair=fair, employer=data["employer"], jobs=list(data.get("jobs") or []),
                        booth=data.get("booth") or "", actor=request.user,
                    )  # fmt: skip
                    if known:
                        formset.changed_objects.append((saved, inline_form.changed_data))
                    else:
                        formset.new_objects.append(saved)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        return None

    @admin.display(description=_("attendance"))
    def figures(self, fair) -> str:
        if not fair.pk:
            return "—"
        f = selectors.fair_attendance(fair=fair)
        url = reverse("admin:employment_fairregistration_changelist") + f"?fair__id__exact={fair.pk}"
        return format_html(
            '{} <a href="{}">{}</a>',
            _(
                "%(registered)d places taken, %(waitlisted)d waiting, %(attended)d checked in, %(hires)d hired."
            )
            % f,
            url,
            _("Registrations"),
        )

    @admin.display(description=_("check-in"))
    def check_in_link(self, fair) -> str:
        if not fair.pk or fair.state == Fair.State.CANCELLED:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:employment_fair_check_in", args=[fair.pk]), _("Check in")
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("generate/", wrap(self.generate_view), name="employment_fair_generate"),
            path("<int:pk>/check-in/", wrap(self.check_in_view), name="employment_fair_check_in"),
            *super().get_urls(),
        ]

    def _page(self, request, template, **context):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return TemplateResponse(request, template, context)

    def generate_view(self, request):
        """A weekly repeating schedule for a month: one fair on each chosen weekday of every week."""
        if not self.has_add_permission(request):
            raise Http404
        form = FairMonthForm(request.POST or None, initial=request.GET.dict() or None)
        if request.method == "POST" and form.is_valid():
            try:
                fairs = services.fair_schedule_month(actor=request.user, **form.schedule_arguments())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                self.message_user(
                    request,
                    _("%(n)d fairs scheduled: %(dates)s.")
                    % {"n": len(fairs), "dates": ", ".join(f"{fair.date:%m-%d}" for fair in fairs)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:employment_fair_changelist"))
        return self._page(
            request, "employment/fair_admin_form.html", form=form, title=_("Weekly schedule for a month")
        )

    def check_in_view(self, request, pk: int):
        """Staff check residents in at the entrance: scan the QR code or type the number."""
        fair = Fair.objects.select_related("town").filter(pk=pk).first()
        if fair is None or not request.user.has_perm("employment.change_fairregistration"):
            raise Http404
        form = FairCheckInForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    registration = services.fair_check_in(
                        fair=fair, code=form.cleaned_data["code"], actor=request.user
                    )
                except DomainError as exc:
                    form.add_error("code", str(exc))
                else:
                    self.message_user(
                        request,
                        _("%(name)s is checked in (number %(code)s).")
                        % {"name": registration.resident.name, "code": registration.code},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:employment_fair_check_in", args=[fair.pk]))
            status = 400
        recent = (
            FairRegistration.objects.filter(fair=fair, state=FairRegistration.State.CHECKED_IN)
            .select_related("resident")
            .order_by("-checked_in_at")[:20]
        )
        response = self._page(
            request, "employment/fair_admin_check_in.html", form=form, fair=fair, original=fair,
            title=_("Check in: %(fair)s") % {"fair": fair}, figures=selectors.fair_attendance(fair=fair),
            recent=recent, today=timezone.localdate(),
        )  # fmt: skip
        response.status_code = status
        return response

    @admin.action(description=_("Repeat the selected fair weekly for a month"), permissions=["add"])
    def repeat_weekly(self, request, queryset):
        fair = queryset.first()
        if queryset.count() != 1 or fair is None:
            self.message_user(request, _("Choose exactly one fair to repeat."), messages.ERROR)
            return None
        query = {
            "title": fair.title, "starts_at": f"{fair.starts_at:%H:%M}", "ends_at": f"{fair.ends_at:%H:%M}",
            "venue": fair.venue, "town": fair.town_id, "capacity": fair.capacity, "slot_minutes": fair.slot_minutes,
            "weekdays": fair.date.weekday(), "description": fair.description,
        }  # fmt: skip
        return HttpResponseRedirect(reverse("admin:employment_fair_generate") + "?" + urlencode(query))

    @admin.action(
        description=_("Cancel the selected fairs (the residents registered are told)"), permissions=["change"]
    )
    def cancel_fairs(self, request, queryset):
        _run_each(self, request, queryset, lambda fair: services.fair_cancel(fair=fair, actor=request.user),
                  _("%(n)d fairs cancelled."))  # fmt: skip

    @admin.action(description=_("Record the selected fairs as held"), permissions=["change"])
    def mark_held(self, request, queryset):
        _run_each(self, request, queryset, lambda fair: services.fair_mark_held(fair=fair, actor=request.user),
                  _("%(n)d fairs recorded as held."))  # fmt: skip


@admin.register(FairRegistration)
class FairRegistrationAdmin(ReadOnlyStateMixin, admin.ModelAdmin):
    list_display = ("code", "fair", "resident", "state", "waitlist_number", "created_at", "checked_in_at")
    list_filter = ("state", "fair__town", "fair__state")
    search_fields = ("=code", "=resident__card_number", "resident__name", "fair__title")
    list_select_related = ("fair", "resident")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    date_hierarchy = "fair__date"
    readonly_fields = (
        "fair", "resident", "state", "waitlist_number", "code", "created_at", "checked_in_at", "checked_in_by",
        "cancelled_at",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["cancel_registrations"]

    @admin.action(
        description=_("Cancel the selected registrations (the waiting list moves up)"), permissions=["change"]
    )
    def cancel_registrations(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda registration: services.fair_registration_cancel(registration=registration, actor=request.user),
            _("%(n)d registrations cancelled."),
        )  # fmt: skip


@admin.register(FairInterviewSlot)
class FairInterviewSlotAdmin(ReadOnlyStateMixin, admin.ModelAdmin):
    list_display = ("starts_at", "employer", "applicant", "job", "state")
    list_filter = ("state", "participation__fair__town")
    search_fields = (
        "participation__employer__name",
        "application__resident__name",
        "participation__fair__title",
    )
    list_select_related = (
        "participation__employer",
        "participation__fair",
        "application__resident",
        "application__job",
    )
    readonly_fields = ("participation", "application", "starts_at", "state", "booked_by", "created_at")
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("employer"))
    def employer(self, slot):
        return slot.participation.employer

    @admin.display(description=_("applicant"))
    def applicant(self, slot):
        return slot.application.resident

    @admin.display(description=_("job"))
    def job(self, slot):
        return slot.application.job


# --- Training programmes and subsidies ---


class TrainingSessionInline(admin.TabularInline):
    model = TrainingSession
    extra = 0
    fields = ("number", "date", "topic")


class EnrolmentInline(admin.TabularInline):
    """The programme's trainees and waiting list; their states change through the enrolments' actions."""

    model = Enrolment
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("resident", "state", "submitted_at", "enrolled_at", "completed_at", "certificate")
    readonly_fields = fields
    ordering = ("state", "submitted_at", "id")

    def has_add_permission(self, request, obj=None):
        return False


class TrainingProgrammeForm(forms.ModelForm):
    class Meta:
        model = TrainingProgramme
        fields = (
            "title", "kind", "description", "skill", "certificate", "provider", "employer", "town", "location",
            "seats", "starts_on", "ends_on", "schedule", "sessions", "sessions_required",
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        seats, taken = data.get("seats"), self.instance.enrolled_count if self.instance.pk else 0
        if seats is not None and seats < taken:
            self.add_error(
                "seats", _("%(n)d seats are taken already: the seats cannot be fewer.") % {"n": taken}
            )
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The programme cannot end before it starts."))
        sessions, required = data.get("sessions"), data.get("sessions_required")
        if sessions and required and required > sessions:
            self.add_error(
                "sessions_required", _("A trainee cannot be asked to attend more sessions than there are.")
            )
        if data.get("kind") == TrainingProgramme.Kind.WORKSHOP and not data.get("employer"):
            self.add_error("employer", _("An on-site workshop names the employer whose factory hosts it."))
        return data


@admin.register(TrainingProgramme)
class TrainingProgrammeAdmin(admin.ModelAdmin):
    form = TrainingProgrammeForm
    list_display = (
        "title",
        "kind",
        "skill",
        "certificate",
        "town",
        "starts_on",
        "ends_on",
        "seats",
        "enrolled_count",
    )
    list_filter = ("kind", "town", "skill", "certificate")
    search_fields = ("title", "provider", "employer__name")
    list_select_related = ("skill", "certificate", "town")
    autocomplete_fields = ("employer",)
    date_hierarchy = "starts_on"
    readonly_fields = ("enrolled_count", "attendance_sheets", "created_by", "created_at", "updated_at")
    inlines = [TrainingSessionInline, EnrolmentInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change and "seats" in form.changed_data:
            moved = services.training_waitlist_advance(programme=obj)
            if moved:
                self.message_user(
                    request, _("%(n)d people moved up from the waiting list and were told.") % {"n": moved}
                )

    @admin.display(description=_("attendance"))
    def attendance_sheets(self, programme) -> str:
        if not programme.pk:
            return "—"
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:employment_trainingprogramme_attendance", args=[programme.pk, session.pk]),
                _("session %(n)d, %(date)s") % {"n": session.number, "date": session.date.isoformat()},
            )
            for session in programme.session_list.all()
        ]
        if not links:
            return _("Add the sessions below, save, then mark attendance here.")
        return format_html_join("", "<p>{}</p>", ((link,) for link in links))

    def get_urls(self):
        urls = [
            path(
                "<int:programme_id>/attendance/<int:session_id>/",
                self.admin_site.admin_view(self.attendance_view),
                name="employment_trainingprogramme_attendance",
            )
        ]
        return urls + super().get_urls()

    def attendance_view(self, request, programme_id: int, session_id: int):
        """Tick who was present at one session; everyone enrolled who is not ticked is marked absent."""
        if not request.user.has_perm("employment.change_enrolment"):
            raise PermissionDenied
        session = get_object_or_404(TrainingSession.objects.select_related("programme"), pk=session_id,
                                    programme_id=programme_id)  # fmt: skip
        enrolments, marked = selectors.training_session_trainees(session)
        form = TrainingAttendanceForm(
            request.POST or None, enrolments=enrolments, initial={"present": marked}
        )
        if request.method == "POST" and form.is_valid():
            try:
                n = services.training_attendance_mark(
                    session=session, present=form.cleaned_data["present"], actor=request.user
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _("Attendance saved: %(n)d present.") % {"n": n}, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:employment_trainingprogramme_change", args=[programme_id])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Attendance: %(session)s") % {"session": session},
            "opts": self.opts,
            "session": session,
            "form": form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "employment/training_admin_attendance.html", context)


class EnrolmentResource(SafeExportResource):
    resident_name = Field(attribute="resident__name", column_name="resident")
    card_number = Field(attribute="resident__card_number", column_name="card_number")
    programme_title = Field(attribute="programme__title", column_name="programme")

    class Meta:
        model = Enrolment
        fields = ("id", "resident_name", "card_number", "programme_title", "state", "submitted_at", "enrolled_at",
                  "completed_at")  # fmt: skip
        export_order = fields


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyStateMixin, SelectedRowsExport, admin.ModelAdmin):
    resource_classes = [EnrolmentResource]
    formats = EXPORT_FORMATS
    list_display = ("id", "resident", "programme", "state", "submitted_at", "enrolled_at", "completed_at")
    list_filter = ("state", "programme__kind", "programme__town")
    search_fields = ("=resident__card_number", "resident__name", "programme__title")
    list_select_related = ("resident", "programme")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ("programme", "resident", "state", "submitted_at", "enrolled_at", "completed_at", "certificate",
                       "decided_at", "decision_note", "attended")  # fmt: skip
    fields = readonly_fields
    actions = ["complete_enrolments", "fail_enrolments", "export_admin_action"]

    @admin.display(description=_("sessions attended"))
    def attended(self, enrolment) -> int:
        return enrolment.attendance.filter(present=True).count()

    @admin.action(
        description=_("Record completion (issues the certificate; needs enough attendance)"),
        permissions=["change"],
    )
    def complete_enrolments(self, request, queryset):
        _run_each(self, request, queryset, lambda e: services.training_complete(enrolment=e, actor=request.user),
                  _("%(n)d trainees completed the programme; their certificates were issued."))  # fmt: skip

    @admin.action(description=_("Record that the trainees did not complete"), permissions=["change"])
    def fail_enrolments(self, request, queryset):
        _run_each(self, request, queryset, lambda e: services.training_fail(enrolment=e, actor=request.user),
                  _("%(n)d enrolments recorded as not completed."))  # fmt: skip


class SubsidyRateInline(admin.TabularInline):
    model = SubsidyRate
    extra = 0
    fields = ("level", "amount")


@admin.register(SubsidySchedule)
class SubsidyScheduleAdmin(admin.ModelAdmin):
    """The subsidy table: a new table from a date on changes the amounts of claims made from then."""

    list_display = ("effective_from", "second_approval_above", "note")
    fields = ("effective_from", "second_approval_above", "note")
    inlines = [SubsidyRateInline]


class SubsidyPaymentResource(SafeExportResource):
    """The payment file for the finance office: one line per claim, residents by name and card number."""

    claim = Field(attribute="pk", column_name="claim")
    batch = Field(attribute="payment_batch", column_name="payment_file")
    resident_name = Field(attribute="resident__name", column_name="resident")
    card_number = Field(attribute="resident__card_number", column_name="card_number")
    phone = Field(column_name="phone")
    certificate_name = Field(column_name="certificate")
    level = Field(attribute="level", column_name="level")
    amount = Field(attribute="amount", column_name="amount_yuan")
    approved_by = Field(column_name="approved_by")
    approved_on = Field(column_name="approved_on")

    class Meta:
        model = SubsidyClaim
        fields = ("claim", "batch", "resident_name", "card_number", "phone", "certificate_name", "level", "amount",
                  "approved_by", "approved_on")  # fmt: skip
        export_order = fields

    def dehydrate_phone(self, claim) -> str:
        return claim.resident.phone

    def dehydrate_certificate_name(self, claim) -> str:
        return claim.certificate.certificate_type.name_zh

    def dehydrate_approved_by(self, claim) -> str:
        approvers = [u.get_username() for u in (claim.first_approved_by, claim.second_approved_by) if u]
        return " + ".join(approvers)

    def dehydrate_approved_on(self, claim) -> str:
        at = claim.second_approved_at or claim.first_approved_at
        return timezone.localtime(at).date().isoformat() if at else ""


class SubsidyRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the resident reads it)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the rejection: the resident reads it.")},
    )  # fmt: skip


@admin.register(SubsidyClaim)
class SubsidyClaimAdmin(ReadOnlyStateMixin, admin.ModelAdmin):
    list_display = ("id", "resident", "certificate", "level", "amount", "state", "needs_second_approval",
                    "first_approved_by", "submitted_at", "payment_batch")  # fmt: skip
    list_filter = ("state", "level", "needs_second_approval", "payment_batch")
    search_fields = ("=resident__card_number", "resident__name", "=payment_batch")
    list_select_related = ("resident", "certificate__certificate_type", "first_approved_by")
    show_full_result_count = False
    date_hierarchy = "submitted_at"
    readonly_fields = (
        "resident", "certificate", "enrolment", "level", "amount", "state", "needs_second_approval",
        "first_approved_by", "first_approved_at", "second_approved_by", "second_approved_at", "exported_at",
        "payment_batch", "paid_at", "submitted_at", "decided_at", "decision_note",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["approve_claims", "reject_claims", "export_payment_file", "mark_paid"]

    @admin.action(
        description=_("Approve the selected claims (above the threshold, a second caseworker approves too)"),
        permissions=["change"],
    )
    def approve_claims(self, request, queryset):
        _run_each(self, request, queryset, lambda c: services.subsidy_claim_approve(claim=c, actor=request.user),
                  _("%(n)d claims approved."))  # fmt: skip

    @admin.action(description=_("Reject the selected claims (asks for the reason)"), permissions=["change"])
    def reject_claims(self, request, queryset):
        claims = list(queryset.select_related("resident", "certificate__certificate_type")[:500])
        form = SubsidyRejectForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if not form.is_bound or not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Reject subsidy claims"),
                "opts": self.opts,
                "claims": claims,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "employment/subsidy_admin_reject.html", context)
        _run_each(
            self, request, claims,
            lambda c: services.subsidy_claim_reject(claim=c, actor=request.user, reason=form.cleaned_data["reason"]),
            _("%(n)d claims rejected; the residents were told why."),
        )  # fmt: skip
        return None

    @admin.action(
        description=_("Export the approved claims as a payment file (CSV) and mark them sent for payment"),
        permissions=["change"],
    )
    def export_payment_file(self, request, queryset):
        try:
            batch, claims = services.subsidy_claims_export(claims=list(queryset), actor=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        rows = (
            SubsidyClaim.objects.filter(pk__in=[c.pk for c in claims])
            .select_related(
                "resident", "certificate__certificate_type", "first_approved_by", "second_approved_by"
            )
            .order_by("pk")
        )
        dataset = SubsidyPaymentResource().export(queryset=rows)
        response = HttpResponse("\ufeff" + dataset.csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subsidy-payments-{batch}.csv"'
        return response

    @admin.action(
        description=_("Record the selected claims as paid by the finance office"), permissions=["change"]
    )
    def mark_paid(self, request, queryset):
        _run_each(self, request, queryset, lambda c: services.subsidy_claim_mark_paid(claim=c, actor=request.user),
                  _("%(n)d claims recorded as paid."))  # fmt: skip

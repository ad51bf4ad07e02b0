"""The employment caseworkers' screens: job postings, applications, placements, occupations, profiles.

States are read-only; they change only through actions that call the services (with their rules, their
records and their notices). Employers are in the residents registry's admin (employment caseworkers may
view them).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin
from import_export.formats import base_formats

from employment.models import Application, Job, JobSeekerProfile, Occupation, Placement, shift_labels
from employment.resources import ApplicationResource, JobResource, PlacementResource
from employment.services import application_reject, job_close, job_reopen
from employment.tasks import jobseeker_profiles_rebuild_task
from kunshan_portal.admin_tools import EstimatedCountPaginator
from kunshan_portal.errors import DomainError

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
class JobAdmin(ReadOnlyStateMixin, ExportActionMixin, admin.ModelAdmin):
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
class ApplicationAdmin(ReadOnlyStateMixin, ExportActionMixin, admin.ModelAdmin):
    resource_classes = [ApplicationResource]
    formats = EXPORT_FORMATS
    list_display = ("id", "resident", "job", "employer", "state", "submitted_at", "decided_at")
    list_filter = ("state", "job__sector", "job__town")
    search_fields = ("=resident__card_number", "resident__name", "job__title", "job__employer__name")
    list_select_related = ("resident", "job__employer")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
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
class PlacementAdmin(ReadOnlyStateMixin, ExportActionMixin, admin.ModelAdmin):
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

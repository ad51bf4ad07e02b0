"""Exports of the employment caseworkers (CSV, XLSX): job postings, applications and placements.

Cells a spreadsheet would run as a formula (a job title typed as ``=HYPERLINK(...)``) are neutralised.
Exports carry residents' names and card numbers, never identity numbers.
"""

from django.utils import timezone
from import_export import fields

from employment.models import Application, Job, Placement
from kunshan_portal.exports import SafeExportResource


class JobResource(SafeExportResource):
    employer = fields.Field(attribute="employer__name", column_name="employer")
    employer_uscc = fields.Field(attribute="employer__uscc", column_name="employer_uscc")
    occupation = fields.Field(attribute="occupation__code", column_name="occupation")
    town = fields.Field(attribute="town__code", column_name="town")
    shifts = fields.Field(column_name="shifts")

    class Meta:
        model = Job
        fields = (
            "id", "title", "employer", "employer_uscc", "occupation", "sector", "town", "wage_min", "wage_max",
            "shifts", "openings", "hired_count", "dormitory", "state", "published_at", "created_at",
        )  # fmt: skip
        export_order = fields

    def dehydrate_shifts(self, job) -> str:
        return ",".join(sorted(job.shifts))


class ApplicationResource(SafeExportResource):
    job_title = fields.Field(attribute="job__title", column_name="job_title")
    employer = fields.Field(attribute="job__employer__name", column_name="employer")
    resident_name = fields.Field(attribute="resident__name", column_name="resident_name")
    resident_card_number = fields.Field(attribute="resident__card_number", column_name="resident_card_number")
    town = fields.Field(attribute="job__town__code", column_name="town")

    class Meta:
        model = Application
        fields = (
            "id", "job", "job_title", "employer", "town", "resident_name", "resident_card_number", "state",
            "submitted_at", "decided_at",
        )  # fmt: skip
        export_order = fields


class PlacementResource(SafeExportResource):
    month = fields.Field(column_name="month")
    town = fields.Field(attribute="town__code", column_name="town")
    employer = fields.Field(attribute="employer__name", column_name="employer")
    employer_uscc = fields.Field(attribute="employer__uscc", column_name="employer_uscc")
    job_title = fields.Field(attribute="job__title", column_name="job_title")
    resident_name = fields.Field(attribute="resident__name", column_name="resident_name")
    resident_card_number = fields.Field(attribute="resident__card_number", column_name="resident_card_number")

    class Meta:
        model = Placement
        fields = (
            "id", "hired_at", "month", "town", "sector", "employer", "employer_uscc", "job", "job_title",
            "resident_name", "resident_card_number",
        )  # fmt: skip
        export_order = fields

    def dehydrate_month(self, placement) -> str:
        return timezone.localtime(placement.hired_at).strftime("%Y-%m")

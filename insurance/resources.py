"""Exports of the caseworkers' lists (django-import-export). Identity numbers leave only masked."""

from import_export import fields

from insurance.models import ContributionLine, Enrolment, PayrollEntry
from kunshan_portal.exports import SafeExportResource


def _period(value) -> str:
    return f"{value:%Y-%m}" if value else ""


class EnrolmentResource(SafeExportResource):
    resident_name = fields.Field(attribute="resident__name", column_name="resident")
    card_number = fields.Field(attribute="resident__card_number", column_name="resident_card_number")
    id_number = fields.Field(attribute="resident__id_number_masked", column_name="id_number_masked")
    employer_name = fields.Field(attribute="employer__name", column_name="employer")
    employer_uscc = fields.Field(attribute="employer__uscc", column_name="employer_uscc")

    class Meta:
        model = Enrolment
        fields = ("id", "resident_name", "card_number", "id_number", "employer_name", "employer_uscc",
                  "start_date", "end_date", "state")  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("resident", "employer")


class ArrearsResource(EnrolmentResource):
    """An enrolment owing a month without payroll; the month comes from the admin's period filter."""

    period = fields.Field(attribute="arrears_period", column_name="period")

    class Meta(EnrolmentResource.Meta):
        fields = ("period", *EnrolmentResource.Meta.fields)
        export_order = fields

    def dehydrate_period(self, enrolment) -> str:
        return _period(getattr(enrolment, "arrears_period", None))


class ContributionLineResource(SafeExportResource):
    period = fields.Field(column_name="period")
    card_number = fields.Field(attribute="resident__card_number", column_name="resident_card_number")
    id_number = fields.Field(attribute="resident__id_number_masked", column_name="id_number_masked")
    employer_uscc = fields.Field(attribute="enrolment__employer__uscc", column_name="employer_uscc")

    class Meta:
        model = ContributionLine
        fields = ("id", "period", "scheme", "kind", "revision", "cause", "run", "enrolment", "card_number",
                  "id_number", "employer_uscc", "wage", "base", "employer_amount", "employee_amount", "pool",
                  "personal_account", "employer_rate", "employee_rate", "medical_share")  # fmt: skip
        export_order = fields

    def dehydrate_period(self, line) -> str:
        return _period(line.period)

    def get_queryset(self):
        return super().get_queryset().select_related("resident", "enrolment__employer")


class PayrollEntryResource(SafeExportResource):
    period = fields.Field(column_name="period")
    card_number = fields.Field(
        attribute="enrolment__resident__card_number", column_name="resident_card_number"
    )
    employer_uscc = fields.Field(attribute="enrolment__employer__uscc", column_name="employer_uscc")

    class Meta:
        model = PayrollEntry
        fields = ("id", "period", "enrolment", "card_number", "employer_uscc", "wage", "upload", "updated_at")
        export_order = fields

    def dehydrate_period(self, entry) -> str:
        return _period(entry.period)

    def get_queryset(self):
        return super().get_queryset().select_related("enrolment__resident", "enrolment__employer")

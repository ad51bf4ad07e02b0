"""Import and export of the caseworkers' tables (django-import-export)."""

from import_export import fields
from import_export.widgets import ForeignKeyWidget

from education.models import Application, Enrolment, Offer, RoundCutoff, School, SchoolSeats, SchoolYear
from kunshan_portal.exports import SafeExportResource
from residents.models import Town


class SchoolResource(SafeExportResource):
    """Schools by code: an import updates the school with the same code or adds it."""

    town = fields.Field(attribute="town", column_name="town", widget=ForeignKeyWidget(Town, "code"))

    class Meta:
        model = School
        import_id_fields = ["code"]
        fields = [
            "code",
            "name_zh",
            "name_en",
            "kind",
            "town",
            "address",
            "first_grade",
            "last_grade",
            "active",
        ]
        skip_unchanged = True


class SchoolSeatsResource(SafeExportResource):
    """Seats per school, school year and grade; the seats held by offers and enrolments are never imported
    (the database refuses fewer seats than are held)."""

    school = fields.Field(attribute="school", column_name="school", widget=ForeignKeyWidget(School, "code"))
    school_year = fields.Field(
        attribute="school_year", column_name="school_year", widget=ForeignKeyWidget(SchoolYear, "year")
    )
    taken = fields.Field(attribute="taken", column_name="taken", readonly=True)

    class Meta:
        model = SchoolSeats
        import_id_fields = ["school", "school_year", "grade"]
        fields = ["school", "school_year", "grade", "seats", "taken"]
        skip_unchanged = True


class ApplicationResource(SafeExportResource):
    child = fields.Field(attribute="child__name", column_name="child")
    child_id_number = fields.Field(attribute="child__id_number_masked", column_name="child_id_number")
    parent = fields.Field(attribute="parent__name", column_name="parent")
    parent_card = fields.Field(attribute="parent__card_number", column_name="parent_card")
    parent_town = fields.Field(attribute="parent__town__code", column_name="parent_town")
    schools = fields.Field(column_name="schools")

    class Meta:
        model = Application
        fields = ["id", "school_year", "grade", "state", "child", "child_id_number", "parent", "parent_card",
                  "parent_town", "lottery", "schools", "submitted_at"]  # fmt: skip
        export_order = fields

    def dehydrate_schools(self, application) -> str:
        return " > ".join(choice.school.code for choice in application.choices.all())


class OfferResource(SafeExportResource):
    child = fields.Field(attribute="application__child__name", column_name="child")
    school = fields.Field(attribute="school__code", column_name="school")
    school_year = fields.Field(attribute="round__school_year_id", column_name="school_year")
    round = fields.Field(attribute="round__number", column_name="round")

    class Meta:
        model = Offer
        fields = ["id", "application", "child", "school_year", "round", "school", "grade", "state", "deadline",
                  "decided_at"]  # fmt: skip
        export_order = fields


class EnrolmentResource(SafeExportResource):
    child = fields.Field(attribute="child__name", column_name="child")
    child_id_number = fields.Field(attribute="child__id_number_masked", column_name="child_id_number")
    school = fields.Field(attribute="school__code", column_name="school")
    kind = fields.Field(attribute="school__kind", column_name="kind")
    town = fields.Field(attribute="school__town__code", column_name="town")

    class Meta:
        model = Enrolment
        fields = ["id", "school_year", "grade", "child", "child_id_number", "school", "kind", "town", "offer",
                  "created_at"]  # fmt: skip
        export_order = fields


class RoundCutoffResource(SafeExportResource):
    school = fields.Field(attribute="school__code", column_name="school")
    school_year = fields.Field(attribute="round__school_year_id", column_name="school_year")
    round = fields.Field(attribute="round__number", column_name="round")

    class Meta:
        model = RoundCutoff
        fields = ["school_year", "round", "school", "grade", "seats", "applicants", "admitted", "full",
                  "last_catchment", "last_sibling", "last_months", "last_lottery"]  # fmt: skip
        export_order = fields

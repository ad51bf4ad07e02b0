"""Import and export of the housing stock and the caseworkers' lists (django-import-export).

Compounds are imported by code. Rooms are imported by compound code, building and room number; their
places (one per bed, or one family unit) and the asking rent are kept in step by `room_save`.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from import_export import fields
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from housing import services
from housing.models import Building, Compound, HousingApplication, Offer, Room, Tenancy
from kunshan_portal.errors import DomainError
from kunshan_portal.exports import SafeExportResource
from residents.models import Employer, Town


class CompoundResource(SafeExportResource):
    town = fields.Field(attribute="town", column_name="town", widget=ForeignKeyWidget(Town, "code"))
    owner = fields.Field(
        attribute="owner", column_name="owner_uscc", widget=ForeignKeyWidget(Employer, "uscc")
    )
    partner_employers = fields.Field(
        attribute="partner_employers",
        column_name="partner_employers_uscc",
        widget=ManyToManyWidget(Employer, separator="|", field="uscc"),
    )

    class Meta:
        model = Compound
        import_id_fields = ["code"]
        fields = [
            "code", "name_zh", "name_en", "kind", "town", "address", "owner", "partner_employers",
            "facilities", "accepting",
        ]  # fmt: skip
        export_order = fields
        skip_unchanged = True
        clean_model_instances = True


class RoomResource(SafeExportResource):
    """One row a room: compound,building,number,kind,capacity,rent (the asking rent of each of its places)."""

    compound = fields.Field(column_name="compound")
    building = fields.Field(column_name="building")
    rent = fields.Field(column_name="rent")

    class Meta:
        model = Room
        fields = ["compound", "building", "number", "kind", "capacity", "rent"]
        export_order = fields
        import_id_fields = []
        skip_unchanged = False

    def get_export_queryset(self, request=None, **kwargs):
        return Room.objects.select_related("building__compound").prefetch_related("places")

    def dehydrate_compound(self, room: Room) -> str:
        return room.building.compound.code

    def dehydrate_building(self, room: Room) -> str:
        return room.building.name

    def dehydrate_rent(self, room: Room) -> str:
        rents = [place.rent for place in room.places.all()]
        return str(min(rents)) if rents else ""

    def get_instance(self, instance_loader, row):
        return (
            Room.objects.select_related("building__compound")
            .filter(
                building__compound__code=str(row.get("compound") or "").strip(),
                building__name=str(row.get("building") or "").strip(),
                number=str(row.get("number") or "").strip(),
            )
            .first()
        )

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        code = str(row.get("compound") or "").strip()
        compound = Compound.objects.filter(code=code).first()
        if compound is None:
            raise ValidationError({"compound": f"No compound with the code “{code}”."})
        try:
            instance.building = services.building_get_or_create(
                compound=compound, name=str(row.get("building") or ""), actor=None
            )
            instance.import_rent = Decimal(str(row.get("rent") or "0").strip())
        except DomainError as exc:
            raise ValidationError({"building": str(exc)}) from exc
        except InvalidOperation as exc:
            raise ValidationError({"rent": "Enter the monthly rent as a number."}) from exc

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The service decides: room_save is the whole validation of a room and its places."""
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def do_instance_save(self, instance, is_create):
        try:
            services.room_save(
                room=instance, rent=instance.import_rent, kind=instance.kind, capacity=int(instance.capacity),
                actor=None,
            )  # fmt: skip
        except DomainError as exc:
            raise ValidationError({exc.field or "number": str(exc)}) from exc


class BuildingResource(SafeExportResource):
    compound = fields.Field(
        attribute="compound", column_name="compound", widget=ForeignKeyWidget(Compound, "code")
    )

    class Meta:
        model = Building
        fields = ["compound", "name"]
        import_id_fields = ["compound", "name"]


class ApplicationResource(SafeExportResource):
    resident = fields.Field(attribute="resident__name", column_name="resident")
    resident_card = fields.Field(attribute="resident__card_number", column_name="resident_card")
    town = fields.Field(attribute="resident__town__code", column_name="town")
    compounds = fields.Field(column_name="compounds")

    class Meta:
        model = HousingApplication
        fields = [
            "id", "state", "submitted_at", "resident", "resident_card", "town", "household_size",
            "household_income", "current_housing", "points", "unanswered_offers", "compounds",
        ]  # fmt: skip
        export_order = fields

    def get_export_queryset(self, request=None, **kwargs):
        return HousingApplication.objects.select_related("resident__town").prefetch_related(
            "choices__compound"
        )

    def dehydrate_compounds(self, application) -> str:
        return " > ".join(choice.compound.code for choice in application.choices.all())


class OfferResource(SafeExportResource):
    compound = fields.Field(attribute="place__compound__code", column_name="compound")
    place = fields.Field(attribute="place__describe", column_name="place")

    class Meta:
        model = Offer
        fields = ["id", "round", "application", "compound", "place", "rent", "utilities", "deadline", "state",
                  "answered_at"]  # fmt: skip
        export_order = fields


class TenancyResource(SafeExportResource):
    resident = fields.Field(attribute="resident__name", column_name="resident")
    resident_card = fields.Field(attribute="resident__card_number", column_name="resident_card")
    compound = fields.Field(attribute="place__compound__code", column_name="compound")
    place = fields.Field(attribute="place__describe", column_name="place")

    class Meta:
        model = Tenancy
        fields = ["id", "resident", "resident_card", "compound", "place", "household_size", "start_date",
                  "end_date", "end_reason", "rent", "utilities"]  # fmt: skip
        export_order = fields

"""Housing API: compounds to choose from, the resident's applications, offers and tenancies, an employer's
dormitories. Querysets are always the caller's own; writes go through the services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from housing import selectors, services
from housing.models import (
    MAX_CHOICES,
    MAX_HOUSEHOLD,
    Compound,
    CurrentHousing,
    HousingApplication,
    Offer,
    Tenancy,
)
from residents.selectors import employer_for_user, resident_for_user


class IsResident(permissions.BasePermission):
    message = _("Only residents have housing applications.")

    def has_permission(self, request, view):
        request.resident = resident_for_user(request.user)
        return request.resident is not None


class IsEmployer(permissions.BasePermission):
    message = _("Only employer accounts see dormitories.")

    def has_permission(self, request, view):
        request.employer = employer_for_user(request.user)
        return request.employer is not None


# --- Serializers -------------------------------------------------------------------------------------


class HousingCompoundSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    town = serializers.CharField(source="town.__str__", read_only=True)
    owner = serializers.CharField(source="owner.name", read_only=True, default=None)
    facilities = serializers.ListField(source="get_facilities", child=serializers.CharField(), read_only=True)
    bed_rent_from = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    unit_rent_from = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    free_places = serializers.IntegerField(source="free_count", read_only=True)

    class Meta:
        model = Compound
        fields = [
            "id", "code", "name", "kind", "town", "address", "owner", "facilities",
            "bed_rent_from", "unit_rent_from", "free_places",
        ]  # fmt: skip


class HousingChoiceSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    compound = serializers.IntegerField(source="compound_id")
    compound_name = serializers.CharField(source="compound.__str__")
    monthly_cost = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    can_be_offered = serializers.BooleanField(source="usable")
    why_not = serializers.CharField(source="get_unusable_display")


class HousingPointsLineSerializer(serializers.Serializer):
    reason = serializers.CharField()
    points = serializers.IntegerField()


class HousingChoiceStandingSerializer(serializers.Serializer):
    compound = serializers.IntegerField(source="choice.compound_id")
    rank = serializers.IntegerField(allow_null=True)
    free_now = serializers.IntegerField()
    vacated_last_year = serializers.IntegerField(source="vacated_per_year")
    expected_wait_months = serializers.IntegerField(source="wait_months", allow_null=True)


class HousingApplicationSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    choices = HousingChoiceSerializer(many=True, read_only=True)
    points_breakdown = serializers.SerializerMethodField()

    class Meta:
        model = HousingApplication
        fields = [
            "id", "state", "state_label", "submitted_at", "household_size", "household_income",
            "current_housing", "points", "points_breakdown", "unanswered_offers", "choices", "decision_note",
        ]  # fmt: skip

    @extend_schema(responses=HousingPointsLineSerializer(many=True))
    def get_points_breakdown(self, application) -> list[dict]:
        return [{"reason": text, "points": points} for text, points in selectors.points_lines(application)]


class HousingApplicationDetailSerializer(HousingApplicationSerializer):
    position = serializers.SerializerMethodField()
    standing = serializers.SerializerMethodField()

    class Meta(HousingApplicationSerializer.Meta):
        fields = [*HousingApplicationSerializer.Meta.fields, "position", "standing"]

    def _standing(self, application):
        if not hasattr(self, "_cached_standing"):
            self._cached_standing = selectors.application_standing(application)
        return self._cached_standing

    def get_position(self, application) -> int | None:
        return self._standing(application).position

    @extend_schema(responses=HousingChoiceStandingSerializer(many=True))
    def get_standing(self, application) -> list[dict]:
        return HousingChoiceStandingSerializer(self._standing(application).choices, many=True).data


class HousingApplicationInputSerializer(serializers.Serializer):
    household_size = serializers.IntegerField(min_value=1, max_value=MAX_HOUSEHOLD)
    household_income = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    current_housing = serializers.ChoiceField(choices=CurrentHousing.choices)
    compounds = serializers.PrimaryKeyRelatedField(
        queryset=Compound.objects.filter(accepting=True), many=True, help_text=_("Up to five, best first.")
    )

    def validate_compounds(self, compounds):
        if not 1 <= len(compounds) <= MAX_CHOICES:
            raise serializers.ValidationError(_("Choose one to five compounds, your favourite first."))
        return compounds


class HousingPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField(source="describe")
    compound = serializers.IntegerField(source="compound_id")
    address = serializers.CharField(source="compound.address")
    sleeps = serializers.IntegerField()


class HousingOfferSerializer(serializers.ModelSerializer):
    place = HousingPlaceSerializer(read_only=True)
    monthly_cost = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id", "application", "place", "rent", "utilities", "monthly_cost", "deadline", "state",
            "state_label", "answered_at", "created_at",
        ]  # fmt: skip


class HousingTenancySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    place = HousingPlaceSerializer()
    household_size = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    rent = serializers.DecimalField(max_digits=12, decimal_places=2)
    utilities = serializers.DecimalField(max_digits=12, decimal_places=2)
    monthly_cost = serializers.DecimalField(max_digits=12, decimal_places=2)


class HousingBuildingOccupancySerializer(serializers.Serializer):
    building = serializers.CharField(source="building.name")
    places = serializers.IntegerField()
    occupied = serializers.IntegerField()
    free = serializers.IntegerField()


class HousingDormitorySerializer(serializers.Serializer):
    compound = serializers.IntegerField(source="row.compound.pk")
    name = serializers.CharField(source="row.compound.__str__")
    places = serializers.IntegerField(source="row.places")
    occupied = serializers.IntegerField(source="row.occupied")
    offered = serializers.IntegerField(source="row.offered")
    free = serializers.IntegerField(source="row.free")
    occupancy_percent = serializers.DecimalField(source="row.rate", max_digits=5, decimal_places=1)
    buildings = HousingBuildingOccupancySerializer(many=True)


# --- Views -------------------------------------------------------------------------------------------


def _resident(view):
    """The caller's resident record (set by IsResident); None while the schema is generated."""
    return getattr(view.request, "resident", None)


class CompoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Compounds and dormitories open for applications, with their lowest rents and free places (public, as
    on the site)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = HousingCompoundSerializer
    filterset_fields = ["kind", "town"]

    def get_queryset(self):
        return selectors.compound_list()

    def paginate_queryset(self, queryset):
        """Page the compounds first, then add the figures of that page only."""
        page = super().paginate_queryset(queryset)
        return None if page is None else selectors.with_figures(page)

    def get_object(self):
        return selectors.with_figures([super().get_object()])[0]


class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The caller's own housing applications; the detail adds their rank and expected wait per choice."""

    permission_classes = [permissions.IsAuthenticated, IsResident]

    def get_queryset(self):
        if _resident(self) is None:
            return HousingApplication.objects.none()
        return selectors.applications_of_resident(_resident(self)).order_by("-submitted_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return HousingApplicationInputSerializer
        return (
            HousingApplicationDetailSerializer if self.action == "retrieve" else HousingApplicationSerializer
        )

    @extend_schema(
        request=HousingApplicationInputSerializer, responses={201: HousingApplicationDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = HousingApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_submit(
            resident=request.resident, actor=request.user, **data.validated_data
        )
        application = self.get_queryset().get(pk=application.pk)
        return Response(HousingApplicationDetailSerializer(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=HousingApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = services.application_withdraw(application=self.get_object(), actor=request.user)
        return Response(HousingApplicationSerializer(self.get_queryset().get(pk=application.pk)).data)


class OfferViewSet(viewsets.ReadOnlyModelViewSet):
    """Offers made to the caller; accept or decline an open one."""

    serializer_class = HousingOfferSerializer
    permission_classes = [permissions.IsAuthenticated, IsResident]

    def get_queryset(self):
        if _resident(self) is None:
            return Offer.objects.none()
        return selectors.offers_of_resident(_resident(self)).order_by("-created_at", "-id")

    @extend_schema(request=None, responses={201: HousingTenancySerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        tenancy = services.offer_accept(offer=self.get_object(), actor=request.user)
        tenancy = selectors.tenancies_of_resident(request.resident).get(pk=tenancy.pk)
        return Response(HousingTenancySerializer(tenancy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=HousingOfferSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        offer = self.get_object()
        services.offer_decline(offer=offer, actor=request.user)
        return Response(HousingOfferSerializer(self.get_queryset().get(pk=offer.pk)).data)


class TenancyViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's tenancies, the current one first."""

    serializer_class = HousingTenancySerializer
    permission_classes = [permissions.IsAuthenticated, IsResident]

    def get_queryset(self):
        if _resident(self) is None:
            return Tenancy.objects.none()
        return selectors.tenancies_of_resident(_resident(self)).order_by("end_date", "-start_date", "-id")


class DormitoryViewSet(viewsets.GenericViewSet):
    """The calling employer's own dormitories: occupancy per compound and building."""

    serializer_class = HousingDormitorySerializer
    permission_classes = [permissions.IsAuthenticated, IsEmployer]
    queryset = Compound.objects.none()  # the list is the selector's; this only names the model
    pagination_class = None

    def list(self, request):
        rows = [
            {"row": row, "buildings": buildings}
            for row, buildings in selectors.dormitory_occupancy(request.employer)
        ]
        return Response(HousingDormitorySerializer(rows, many=True).data)

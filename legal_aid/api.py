"""The residents' API: file a case, follow it, add documents, withdraw; stations to choose from."""

from django.http import FileResponse, Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response

from legal_aid.models import Case, CaseDocument, Hearing, Station, TimeLimit
from legal_aid.selectors import (
    case_list_for_resident,
    case_timeline_for_applicant,
    employer_by_uscc,
    station_list,
)
from legal_aid.services import case_file, case_withdraw, document_add
from residents.selectors import resident_for_user


class IsResident(BasePermission):
    """Only a resident's account; the view then has ``request.resident``."""

    def has_permission(self, request, view):
        request.resident = resident_for_user(request.user)
        return request.resident is not None


def _name(obj) -> str:
    return obj.name_en if translation.get_language() == "en" else obj.name_zh


class StationSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    town = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Station
        fields = ("id", "code", "name", "kind", "town", "parent", "address", "phone")

    def get_name(self, station) -> str:
        return _name(station)


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CaseDocument
        fields = ("id", "original_name", "content_type", "size", "description", "created_at", "url")

    def get_url(self, document) -> str:
        return f"/api/v1/legal-aid/cases/{document.case_id}/documents/{document.pk}/file/"


class DocumentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


class HearingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hearing
        fields = ("kind", "starts_at", "place")


class TimeLimitSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimeLimit
        fields = ("kind", "due_on", "met_on")


class TimelineStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    state = serializers.CharField()
    note = serializers.CharField()
    by_staff = serializers.BooleanField()


class CaseSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display_text", read_only=True)
    station = serializers.PrimaryKeyRelatedField(read_only=True)
    respondent = serializers.CharField(read_only=True)

    class Meta:
        model = Case
        fields = (
            "id",
            "reference",
            "kind",
            "category",
            "state",
            "state_label",
            "station",
            "respondent",
            "amount_claimed",
            "submitted_at",
            "examination_due",
            "means_test",
            "outcome",
            "amount_recovered",
        )


class CaseDetailSerializer(CaseSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    hearings = serializers.SerializerMethodField()
    time_limits = TimeLimitSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = (
            *CaseSerializer.Meta.fields,
            "facts",
            "assignee_role",
            "closed_at",
            "documents",
            "hearings",
            "time_limits",
            "timeline",
        )

    @extend_schema(responses=HearingSerializer(many=True))
    def get_hearings(self, case) -> list:
        return HearingSerializer([h for h in case.hearings.all() if not h.cancelled], many=True).data

    @extend_schema(responses=TimelineStepSerializer(many=True))
    def get_timeline(self, case) -> list:
        return TimelineStepSerializer(case_timeline_for_applicant(case=case), many=True).data


class CaseInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Case.Kind.choices, default=Case.Kind.AID)
    category = serializers.ChoiceField(choices=Case.Category.choices)
    station = serializers.PrimaryKeyRelatedField(
        queryset=Station.objects.filter(is_active=True), required=False
    )
    respondent_uscc = serializers.CharField(required=False, allow_blank=True, max_length=18)
    respondent_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    amount_claimed = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    facts = serializers.CharField(max_length=5000)

    def validate(self, attrs):
        uscc = (attrs.pop("respondent_uscc", "") or "").strip()
        attrs["respondent_employer"] = None
        if uscc:
            attrs["respondent_employer"] = employer_by_uscc(uscc)
            if attrs["respondent_employer"] is None:
                raise serializers.ValidationError(
                    {"respondent_uscc": ["No registered employer has this code."]}
                )
        return attrs


class WithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A resident's own legal-aid cases and complaints; another resident's case answers 404."""

    permission_classes = [IsAuthenticated, IsResident]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no resident
            return Case.objects.none()
        cases = case_list_for_resident(resident=self.request.resident)
        if self.action != "list":
            cases = cases.prefetch_related("documents", "hearings", "time_limits")
        return cases

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    @extend_schema(request=CaseInputSerializer, responses={201: CaseDetailSerializer})
    def create(self, request):
        data = CaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_file(
            applicant=request.resident,
            actor=request.user,
            documents=request.FILES.getlist("documents"),
            **data.validated_data,
        )
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=DocumentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": DocumentInputSerializer},
        responses={201: DocumentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def documents(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            return Response(DocumentSerializer(case.documents.all(), many=True).data)
        data = DocumentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_add(
            case=case,
            upload=data.validated_data["file"],
            actor=request.user,
            description=data.validated_data.get("description", ""),
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d+)/file")
    def document_file(self, request, pk=None, document_id=None):
        document = self.get_object().documents.filter(pk=document_id).first()
        if document is None:
            raise Http404
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(request=WithdrawSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        case = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_withdraw(case=case, actor=request.user, note=data.validated_data.get("note", ""))
        return Response(CaseDetailSerializer(self.get_queryset().get(pk=case.pk)).data)


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    """The legal-aid stations and sub-stations (public information, as on the site)."""

    permission_classes = [AllowAny]
    serializer_class = StationSerializer

    def get_queryset(self):
        return station_list()

"""The education API: schools and cut-offs for everyone, applications and offers for the parent."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from education import selectors, services
from education.explain import cutoff_text, facts_text, reason_text
from education.models import Application, Offer, RoundCutoff, School, SchoolYear
from residents.models import FamilyMember
from residents.selectors import resident_for_user


class IsResident(permissions.BasePermission):
    """A logged-in resident; the view finds the record in ``request.resident``."""

    def has_permission(self, request, view) -> bool:
        request.resident = resident_for_user(request.user)
        return request.resident is not None


class SchoolSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    town = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = School
        fields = ["id", "code", "name", "name_zh", "name_en", "kind", "kind_label", "town", "address",
                  "first_grade", "last_grade"]  # fmt: skip


class CutoffSerializer(serializers.ModelSerializer):
    school_year = serializers.IntegerField(source="round.school_year_id", read_only=True)
    round = serializers.IntegerField(source="round.number", read_only=True)
    school = SchoolSerializer(read_only=True)
    last_admitted = serializers.SerializerMethodField()

    class Meta:
        model = RoundCutoff
        fields = ["school_year", "round", "school", "grade", "seats", "applicants", "admitted", "full",
                  "last_catchment", "last_sibling", "last_months", "last_lottery", "last_admitted"]  # fmt: skip

    def get_last_admitted(self, cutoff) -> str:
        return cutoff_text(cutoff)


class ChoicesInputSerializer(serializers.Serializer):
    schools = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.all(), many=True, allow_empty=False, help_text="school ids, most wanted first"
    )


class ApplicationInputSerializer(ChoicesInputSerializer):
    child = serializers.PrimaryKeyRelatedField(queryset=FamilyMember.objects.none())
    school_year = serializers.PrimaryKeyRelatedField(queryset=SchoolYear.objects.all())
    grade = serializers.IntegerField(min_value=1, max_value=9)

    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is not None:
            self.fields["child"].queryset = selectors.children_of(parent)


class ChoiceSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    school = SchoolSerializer()


class ApplicationSerializer(serializers.ModelSerializer):
    child = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    school_year = serializers.IntegerField(source="school_year_id")
    choices = ChoiceSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = ["id", "child", "school_year", "grade", "state", "state_label", "lottery", "submitted_at",
                  "choices"]  # fmt: skip

    def get_child(self, application) -> dict:
        return {"id": application.child_id, "name": application.child.name}


class FactsSerializer(serializers.Serializer):
    frozen_in_round = serializers.IntegerField(source="frozen_in.number", allow_null=True, default=None)
    months = serializers.IntegerField()
    lottery = serializers.IntegerField()
    town = serializers.SlugRelatedField(slug_field="code", read_only=True)
    choices = serializers.SerializerMethodField()

    def get_choices(self, facts) -> list[dict]:
        return [
            {"rank": c.rank, "school": c.school.pk, "catchment": c.catchment, "sibling": c.sibling}
            for c in facts.choices
        ]


class ApplicationDetailSerializer(ApplicationSerializer):
    facts = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "facts", "results"]

    def get_facts(self, application) -> dict:
        return FactsSerializer(selectors.application_facts(application)).data

    def get_results(self, application) -> list[dict]:
        return [
            {
                "round": result.round.number,
                "offer": result.offer.pk if result.offer else None,
                "school": result.offer.school_id if result.offer else None,
                "refusals": [
                    {
                        "school": refusal.school.pk,
                        "reason": refusal.reason,
                        "explanation": reason_text(refusal),
                        "cutoff": facts_text(refusal.last_admitted),
                        "child": facts_text(refusal.child),
                    }
                    for refusal in result.refusals
                ],
            }
            for result in selectors.application_results(application)
        ]


class OfferSerializer(serializers.ModelSerializer):
    school = SchoolSerializer(read_only=True)
    round = serializers.IntegerField(source="round.number", read_only=True)
    school_year = serializers.IntegerField(source="round.school_year_id", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "application", "school_year", "round", "school", "grade", "state", "state_label",
                  "deadline"]  # fmt: skip


class SchoolViewSet(viewsets.ReadOnlyModelViewSet):
    """The schools taking applications; filter with ?town=<code>&kind=public|dedicated&grade=<1-9>."""

    serializer_class = SchoolSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        params = self.request.query_params
        schools = selectors.school_list(kind=params.get("kind", ""))
        if params.get("town"):
            schools = schools.filter(town__code=params["town"])
        if params.get("grade", "").isdigit():
            grade = int(params["grade"])
            schools = schools.filter(first_grade__lte=grade, last_grade__gte=grade)
        return schools


class CutoffViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Published cut-offs of finished rounds; filter with ?school_year=&grade=."""

    serializer_class = CutoffSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.cutoff_list(
            school_year=int(params["school_year"]) if params.get("school_year", "").isdigit() else None,
            grade=int(params["grade"]) if params.get("grade", "").isdigit() else None,
        )


class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The caller's own applications for school places (another family's answer 404)."""

    permission_classes = [permissions.IsAuthenticated, IsResident]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return selectors.application_list_for_parent(self.request.resident)

    def get_serializer_class(self):
        return ApplicationDetailSerializer if self.action == "retrieve" else ApplicationSerializer

    def get_object(self):
        try:
            return selectors.application_for_parent(self.request.resident, int(self.kwargs["pk"]))
        except (Application.DoesNotExist, ValueError) as exc:
            raise Http404 from exc

    @extend_schema(request=ApplicationInputSerializer, responses={201: ApplicationDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = ApplicationInputSerializer(data=request.data, parent=request.resident)
        data.is_valid(raise_exception=True)
        application = services.application_submit(
            parent=request.resident, actor=request.user, **data.validated_data
        )
        return Response(ApplicationDetailSerializer(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChoicesInputSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["put"])
    def schools(self, request, pk=None):
        """Replace the ranked schools (while the application waits for a round)."""
        application = self.get_object()  # another family's application answers 404 whatever the input
        data = ChoicesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_choices_update(
            application=application, schools=data.validated_data["schools"], actor=request.user
        )
        return Response(ApplicationDetailSerializer(self.get_object()).data)

    @extend_schema(request=None, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        services.application_withdraw(application=self.get_object(), actor=request.user)
        return Response(ApplicationDetailSerializer(self.get_object()).data)


class OfferViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's school place offers, to accept or decline before the deadline."""

    serializer_class = OfferSerializer
    permission_classes = [permissions.IsAuthenticated, IsResident]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        return selectors.offer_list_for_parent(self.request.resident)

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        offer = self.get_object()
        services.offer_accept(offer=offer, actor=request.user)
        return Response(OfferSerializer(self.get_queryset().get(pk=offer.pk)).data)

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        offer = self.get_object()
        services.offer_decline(offer=offer, actor=request.user)
        return Response(OfferSerializer(self.get_queryset().get(pk=offer.pk)).data)

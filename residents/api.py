"""The resident's API: their own profile and family, and a token for apps. Writes go through the services."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from kunshan_portal.mfa import mfa_required
from kunshan_portal.models import Language
from residents import services
from residents.idcard import validate_uscc
from residents.models import (
    AccountClosure,
    CertificateType,
    Education,
    FamilyMember,
    Resident,
    Skill,
    Town,
)
from residents.selectors import employer_by_uscc, resident_family, resident_for_user


class IsResident(permissions.BasePermission):
    """A logged-in user with a resident record; the view finds it on ``request.resident``."""

    message = _("Only registered residents can use this endpoint.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        request.resident = resident_for_user(request.user)
        return request.resident is not None


class EmployerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()


class ResidentSerializer(serializers.ModelSerializer):
    """The resident's own profile as the API shows it: identity number masked, derived facts included."""

    id_number = serializers.CharField(source="id_number_masked")
    state_label = serializers.CharField(source="get_state_display_text")
    home_province = serializers.CharField()
    town = serializers.SlugRelatedField(slug_field="code", read_only=True)
    town_name = serializers.CharField(source="town.__str__")
    employer = EmployerSerializer(allow_null=True)
    skills = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    certificates = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = [
            "id", "name", "id_number", "birth_date", "gender", "home_region_code", "home_province_code",
            "home_province", "phone", "arrival_date", "town", "town_name", "address", "employer",
            "education", "skills", "certificates", "language", "state", "state_label", "decision_note",
            "card_number", "submitted_at", "decided_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_certificates(self, resident) -> list[str]:
        return sorted(
            held.certificate_type.code for held in resident.certificates.select_related("certificate_type")
        )

    def get_language(self, resident) -> str | None:
        return resident.user.language if resident.user_id else None


class ProfileUpdateSerializer(serializers.Serializer):
    """What a resident may change through the API; anything else is refused by the service."""

    phone = serializers.CharField(max_length=20)
    arrival_date = serializers.DateField()
    town = serializers.SlugRelatedField(slug_field="code", queryset=Town.objects.all())
    address = serializers.CharField(max_length=200)
    employer = serializers.CharField(
        allow_null=True, allow_blank=True, help_text=_("The employer's unified social credit code, or null.")
    )
    education = serializers.ChoiceField(choices=Education.choices)
    skills = serializers.SlugRelatedField(slug_field="code", queryset=Skill.objects.all(), many=True)
    certificates = serializers.SlugRelatedField(
        slug_field="code", queryset=CertificateType.objects.all(), many=True
    )
    language = serializers.ChoiceField(choices=Language.choices)

    def validate_employer(self, value):
        if not value:
            return None
        try:
            code = validate_uscc(value)
        except ValueError as exc:
            raise serializers.ValidationError(services.USCC_MESSAGES[str(exc)]) from exc
        employer = employer_by_uscc(code)
        if employer is None:
            raise serializers.ValidationError(
                _("No employer with this credit code is registered in Kunshan.")
            )
        return employer

    def to_internal_value(self, data):
        unknown = set(data) - set(self.fields) if hasattr(data, "keys") else set()
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This detail cannot be changed here.")] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)


class MeView(APIView):
    """GET: the resident's own profile. PATCH: change the editable details (name and number only in person)."""

    permission_classes = [IsResident]

    def _profile(self, request):
        resident = Resident.objects.select_related("town", "employer", "user").prefetch_related("skills")
        return resident.get(pk=request.resident.pk)

    @extend_schema(responses=ResidentSerializer)
    def get(self, request):
        return Response(ResidentSerializer(self._profile(request)).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=ResidentSerializer)
    def patch(self, request):
        changes = ProfileUpdateSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        services.resident_update_profile(
            resident=request.resident, actor=request.user, **changes.validated_data
        )
        return Response(ResidentSerializer(self._profile(request)).data)


class FamilyMemberSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked")

    class Meta:
        model = FamilyMember
        fields = ["id", "relation", "name", "id_number", "birth_date", "gender"]
        read_only_fields = fields


class FamilyMemberCreateSerializer(serializers.Serializer):
    relation = serializers.ChoiceField(choices=FamilyMember.Relation.choices)
    name = serializers.CharField(max_length=60)
    id_number = serializers.CharField(
        max_length=24, help_text=_("18 characters; the birth date is read from it.")
    )


class FamilyMemberNameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)


class FamilyMemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The resident's own spouse and children; another resident's family member answers 404."""

    permission_classes = [IsResident]
    serializer_class = FamilyMemberSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FamilyMember.objects.none()
        return resident_family(self.request.resident)

    @extend_schema(request=FamilyMemberCreateSerializer, responses={201: FamilyMemberSerializer})
    def create(self, request, *args, **kwargs):
        data = FamilyMemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.family_member_add(
            resident=request.resident, actor=request.user, **data.validated_data
        )
        return Response(FamilyMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FamilyMemberNameSerializer, responses=FamilyMemberSerializer)
    def update(self, request, *args, **kwargs):
        member = self.get_object()
        data = FamilyMemberNameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.family_member_update(
            member=member, actor=request.user, name=data.validated_data["name"]
        )
        return Response(FamilyMemberSerializer(member).data)

    def perform_destroy(self, instance):
        services.family_member_remove(member=instance, actor=self.request.user)


class TokenRequestSerializer(serializers.Serializer):
    phone = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """POST phone and password (or call it logged in): the caller's API token. DELETE: revoke it."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request):
        user = request.user if request.user.is_authenticated else None
        if user is None or "password" in request.data:
            credentials = TokenRequestSerializer(data=request.data)
            credentials.is_valid(raise_exception=True)
            user = authenticate(
                request._request,
                username=credentials.validated_data["phone"].strip(),
                password=credentials.validated_data["password"],
            )
            if user is None or not user.is_active:
                raise AuthenticationFailed(_("Wrong mobile number or password."))
        if mfa_required(user):
            # a token would skip the second factor: staff and accounts that turned it on use the site
            raise PermissionDenied(_("Accounts with a second factor cannot use API tokens."))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not request.user.is_authenticated:
            raise AuthenticationFailed(_("Not logged in."))
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Account closure ---
class AccountClosureSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AccountClosure.State.choices)
    requested_at = serializers.DateTimeField(source="created_at")
    due_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)


class AccountClosureRequestSerializer(serializers.Serializer):
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, help_text=_("The account's password.")
    )


class AccountClosureView(APIView):
    """GET: the resident's latest closure request. POST with the password: ask for the account to be
    closed (after the grace period). DELETE: cancel the pending request."""

    permission_classes = [IsResident]

    def _latest(self, request):
        return request.resident.closures.order_by("-created_at").first()

    @extend_schema(responses={200: AccountClosureSerializer, 404: None})
    def get(self, request):
        closure = self._latest(request)
        if closure is None:
            raise NotFound(_("You have not asked for your account to be closed."))
        return Response(AccountClosureSerializer(closure).data)

    @extend_schema(request=AccountClosureRequestSerializer, responses={201: AccountClosureSerializer})
    def post(self, request):
        data = AccountClosureRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.check_password(data.validated_data["password"]):
            raise serializers.ValidationError({"password": [_("That is not your password.")]})
        closure = services.account_closure_request(resident=request.resident, actor=request.user)
        return Response(AccountClosureSerializer(closure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AccountClosureSerializer})
    def delete(self, request):
        closure = request.resident.closures.filter(state=AccountClosure.State.REQUESTED).first()
        if closure is None:
            raise NotFound(_("There is no pending request to cancel."))
        closure = services.account_closure_cancel(closure=closure, actor=request.user)
        return Response(AccountClosureSerializer(closure).data)

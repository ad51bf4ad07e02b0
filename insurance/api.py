"""The social-insurance API: the public contribution preview, the resident's statement, the employer's
enrolments, payroll upload, statement and arrears. Every query is filtered to the caller."""

from django.core.paginator import Paginator
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from insurance import selectors, services
from insurance.contributions import format_period, parse_period
from insurance.models import Enrolment, EnrolmentWage
from kunshan_portal.errors import DomainError
from residents.selectors import employer_for_user, resident_by_id_number, resident_for_user

MONEY = {"max_digits": 12, "decimal_places": 2}


class PeriodField(serializers.CharField):
    """A month as ``YYYY-MM``."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-10.")}

    def to_internal_value(self, data):
        try:
            return parse_period(super().to_internal_value(data))
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return format_period(value)


def money(value) -> str:
    return f"{value:.2f}"


# --- Public preview ---------------------------------------------------------------------------------


class PreviewQuerySerializer(serializers.Serializer):
    wage = serializers.DecimalField(**MONEY, min_value=0)
    birth_date = serializers.DateField()
    period = PeriodField()


class PreviewLineSerializer(serializers.Serializer):
    scheme = serializers.CharField()
    employer = serializers.CharField()
    employee = serializers.CharField()
    pool = serializers.CharField()
    personal_account = serializers.CharField()


class PreviewSerializer(serializers.Serializer):
    period = serializers.CharField()
    base = serializers.CharField()
    lines = PreviewLineSerializer(many=True)
    employer_total = serializers.CharField()
    employee_total = serializers.CharField()


def result_data(result) -> dict:
    """A computed month as the API shows it: amounts as strings with two decimals, schemes in order."""
    return {
        "period": format_period(result.period_start),
        "base": money(result.base),
        "lines": [
            {
                "scheme": line.scheme,
                "employer": money(line.employer),
                "employee": money(line.employee),
                "pool": money(line.pool),
                "personal_account": money(line.personal_account),
            }
            for line in result.lines
        ],
        "employer_total": money(result.employer_total),
        "employee_total": money(result.employee_total),
    }


class ContributionPreviewView(APIView):
    """What a monthly wage owes in a month under the rates in force then; open to everyone."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(parameters=[PreviewQuerySerializer], responses=PreviewSerializer)
    def get(self, request):
        query = PreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = selectors.contribution_preview(**query.validated_data)
        return Response(result_data(result))


# --- The resident's statement -----------------------------------------------------------------------


class EnrolmentOutSerializer(serializers.ModelSerializer):
    employer = serializers.CharField(source="employer.name")
    state_label = serializers.CharField(source="get_state_display")
    current_wage = serializers.DecimalField(**MONEY, read_only=True, coerce_to_string=True)

    class Meta:
        model = Enrolment
        fields = ["id", "employer", "start_date", "end_date", "state", "state_label", "current_wage"]


class StatementLineSerializer(serializers.Serializer):
    scheme = serializers.CharField()
    kind = serializers.CharField()
    revision = serializers.IntegerField()
    base = serializers.DecimalField(**MONEY)
    employer = serializers.DecimalField(**MONEY, source="employer_amount")
    employee = serializers.DecimalField(**MONEY, source="employee_amount")
    pool = serializers.DecimalField(**MONEY)
    personal_account = serializers.DecimalField(**MONEY)
    employer_rate = serializers.DecimalField(max_digits=7, decimal_places=5)
    employee_rate = serializers.DecimalField(max_digits=7, decimal_places=5)


class MonthSerializer(serializers.Serializer):
    period = serializers.CharField(source="label")
    lines = StatementLineSerializer(many=True)
    employer_total = serializers.DecimalField(**MONEY)
    employee_total = serializers.DecimalField(**MONEY)


class MeView(APIView):
    """The caller's enrolments, personal-account balances and monthly lines (12 months a page)."""

    permission_classes = [IsAuthenticated]
    months_per_page = 12

    @extend_schema(responses=None)
    def get(self, request):
        resident = resident_for_user(request.user)
        if resident is None:
            raise PermissionDenied
        page = Paginator(selectors.resident_periods(resident), self.months_per_page).get_page(
            request.query_params.get("page")
        )
        months = selectors.resident_statements(resident, list(page.object_list))
        balances = selectors.resident_balances(resident)
        return Response(
            {
                "enrolments": EnrolmentOutSerializer(
                    selectors.enrolment_list_for_resident(resident), many=True
                ).data,
                "balances": {"pension": money(balances["pension"]), "medical": money(balances["medical"])},
                "months": {
                    "count": page.paginator.count,
                    "page": page.number,
                    "pages": page.paginator.num_pages,
                    "results": MonthSerializer(months, many=True).data,
                },
            }
        )


# --- The employer's enrolments ----------------------------------------------------------------------


class EmployerMixin:
    permission_classes = [IsAuthenticated]

    @property
    def employer(self):
        if not hasattr(self, "_employer"):
            self._employer = employer_for_user(self.request.user)
            if self._employer is None:
                raise PermissionDenied
        return self._employer


class EnrolmentInSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=18, min_length=18)
    start_date = serializers.DateField()
    wage = serializers.DecimalField(**MONEY, min_value=0)


class EmployerEnrolmentSerializer(EnrolmentOutSerializer):
    resident_name = serializers.CharField(source="resident.name")
    card_number = serializers.CharField(source="resident.card_number")
    id_number = serializers.CharField(source="resident.id_number_masked")

    class Meta(EnrolmentOutSerializer.Meta):
        fields = ["id", "resident_name", "card_number", "id_number", "start_date", "end_date", "state",
                  "state_label", "current_wage"]  # fmt: skip


class WageInSerializer(serializers.Serializer):
    wage = serializers.DecimalField(**MONEY, min_value=0)
    period = PeriodField()


class WageOutSerializer(serializers.ModelSerializer):
    period = PeriodField(source="valid_from")

    class Meta:
        model = EnrolmentWage
        fields = ["period", "wage"]


class EndInSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class EnrolmentViewSet(
    EmployerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The employer's enrolments: list, enrol (POST), change the wage, end."""

    serializer_class = EmployerEnrolmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is built without a caller
            return Enrolment.objects.none()
        return selectors.enrolment_list_for_employer(
            employer=self.employer, search=self.request.query_params.get("q", "")
        )

    def _detail(self, pk) -> Enrolment:
        enrolment = selectors.enrolment_for_employer(employer=self.employer, pk=pk)
        if enrolment is None:
            raise Http404
        return enrolment

    @extend_schema(request=EnrolmentInSerializer, responses=EmployerEnrolmentSerializer)
    def create(self, request):
        data = EnrolmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resident = resident_by_id_number(data.validated_data["id_number"])
        if resident is None:
            raise DomainError(_("No registered resident has this identity number."), field="id_number")
        enrolment = services.enrolment_create(
            resident=resident,
            employer=self.employer,
            start_date=data.validated_data["start_date"],
            wage=data.validated_data["wage"],
            actor=request.user,
        )
        return Response(self.get_serializer(self._detail(enrolment.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WageInSerializer, responses=WageOutSerializer)
    @action(detail=True, methods=["post"])
    def wage(self, request, pk=None):
        enrolment = self._detail(pk)  # another employer's enrolment answers 404 whatever the input
        data = WageInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.enrolment_wage_change(
            enrolment=enrolment,
            wage=data.validated_data["wage"],
            valid_from=data.validated_data["period"],
            actor=request.user,
        )
        return Response(WageOutSerializer(row).data)

    @extend_schema(request=EndInSerializer, responses=EmployerEnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        enrolment = self._detail(pk)  # another employer's enrolment answers 404 whatever the input
        data = EndInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.enrolment_end(
            enrolment=enrolment,
            end_date=data.validated_data["end_date"],
            note=data.validated_data.get("note", ""),
            actor=request.user,
        )
        return Response(self.get_serializer(self._detail(pk)).data)


class PayrollUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class PayrollUploadView(EmployerMixin, APIView):
    """Upload a payroll file; a bad file answers 400 with every bad row, and nothing is saved."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=PayrollUploadSerializer, responses=None)
    def post(self, request):
        employer = self.employer  # only an employer account may upload, whatever the file
        data = PayrollUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            saved = services.payroll_upload(
                employer=employer, file_name=upload.name, content=upload.read(), actor=request.user
            )
        except services.PayrollFileRejected as exc:
            return Response(
                {
                    "detail": str(exc),
                    "errors": {"file": [str(exc)]},
                    "rows": [{"line": error.line, "message": error.message} for error in exc.errors],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {"id": saved.pk, "rows": saved.rows, "changed": saved.changed}, status=status.HTTP_201_CREATED
        )


def _page(request, items: list, serialize) -> Response:
    paginator = Paginator(items, 20)
    page = paginator.get_page(request.query_params.get("page"))
    return Response(
        {"count": paginator.count, "page": page.number, "pages": paginator.num_pages,
         "results": [serialize(item) for item in page.object_list]}
    )  # fmt: skip


class EmployerStatementView(EmployerMixin, APIView):
    """What the employer owes per month, newest first."""

    @extend_schema(responses=None)
    def get(self, request):
        return _page(
            request,
            selectors.employer_owed(self.employer),
            lambda row: {
                "period": row.label,
                "employer": money(row.employer_amount),
                "employee": money(row.employee_amount),
                "total": money(row.total),
            },
        )


class EmployerArrearsView(EmployerMixin, APIView):
    """Months an enrolment of the employer owed with no payroll row, newest first."""

    @extend_schema(responses=None)
    def get(self, request):
        return _page(
            request,
            selectors.employer_arrears(self.employer),
            lambda row: {
                "period": row.label,
                "enrolment": row.enrolment_id,
                "resident_name": row.resident_name,
                "card_number": row.card_number,
            },
        )

"""The employment API: jobs (search, detail, recommendations, candidates) and applications.

Querysets are filtered to the caller: open jobs for everyone plus an employer's own jobs; a resident's own
applications and those for an employer's jobs. Writes go through the services; a DomainError answers 400
(403 when the service says the caller may not act).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from employment import selectors, services
from employment.models import Application, Job, Occupation, Shift
from residents.models import CertificateType, Sector, Skill, Town
from residents.selectors import employer_for_user, resident_for_user

# --- Output ------------------------------------------------------------------------------------------


class EmploymentNamedSerializer(serializers.Serializer):
    """A skill, certificate, town or occupation: its code and its name in the caller's language."""

    code = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return str(obj)


class JobEmployerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    employer = JobEmployerSerializer()
    occupation = EmploymentNamedSerializer()
    town = EmploymentNamedSerializer()
    commute_towns = EmploymentNamedSerializer(many=True)
    essential_skills = EmploymentNamedSerializer(many=True)
    optional_skills = EmploymentNamedSerializer(many=True)
    required_certificates = EmploymentNamedSerializer(many=True)
    shifts = serializers.SerializerMethodField()
    openings_left = serializers.IntegerField()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = Job
        fields = [
            "id", "title", "state", "state_label", "employer", "occupation", "sector", "description",
            "town", "commute_towns", "wage_min", "wage_max", "shifts", "openings", "openings_left",
            "hired_count", "dormitory", "essential_skills", "optional_skills", "required_certificates",
            "published_at",
        ]  # fmt: skip

    def get_shifts(self, job) -> list[str]:
        return [code for code in Shift.values if code in job.shifts]


class JobSummarySerializer(serializers.ModelSerializer):
    employer = JobEmployerSerializer()
    town = EmploymentNamedSerializer()
    shifts = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "title", "employer", "town", "sector", "wage_min", "wage_max", "shifts", "dormitory"]

    def get_shifts(self, job) -> list[str]:
        return [code for code in Shift.values if code in job.shifts]


class TrainingOfferSerializer(serializers.Serializer):
    title = serializers.CharField()
    provider = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    url = serializers.CharField()


class MatchExplanationSerializer(serializers.Serializer):
    score = serializers.FloatField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    skills_matched = EmploymentNamedSerializer(many=True)
    skills_missing_essential = EmploymentNamedSerializer(many=True)
    skills_missing_optional = EmploymentNamedSerializer(many=True)
    certificates_missing = EmploymentNamedSerializer(many=True)
    training = serializers.DictField(child=TrainingOfferSerializer(many=True))


class JobRecommendationSerializer(serializers.Serializer):
    job = JobSummarySerializer()
    match = MatchExplanationSerializer(source="explanation")


class JobCandidateResidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    town = EmploymentNamedSerializer()
    education = serializers.CharField()


class JobCandidateSerializer(serializers.Serializer):
    resident = JobCandidateResidentSerializer()
    skills = EmploymentNamedSerializer(many=True)
    match = MatchExplanationSerializer(source="explanation")


class JobApplicantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    town = EmploymentNamedSerializer()
    verified = serializers.BooleanField(source="is_verified")


class JobApplicationSerializer(serializers.ModelSerializer):
    job = JobSummarySerializer()
    resident = JobApplicantSerializer()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = Application
        fields = [
            "id", "job", "resident", "state", "state_label", "note", "interview_at", "interview_place",
            "submitted_at", "decided_at", "decision_note",
        ]  # fmt: skip


# --- Input -------------------------------------------------------------------------------------------


class JobFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    town = serializers.SlugRelatedField(slug_field="code", queryset=Town.objects.all(), required=False)
    sector = serializers.ChoiceField(choices=Sector.choices, required=False)
    wage = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    shifts = serializers.ListField(child=serializers.ChoiceField(choices=Shift.choices), required=False)
    dormitory = serializers.BooleanField(required=False, allow_null=True, default=None)
    mine = serializers.BooleanField(required=False, default=False)


class JobInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    occupation = serializers.SlugRelatedField(slug_field="code", queryset=Occupation.objects.all())
    sector = serializers.ChoiceField(choices=Sector.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    essential_skills = serializers.SlugRelatedField(
        slug_field="code", queryset=Skill.objects.all(), many=True, required=False
    )
    optional_skills = serializers.SlugRelatedField(
        slug_field="code", queryset=Skill.objects.all(), many=True, required=False
    )
    required_certificates = serializers.SlugRelatedField(
        slug_field="code", queryset=CertificateType.objects.all(), many=True, required=False
    )
    wage_min = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    wage_max = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    shifts = serializers.ListField(child=serializers.ChoiceField(choices=Shift.choices), required=False)
    town = serializers.SlugRelatedField(slug_field="code", queryset=Town.objects.all())
    commute_towns = serializers.SlugRelatedField(
        slug_field="code", queryset=Town.objects.all(), many=True, required=False
    )
    openings = serializers.IntegerField(min_value=1, max_value=10_000)
    dormitory = serializers.BooleanField(required=False)


class JobApplicationInputSerializer(serializers.Serializer):
    job = serializers.PrimaryKeyRelatedField(queryset=Job.objects.filter(state=Job.State.OPEN))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EmploymentNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class InterviewInviteSerializer(serializers.Serializer):
    interview_at = serializers.DateTimeField()
    interview_place = serializers.CharField(max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# --- Views -------------------------------------------------------------------------------------------


def _resident_or_403(request):
    resident = resident_for_user(request.user)
    if resident is None:
        raise PermissionDenied(_("Only residents may do this."))
    return resident


def _employer_or_403(request):
    employer = employer_for_user(request.user)
    if employer is None:
        raise PermissionDenied(_("Only employer accounts may do this."))
    return employer


JOB_LISTS = ("essential_skills", "optional_skills", "required_certificates", "commute_towns")


class JobViewSet(viewsets.GenericViewSet):
    """Open jobs for everyone; an employer's own jobs in every state; recommendations and candidates."""

    serializer_class = JobSerializer
    queryset = Job.objects.none()

    @extend_schema(parameters=[JobFilterSerializer], responses=JobSerializer(many=True))
    def list(self, request):
        filters = JobFilterSerializer(
            data={**request.query_params.dict(), "shifts": request.query_params.getlist("shifts")}
        )
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        if data.get("mine"):
            jobs = selectors.employer_jobs(employer=_employer_or_403(request))
        else:
            jobs = selectors.job_search(
                keyword=data.get("q", ""), town=data.get("town"), sector=data.get("sector", ""),
                wage=data.get("wage"), shifts=data.get("shifts") or (), dormitory=data.get("dormitory"),
            )  # fmt: skip
        page = self.paginate_queryset(
            jobs.select_related("employer", "town", "occupation").prefetch_related(*JOB_LISTS)
        )
        return self.get_paginated_response(JobSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        job = selectors.job_visible(user=request.user, pk=pk)
        if job is None:
            raise Http404
        return Response(JobSerializer(job).data)

    @extend_schema(request=JobInputSerializer, responses={201: JobSerializer})
    def create(self, request):
        employer = _employer_or_403(request)
        data = JobInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.job_create(employer=employer, actor=request.user, **data.validated_data)
        return Response(JobSerializer(self._own_job(request, job.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=JobInputSerializer, responses=JobSerializer)
    def partial_update(self, request, pk=None):
        job = self._own_job(request, pk)
        data = JobInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.job_update(job=job, actor=request.user, **data.validated_data)
        return Response(JobSerializer(self._own_job(request, pk)).data)

    def _own_job(self, request, pk) -> Job:
        employer = _employer_or_403(request)
        job = selectors.employer_job(employer=employer, pk=pk)
        if job is None:
            raise Http404
        return job

    def _job_step(self, request, pk, service, **arguments):
        job = self._own_job(request, pk)
        service(job=job, actor=request.user, **arguments)
        return Response(JobSerializer(self._own_job(request, pk)).data)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._job_step(request, pk, services.job_publish)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        note = EmploymentNoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        return self._job_step(request, pk, services.job_close, note=note.validated_data["note"])

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._job_step(request, pk, services.job_reopen)

    @extend_schema(
        responses=inline_serializer(
            "JobRecommendations",
            {"count": serializers.IntegerField(), "results": JobRecommendationSerializer(many=True)},
        )
    )
    @action(detail=False, methods=["get"])
    def recommended(self, request):
        """The caller's (a resident's) top 20 open jobs with score and explanation."""
        resident = _resident_or_403(request)
        matches = selectors.job_recommendations(resident=resident)
        return Response(
            {"count": len(matches), "results": JobRecommendationSerializer(matches, many=True).data}
        )

    @extend_schema(
        responses=inline_serializer(
            "JobCandidates",
            {"count": serializers.IntegerField(), "results": JobCandidateSerializer(many=True)},
        )
    )
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None):
        """The top 50 verified residents for one of the caller's (an employer's) open jobs."""
        job = self._own_job(request, pk)
        matches = selectors.job_candidates(job=job) if job.state == Job.State.OPEN else []
        return Response({"count": len(matches), "results": JobCandidateSerializer(matches, many=True).data})

    @extend_schema(responses=MatchExplanationSerializer)
    @action(detail=True, methods=["get"])
    def match(self, request, pk=None):
        """How the caller (a resident) matches this job, eligible or not."""
        resident = _resident_or_403(request)
        job = selectors.job_visible(user=request.user, pk=pk)
        if job is None:
            raise Http404
        return Response(
            MatchExplanationSerializer(selectors.job_match_for_resident(job=job, resident=resident)).data
        )


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A resident's own applications and the applications for an employer's jobs, with their steps."""

    serializer_class = JobApplicationSerializer
    queryset = Application.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return Application.objects.none()
        return selectors.applications_for_user(self.request.user)

    @extend_schema(request=JobApplicationInputSerializer, responses={201: JobApplicationSerializer})
    def create(self, request):
        """A resident applies for an open job (a construction job refuses an applicant without the safety
        certificate, with the reason)."""
        resident = _resident_or_403(request)
        data = JobApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_submit(
            job=data.validated_data["job"], resident=resident, actor=request.user,
            note=data.validated_data.get("note", ""),
        )  # fmt: skip
        return Response(JobApplicationSerializer(self.get_queryset().get(pk=application.pk)).data, status=201)

    def _step(self, request, service, serializer_class=EmploymentNoteSerializer, **renamed):
        application = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        arguments = {renamed.get(key, key): value for key, value in data.validated_data.items()}
        service(application=application, actor=request.user, **arguments)
        return Response(JobApplicationSerializer(self.get_queryset().get(pk=application.pk)).data)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._step(request, services.application_withdraw)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        return self._step(request, services.application_shortlist)

    @extend_schema(request=InterviewInviteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        return self._step(
            request, services.application_invite, InterviewInviteSerializer, interview_place="place"
        )

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        return self._step(request, services.application_offer)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def hire(self, request, pk=None):
        return self._step(request, services.application_hire)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._step(request, services.application_reject)

"""The employment API: jobs (search, detail, recommendations, candidates) and applications.

Querysets are filtered to the caller: open jobs for everyone plus an employer's own jobs; a resident's own
applications and those for an employer's jobs. Writes go through the services; a DomainError answers 400
(403 when the service says the caller may not act).
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from employment import selectors, services
from employment.models import (
    Application,
    Enrolment,
    Fair,
    FairInterviewSlot,
    FairRegistration,
    Job,
    Occupation,
    Shift,
    SubsidyClaim,
    TrainingProgramme,
)
from kunshan_portal.api import PublicSearchPagination
from kunshan_portal.lifecycle import lifecycle_actor_check
from kunshan_portal.pagecache import kept_answer
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
        return job.shift_codes


class JobSummarySerializer(serializers.ModelSerializer):
    employer = JobEmployerSerializer()
    town = EmploymentNamedSerializer()
    shifts = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "title", "employer", "town", "sector", "wage_min", "wage_max", "shifts", "dormitory"]

    def get_shifts(self, job) -> list[str]:
        return job.shift_codes


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


_WAGE = serializers.DecimalField(max_digits=12, decimal_places=2)
_DAY = serializers.DateField()


def _named(items) -> list[dict]:
    return [{"code": str(item.code), "name": str(item)} for item in items]


def recommendation_data(match) -> dict:
    """``JobRecommendationSerializer(match).data`` written out. DRF copies the nested serializers' fields for
    every answer and walks them for each of the 20 jobs: 2 ms of the API's 5.6 ms recommendations. The
    serializer still documents the answer (OpenAPI); ``tests/employment/test_api.py`` compares the two."""
    job, explanation = match.job, match.explanation
    return {
        "job": {
            "id": job.id,
            "title": str(job.title),
            "employer": {"id": job.employer.id, "name": str(job.employer.name)},
            "town": {"code": str(job.town.code), "name": str(job.town)},
            "sector": job.sector,
            "wage_min": _WAGE.to_representation(job.wage_min),
            "wage_max": _WAGE.to_representation(job.wage_max),
            "shifts": job.shift_codes,
            "dormitory": bool(job.dormitory),
        },
        "match": {
            "score": float(explanation.score),
            "eligible": bool(explanation.eligible),
            "reasons": [str(reason) for reason in explanation.reasons],
            "skills_matched": _named(explanation.skills_matched),
            "skills_missing_essential": _named(explanation.skills_missing_essential),
            "skills_missing_optional": _named(explanation.skills_missing_optional),
            "certificates_missing": _named(explanation.certificates_missing),
            "training": {
                str(code): [
                    {
                        "title": str(offer.title),
                        "provider": str(offer.provider),
                        "starts_on": _DAY.to_representation(offer.starts_on),  # None stays None
                        "url": str(offer.url),
                    }
                    for offer in offers
                ]
                for code, offers in explanation.training.items()
            },
        },
    }


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

    def get_permissions(self):
        """Open jobs are public, as on the site; an employer's own list and every other action need a login."""
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return super().get_permissions()

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
        if data.get("mine"):  # an employer's own list counts exactly and is never kept
            return self._page(request, jobs, self.paginator)
        # The public search keeps its total a minute; its plain pages are kept whole (pagecache).
        return Response(
            kept_answer(request, lambda: self._page(request, jobs, PublicSearchPagination()).data)
        )

    def _page(self, request, jobs, pager):
        page = pager.paginate_queryset(
            jobs.select_related("employer", "town", "occupation").prefetch_related(*JOB_LISTS), request, self
        )
        return pager.get_paginated_response(JobSerializer(page, many=True).data)

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
        return Response({"count": len(matches), "results": [recommendation_data(match) for match in matches]})

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
        made = selectors.application_with_details(application.pk)
        return Response(JobApplicationSerializer(made).data, status=201)

    def _step(self, request, step: str, service, serializer_class=EmploymentNoteSerializer, **renamed):
        """One step of the application's life (``step`` names its transition): someone who may not take it
        is told so before the details they sent are checked."""
        application = self.get_object()
        lifecycle_actor_check(obj=application, transition=step, actor=request.user)
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        arguments = {renamed.get(key, key): value for key, value in data.validated_data.items()}
        service(application=application, actor=request.user, **arguments)
        return Response(JobApplicationSerializer(self.get_queryset().get(pk=application.pk)).data)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._step(request, "withdraw", services.application_withdraw)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        return self._step(request, "shortlist", services.application_shortlist)

    @extend_schema(request=InterviewInviteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        return self._step(
            request, "invite", services.application_invite, InterviewInviteSerializer, interview_place="place"
        )

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        return self._step(request, "offer", services.application_offer)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def hire(self, request, pk=None):
        return self._step(request, "hire", services.application_hire)

    @extend_schema(request=EmploymentNoteSerializer, responses=JobApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._step(request, "reject", services.application_reject)


# --- Recruitment fairs ---


class FairSummarySerializer(serializers.ModelSerializer):
    town = EmploymentNamedSerializer()
    state_label = serializers.CharField(source="get_state_display")
    places_left = serializers.IntegerField()

    class Meta:
        model = Fair
        fields = [
            "id", "title", "date", "starts_at", "ends_at", "venue", "town", "capacity", "places_left", "state",
            "state_label",
        ]  # fmt: skip


class FairParticipantSerializer(serializers.Serializer):
    employer = JobEmployerSerializer()
    booth = serializers.CharField()
    jobs = JobSummarySerializer(many=True)


class FairSerializer(FairSummarySerializer):
    employers = FairParticipantSerializer(source="participants", many=True)

    class Meta(FairSummarySerializer.Meta):
        fields = [*FairSummarySerializer.Meta.fields, "description", "slot_minutes", "employers"]


class FairRegistrationSerializer(serializers.ModelSerializer):
    fair = FairSummarySerializer()
    state_label = serializers.CharField(source="get_state_display")
    waitlist_place = serializers.SerializerMethodField()

    class Meta:
        model = FairRegistration
        fields = [
            "id",
            "fair",
            "state",
            "state_label",
            "code",
            "waitlist_place",
            "created_at",
            "checked_in_at",
        ]

    def get_waitlist_place(self, registration) -> int | None:
        return self.context.get("places", {}).get(registration.pk)


class FairCheckedInSerializer(serializers.ModelSerializer):
    """What the staff at the entrance see after a check-in."""

    resident = serializers.CharField(source="resident.name")
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = FairRegistration
        fields = ["id", "code", "resident", "state", "state_label", "checked_in_at"]


class FairInterviewSerializer(serializers.ModelSerializer):
    fair = FairSummarySerializer(source="participation.fair")
    employer = JobEmployerSerializer(source="participation.employer")
    application = serializers.IntegerField(source="application_id")
    applicant = serializers.CharField(source="application.resident.name")
    job = serializers.CharField(source="application.job.title")
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = FairInterviewSlot
        fields = [
            "id",
            "fair",
            "employer",
            "application",
            "applicant",
            "job",
            "starts_at",
            "state",
            "state_label",
        ]


class FairFilterSerializer(serializers.Serializer):
    town = serializers.SlugRelatedField(slug_field="code", queryset=Town.objects.all(), required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError(
                {"date_to": [_("The last day cannot be before the first day.")]}
            )
        return data


class FairCheckInInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)


class FairInterviewInputSerializer(serializers.Serializer):
    fair = serializers.PrimaryKeyRelatedField(queryset=Fair.objects.all())
    application = serializers.IntegerField()
    starts_at = serializers.DateTimeField()


class FairViewSet(viewsets.GenericViewSet):
    """Upcoming fairs (filters ``town`` code, ``date_from``, ``date_to``), a fair with its employers and jobs;
    residents register, staff check residents in, employers see their free interview slots."""

    serializer_class = FairSerializer
    queryset = Fair.objects.none()

    @extend_schema(parameters=[FairFilterSerializer], responses=FairSummarySerializer(many=True))
    def list(self, request):
        filters = FairFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.fair_upcoming(**filters.validated_data))
        return self.get_paginated_response(FairSummarySerializer(page, many=True).data)

    def _fair(self, pk) -> Fair:
        fair = selectors.fair_public(pk=pk)
        if fair is None:
            raise Http404
        return fair

    def retrieve(self, request, pk=None):
        return Response(FairSerializer(self._fair(pk)).data)

    @extend_schema(request=None, responses={201: FairRegistrationSerializer})
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        """The caller (a resident) registers: a place while places are left, otherwise the waiting list."""
        resident = _resident_or_403(request)
        registration = services.fair_register(fair=self._fair(pk), resident=resident, actor=request.user)
        registration = selectors.fair_registrations_for_user(request.user).get(pk=registration.pk)
        places = selectors.fair_waitlist_places([registration])
        return Response(FairRegistrationSerializer(registration, context={"places": places}).data, status=201)

    @extend_schema(request=FairCheckInInputSerializer, responses=FairCheckedInSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """Recruitment-centre staff check a resident in by the number under the QR code."""
        if not request.user.has_perm("employment.change_fairregistration"):
            raise PermissionDenied(_("Only recruitment-centre staff may do this."))
        data = FairCheckInInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.fair_check_in(
            fair=self._fair(pk), code=data.validated_data["code"], actor=request.user
        )
        return Response(FairCheckedInSerializer(registration).data)

    @extend_schema(
        responses=inline_serializer(
            "FairFreeSlots", {"slots": serializers.ListField(child=serializers.DateTimeField())}
        )
    )
    @action(detail=True, methods=["get"])
    def slots(self, request, pk=None):
        """The caller's (an employer's) interview slots at the fair still free."""
        employer = _employer_or_403(request)
        participation = selectors.employer_fair(employer=employer, fair_pk=pk)
        if participation is None:
            raise Http404
        free = selectors.fair_free_slots(participation=participation)
        return Response({"slots": [serializers.DateTimeField().to_representation(slot) for slot in free]})


class FairRegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own fair registrations, with the check-in number and the place on a waiting list."""

    serializer_class = FairRegistrationSerializer
    queryset = FairRegistration.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FairRegistration.objects.none()
        return selectors.fair_registrations_for_user(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "places": getattr(self, "_places", {})}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._places = selectors.fair_waitlist_places(page if page is not None else queryset)
        return page

    def get_object(self):
        registration = super().get_object()
        self._places = selectors.fair_waitlist_places([registration])
        return registration

    @extend_schema(request=None, responses=FairRegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a registration; a place freed goes to the first on the waiting list."""
        registration = self.get_object()
        services.fair_registration_cancel(registration=registration, actor=request.user)
        return Response(FairRegistrationSerializer(self.get_queryset().get(pk=registration.pk)).data)


class FairInterviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The interviews an employer booked at fairs for its applicants; book one, cancel one."""

    serializer_class = FairInterviewSerializer
    queryset = FairInterviewSlot.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FairInterviewSlot.objects.none()
        return selectors.fair_interviews_for_user(self.request.user)

    @extend_schema(request=FairInterviewInputSerializer, responses={201: FairInterviewSerializer})
    def create(self, request):
        """Book a slot at a fair the caller's company attends, for a resident who applied to its jobs."""
        employer = _employer_or_403(request)
        data = FairInterviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = selectors.employer_application(employer=employer, pk=data.validated_data["application"])
        if application is None:
            raise serializers.ValidationError(
                {
                    "application": [
                        _("You may book interviews only for residents who applied to your company's jobs.")
                    ]
                }
            )
        slot = services.fair_interview_book(
            fair=data.validated_data["fair"], employer=employer, application=application,
            starts_at=data.validated_data["starts_at"], actor=request.user,
        )  # fmt: skip
        return Response(FairInterviewSerializer(self.get_queryset().get(pk=slot.pk)).data, status=201)

    @extend_schema(request=None, responses=FairInterviewSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        slot = self.get_object()
        services.fair_interview_cancel(slot=slot, actor=request.user)
        return Response(FairInterviewSerializer(self.get_queryset().get(pk=slot.pk)).data)


# --- Training programmes and subsidies ---


class TrainingEmployerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TrainingCertificateTypeSerializer(EmploymentNamedSerializer):
    level = serializers.CharField()


class TrainingProgrammeSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    skill = EmploymentNamedSerializer()
    certificate = TrainingCertificateTypeSerializer(allow_null=True)
    employer = TrainingEmployerSerializer(allow_null=True)
    town = EmploymentNamedSerializer()
    seats_left = serializers.IntegerField()
    free = serializers.SerializerMethodField()
    open_for_enrolment = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = TrainingProgramme
        fields = [
            "id", "title", "kind", "kind_label", "description", "skill", "certificate", "provider", "employer",
            "town", "location", "seats", "seats_left", "starts_on", "ends_on", "schedule", "sessions",
            "sessions_required", "free", "open_for_enrolment", "url",
        ]  # fmt: skip

    def get_free(self, programme) -> bool:
        return True  # every programme of the city is free of charge

    def get_open_for_enrolment(self, programme) -> bool:
        return programme.starts_on > timezone.localdate()


class TrainingProgrammeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingProgramme
        fields = ["id", "title", "kind", "starts_on", "ends_on", "location"]


class TrainingEnrolmentSerializer(serializers.ModelSerializer):
    programme = TrainingProgrammeSummarySerializer()
    state_label = serializers.CharField(source="get_state_display")
    waitlist_position = serializers.SerializerMethodField()
    certificate = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id", "programme", "state", "state_label", "waitlist_position", "submitted_at", "enrolled_at",
            "completed_at", "certificate", "decision_note",
        ]  # fmt: skip

    def get_waitlist_position(self, enrolment) -> int | None:
        if hasattr(enrolment, "waitlist_position"):  # annotated by the list's selector
            return enrolment.waitlist_position
        return selectors.training_waitlist_position(enrolment)


class TrainingFilterSerializer(serializers.Serializer):
    skill = serializers.SlugRelatedField(slug_field="code", queryset=Skill.objects.all(), required=False)
    town = serializers.SlugRelatedField(slug_field="code", queryset=Town.objects.all(), required=False)
    kind = serializers.ChoiceField(choices=TrainingProgramme.Kind.choices, required=False)


class TrainingProgrammeViewSet(viewsets.GenericViewSet):
    """Free training programmes not yet ended, for everyone; residents enrol (or join the waiting list)."""

    serializer_class = TrainingProgrammeSerializer
    queryset = TrainingProgramme.objects.none()
    lookup_value_regex = r"\d+"

    @extend_schema(parameters=[TrainingFilterSerializer], responses=TrainingProgrammeSerializer(many=True))
    def list(self, request):
        filters = TrainingFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.training_programme_list(**filters.validated_data))
        return self.get_paginated_response(TrainingProgrammeSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        programme = selectors.training_programme_get(pk)
        if programme is None:
            raise Http404
        return Response(TrainingProgrammeSerializer(programme).data)

    @extend_schema(request=None, responses={201: TrainingEnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        """The caller (a resident) takes a seat, or a place on the waiting list when the seats are taken."""
        resident = _resident_or_403(request)
        programme = selectors.training_programme_get(pk)
        if programme is None:
            raise Http404
        enrolment = services.training_enrol(programme=programme, resident=resident, actor=request.user)
        return Response(TrainingEnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class TrainingEnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own enrolments; withdrawing frees the seat for the first on the waiting list."""

    serializer_class = TrainingEnrolmentSerializer
    queryset = Enrolment.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        resident = None if getattr(self, "swagger_fake_view", False) else resident_for_user(self.request.user)
        if resident is None:
            return Enrolment.objects.none()
        return selectors.resident_enrolments(resident=resident)

    @extend_schema(request=EmploymentNoteSerializer, responses=TrainingEnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        enrolment = self.get_object()
        note = EmploymentNoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        services.training_withdraw(enrolment=enrolment, actor=request.user, note=note.validated_data["note"])
        return Response(TrainingEnrolmentSerializer(self.get_queryset().get(pk=enrolment.pk)).data)


class SubsidyClaimResidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    card_number = serializers.CharField(allow_null=True)


class SubsidyClaimCertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    certificate_type = TrainingCertificateTypeSerializer()
    obtained_on = serializers.DateField(allow_null=True)


class SubsidyClaimSerializer(serializers.ModelSerializer):
    resident = SubsidyClaimResidentSerializer()
    certificate = SubsidyClaimCertificateSerializer()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = SubsidyClaim
        fields = [
            "id", "resident", "certificate", "level", "amount", "state", "state_label", "needs_second_approval",
            "submitted_at", "decided_at", "decision_note", "exported_at", "paid_at",
        ]  # fmt: skip


class SubsidyClaimInputSerializer(serializers.Serializer):
    certificate = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class SubsidyRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SubsidyClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A resident's own subsidy claims (and new ones); employment caseworkers see and decide every claim."""

    serializer_class = SubsidyClaimSerializer
    queryset = SubsidyClaim.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SubsidyClaim.objects.none()
        return selectors.subsidy_claims_for_user(self.request.user)

    @extend_schema(request=SubsidyClaimInputSerializer, responses={201: SubsidyClaimSerializer})
    def create(self, request):
        """The caller (a resident) claims the subsidy for one of their certificates earned through a programme."""
        resident = _resident_or_403(request)
        data = SubsidyClaimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = selectors.resident_certificate(resident=resident, pk=data.validated_data["certificate"])
        if certificate is None:
            raise serializers.ValidationError({"certificate": [_("You hold no such certificate.")]})
        claim = services.subsidy_claim_submit(certificate=certificate, actor=request.user)
        return Response(SubsidyClaimSerializer(self.get_queryset().get(pk=claim.pk)).data, status=201)

    def _caseworker_or_403(self, request) -> None:
        """Only employment caseworkers decide: a claimant is refused before their input is read."""
        if not request.user.has_perm("employment.change_subsidyclaim"):
            raise PermissionDenied(_("Only employment caseworkers may decide on subsidy claims."))

    @extend_schema(request=EmploymentNoteSerializer, responses=SubsidyClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = self.get_object()
        self._caseworker_or_403(request)
        note = EmploymentNoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        services.subsidy_claim_approve(claim=claim, actor=request.user, note=note.validated_data["note"])
        return Response(SubsidyClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(request=SubsidyRejectInputSerializer, responses=SubsidyClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        claim = self.get_object()
        self._caseworker_or_403(request)
        data = SubsidyRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.subsidy_claim_reject(claim=claim, actor=request.user, reason=data.validated_data["reason"])
        return Response(SubsidyClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

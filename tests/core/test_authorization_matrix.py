"""The authorization matrix: every URL of the site, the API and the admin, asked by every role.

Each route of the URL resolver must be listed below with what each role gets. A route that is not listed
fails ``test_every_route_is_in_the_matrix``: a new endpoint is placed here before it lands.

What a role gets is one of:
    OK      the view answered (2xx, a redirect that is not to a log-in page, or 400 on empty input)
    LOGIN   sent to the log-in page (the site's or the admin's)
    403     refused (401 counts as 403: the API's unauthenticated answer)
    404     not found: another resident's or employer's object, or an admin app the role cannot see
    405     method not allowed
    MISSING the admin's "no such object" redirect to its index: the row does not exist, or the role's
            admin queryset does not contain it

How to add a route (one line in the table of its area):
    SITE["app:name"] = route(POLICY, pk="object_in_the_world", method="post")
    API["basename-action"] = route(API_POLICY, pk="object_in_the_world")
    ADMIN_MODELS["app.model"] = admin_model(view=ROLES, add=ROLES, change=ROLES, delete=ROLES)
    ADMIN_VIEWS["admin:app_model_extra"] = route(...)
The policies below (PUBLIC, RESIDENT, RESIDENT_OWN, EMPLOYER, EMPLOYER_OWN, OFFICIAL_ONLY, the API_* ones,
``staff(...)``) give the usual answers; ``expect(POLICY, role=answer)`` overrides single roles. An object
route names the world object whose id fills the URL (``pk="job_a"``): objects ending in ``_a`` belong to
resident A or employer A, so resident B and employer B must get 404. Add a new object in ``build_world``.
Requests are made with GET unless ``method="post"``; every request runs in a savepoint rolled back at
once, so a POST changes nothing for the next one.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kunshan_portal import roles
from kunshan_portal.models import Notice

OK, LOGIN, MISSING = "ok", "login", "missing"
ANON, RA, RB, EA, EB = "anonymous", "resident_a", "resident_b", "employer_a", "employer_b"
CW = {domain: f"cw_{domain}" for domain in roles.DOMAINS}
LAWYER, OFFICIAL = "lawyer", "official"
ROLES = (ANON, RA, RB, EA, EB, *CW.values(), LAWYER, OFFICIAL)
STAFF = (*CW.values(), LAWYER)
NOT_STAFF = (ANON, RA, RB, EA, EB, OFFICIAL)


def everyone(answer) -> dict[str, object]:
    return dict.fromkeys(ROLES, answer)


def expect(policy: dict, **answers) -> dict:
    """A policy with some roles answered otherwise (keyword: the role's name)."""
    unknown = set(answers) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {**policy, **answers}


# --- Policies of the public site ----------------------------------------------------------------------
PUBLIC = everyone(OK)
LOGGED_IN = expect(everyone(OK), anonymous=LOGIN)
RESIDENT = expect(everyone(403), anonymous=LOGIN, resident_a=OK, resident_b=OK)
RESIDENT_OWN = expect(RESIDENT, resident_b=404)
EMPLOYER = expect(everyone(403), anonymous=LOGIN, employer_a=OK, employer_b=OK)
EMPLOYER_OWN = expect(EMPLOYER, employer_b=404)
OFFICIAL_ONLY = expect(everyone(403), anonymous=LOGIN, official=OK)

# --- Policies of the API (an anonymous caller is refused, not redirected) ------------------------------
API_LOGGED_IN = expect(everyone(OK), anonymous=403)
API_RESIDENT = expect(everyone(403), resident_a=OK, resident_b=OK)
API_RESIDENT_OWN = expect(API_RESIDENT, resident_b=404)
API_EMPLOYER = expect(everyone(403), employer_a=OK, employer_b=OK)
API_EMPLOYER_OWN = expect(API_EMPLOYER, employer_b=404)
# a job application: its applicant (resident A) and the employer it was sent to (employer A)
APPLICATION_PARTIES = expect(everyone(404), anonymous=403, resident_a=OK, employer_a=OK)
APPLICATION_EMPLOYER = expect(APPLICATION_PARTIES, resident_a=403)
APPLICATION_APPLICANT = expect(APPLICATION_PARTIES, employer_a=403)
# a fair registration or a training enrolment: resident A's only; a fair interview: employer A's only
FAIR_REGISTRANT = expect(everyone(404), anonymous=403, resident_a=OK)
FAIR_INTERVIEWER = expect(everyone(404), anonymous=403, employer_a=OK)
# a subsidy claim: its claimant and the employment caseworkers see it; only the caseworkers decide
SUBSIDY_CLAIM = expect(everyone(404), anonymous=403, resident_a=OK, cw_employment=OK)
SUBSIDY_DECISION = expect(SUBSIDY_CLAIM, resident_a=403)


def staff(*allowed: str, others=403) -> dict:
    """An admin page: the given staff roles get it, other staff ``others``, non-staff the admin log-in."""
    answers = dict.fromkeys(NOT_STAFF, LOGIN) | dict.fromkeys(STAFF, others)
    return answers | dict.fromkeys(allowed, OK)


@dataclass(frozen=True)
class Route:
    expected: dict
    method: str = "get"
    kwargs: dict = field(default_factory=dict)  # URL argument -> world object name (its pk) or a value


def route(expected: dict, method: str = "get", **kwargs) -> Route:
    assert set(expected) == set(ROLES), f"a policy must answer for every role: {set(ROLES) ^ set(expected)}"
    return Route(expected, method, kwargs)


# --- The public site -----------------------------------------------------------------------------------
SITE: dict[str, Route] = {
    "healthz": route(PUBLIC),
    "favicon.ico": route(PUBLIC),
    "set_language": route(PUBLIC, method="post"),
    "javascript-catalog": route(PUBLIC),
    "home": route(PUBLIC),
    "login": route(PUBLIC),
    "logout": route(PUBLIC, method="post"),
    "after-login": route(LOGGED_IN),
    "mfa-setup": route(LOGGED_IN),
    "mfa-verify": route(LOGGED_IN),
    "mfa-disable": route(LOGGED_IN, method="post"),
    "password_change": route(LOGGED_IN),
    "password_change_done": route(LOGGED_IN),
    "password_reset": route(PUBLIC),
    "password_reset_done": route(PUBLIC),
    "password_reset_confirm": route(PUBLIC, uidb64="MQ", token="set-password"),
    "password_reset_complete": route(PUBLIC),
    "notice-list": route(LOGGED_IN),
    "notice-read-all": route(LOGGED_IN, method="post"),
    # another user's notice: marking it read changes nothing and answers like one's own
    "notice-read": route(LOGGED_IN, method="post", pk="notice_a"),
    "dashboard": route(OFFICIAL_ONLY),
    "dashboard-domain": route(OFFICIAL_ONLY, domain="employment"),
    "dashboard-csv": route(OFFICIAL_ONLY, domain="employment", table="placements"),
    "dashboard-xlsx": route(OFFICIAL_ONLY, domain="employment", table="placements"),
    # residents
    "residents:register": route(PUBLIC),
    "residents:me": route(RESIDENT),
    "residents:me-reveal": route(RESIDENT, method="post"),
    "residents:me-edit": route(RESIDENT),
    "residents:me-resubmit": route(RESIDENT, method="post"),
    "residents:me-data": route(RESIDENT),
    "residents:me-applications": route(RESIDENT),
    "residents:me-access-log": route(RESIDENT),
    "residents:me-close": route(RESIDENT),
    "residents:family-add": route(RESIDENT),
    "residents:family-edit": route(RESIDENT_OWN, pk="family_a"),
    "residents:family-remove": route(RESIDENT_OWN, pk="family_a"),
    # employment
    "employment:home": route(PUBLIC),
    "employment:job-list": route(PUBLIC),
    "employment:job-detail": route(PUBLIC, pk="job_a"),
    "employment:job-apply": route(RESIDENT, method="post", pk="job_a"),
    "employment:application-list": route(RESIDENT),
    "employment:application-detail": route(RESIDENT_OWN, pk="job_application_a"),
    "employment:application-withdraw": route(RESIDENT_OWN, method="post", pk="job_application_a"),
    "employment:preferences": route(RESIDENT),
    "employment:employer-home": route(EMPLOYER),
    "employment:employer-contact": route(EMPLOYER),
    "employment:employer-job-create": route(EMPLOYER),
    "employment:employer-job": route(EMPLOYER_OWN, pk="job_a"),
    "employment:employer-job-edit": route(EMPLOYER_OWN, pk="job_a"),
    "employment:employer-job-action": route(EMPLOYER_OWN, method="post", pk="job_a", action="close"),
    "employment:employer-application": route(EMPLOYER_OWN, pk="job_application_a"),
    "employment:employer-application-action": route(
        EMPLOYER_OWN, method="post", pk="job_application_a", action="shortlist"
    ),
    # employment: recruitment fairs
    "employment:fair-list": route(PUBLIC),
    "employment:fair-mine": route(RESIDENT),
    "employment:fair-detail": route(PUBLIC, pk="fair"),
    "employment:fair-register": route(RESIDENT, method="post", pk="fair"),
    "employment:fair-cancel": route(RESIDENT_OWN, method="post", pk="fair_registration_a"),
    "employment:employer-fair-list": route(EMPLOYER),
    # employer B does not attend the fair: its table there does not exist
    "employment:employer-fair": route(EMPLOYER_OWN, pk="fair"),
    "employment:employer-fair-book": route(EMPLOYER_OWN, method="post", pk="fair"),
    "employment:employer-fair-interview-cancel": route(EMPLOYER_OWN, method="post", pk="fair_interview_a"),
    # employment: training programmes and subsidies
    "employment:training-list": route(PUBLIC),
    "employment:training-detail": route(PUBLIC, pk="programme"),
    "employment:training-enrol": route(RESIDENT, method="post", pk="programme"),
    "employment:training-withdraw": route(RESIDENT_OWN, method="post", pk="training_enrolment_a"),
    "employment:training-mine": route(RESIDENT),
    "employment:training-certificates": route(RESIDENT),
    "employment:training-subsidy-claim": route(RESIDENT_OWN, method="post", pk="certificate_a"),
    "employment:employer-training": route(EMPLOYER),
    "employment:employer-training-attendance": route(
        EMPLOYER_OWN, pk="workshop_a", session="workshop_session_a"
    ),
    # insurance
    "insurance:calculator": route(PUBLIC),
    "insurance:me": route(RESIDENT),
    "insurance:employer": route(EMPLOYER),
    "insurance:employer-enrol": route(EMPLOYER),
    "insurance:employer-enrolment": route(EMPLOYER_OWN, pk="enrolment_a"),
    "insurance:employer-wage": route(EMPLOYER_OWN, method="post", pk="enrolment_a"),
    "insurance:employer-end": route(EMPLOYER_OWN, method="post", pk="enrolment_a"),
    "insurance:employer-payroll": route(EMPLOYER),
    "insurance:employer-statement": route(EMPLOYER),
    "insurance:employer-arrears": route(EMPLOYER),
    # housing
    "housing:home": route(RESIDENT),
    "housing:compound-list": route(PUBLIC),
    "housing:apply": route(RESIDENT),
    "housing:application-detail": route(RESIDENT_OWN, pk="housing_application_a"),
    "housing:application-withdraw": route(RESIDENT_OWN, method="post", pk="housing_application_a"),
    "housing:offer-accept": route(RESIDENT_OWN, method="post", pk="housing_offer_a"),
    "housing:offer-decline": route(RESIDENT_OWN, method="post", pk="housing_offer_a"),
    "housing:transfer": route(RESIDENT),
    "housing:transfer-withdraw": route(RESIDENT_OWN, method="post", pk="transfer_a"),
    "housing:employer-dormitories": route(EMPLOYER),
    # education
    "education:applications": route(RESIDENT),
    "education:apply": route(RESIDENT),
    "education:application-detail": route(RESIDENT_OWN, pk="school_application_a"),
    "education:application-edit": route(RESIDENT_OWN, pk="school_application_a"),
    "education:application-withdraw": route(RESIDENT_OWN, method="post", pk="school_application_a"),
    "education:offer-accept": route(RESIDENT_OWN, method="post", pk="school_offer_a"),
    "education:offer-decline": route(RESIDENT_OWN, method="post", pk="school_offer_a"),
    "education:schools": route(PUBLIC),
    "education:cutoffs": route(PUBLIC),
    # legal aid
    "legal_aid:case-list": route(RESIDENT),
    "legal_aid:case-new": route(RESIDENT),
    "legal_aid:case-detail": route(RESIDENT_OWN, pk="case_a"),
    "legal_aid:document-upload": route(RESIDENT_OWN, method="post", pk="case_a"),
    "legal_aid:case-withdraw": route(RESIDENT_OWN, method="post", pk="case_a"),
    # the station's caseworkers open a case's documents too; to anyone else the document does not exist
    "legal_aid:document-download": route(
        expect(everyone(404), anonymous=LOGIN, resident_a=OK, cw_legal_aid=OK),
        case_pk="case_a",
        pk="document_a",
    ),
    "legal_aid:intake": route(expect(everyone(403), anonymous=LOGIN, cw_legal_aid=OK)),
    "legal_aid:figures": route(OFFICIAL_ONLY),
    # the API's schema and its documentation page
    "api-schema": route(PUBLIC),
    "api-docs": route(PUBLIC),
}

# --- The API (/api/v1/) -------------------------------------------------------------------------------
API: dict[str, Route] = {
    "residents-me": route(API_RESIDENT),
    "residents-token": route(PUBLIC, method="post"),
    "residents-close": route(expect(API_RESIDENT, resident_a=404, resident_b=404)),
    "residents-family-list": route(API_RESIDENT),
    "residents-family-detail": route(API_RESIDENT_OWN, pk="family_a"),
    "employment-job-list": route(PUBLIC),
    "employment-job-recommended": route(API_RESIDENT),
    "employment-job-detail": route(PUBLIC, pk="job_a"),
    "employment-job-candidates": route(API_EMPLOYER_OWN, pk="job_a"),
    "employment-job-close": route(API_EMPLOYER_OWN, method="post", pk="job_a"),
    "employment-job-match": route(API_RESIDENT, pk="job_a"),
    "employment-job-publish": route(API_EMPLOYER_OWN, method="post", pk="job_a"),
    "employment-job-reopen": route(API_EMPLOYER_OWN, method="post", pk="job_a"),
    "employment-application-list": route(API_LOGGED_IN),
    # an application exists only for its applicant and the employer it was sent to
    "employment-application-detail": route(APPLICATION_PARTIES, pk="job_application_a"),
    # an employer's step asked for by the applicant is refused as theirs to take (403), whatever the state
    "employment-application-hire": route(APPLICATION_EMPLOYER, method="post", pk="job_application_a"),
    "employment-application-invite": route(APPLICATION_EMPLOYER, method="post", pk="job_application_a"),
    "employment-application-offer": route(APPLICATION_EMPLOYER, method="post", pk="job_application_a"),
    "employment-application-reject": route(APPLICATION_EMPLOYER, method="post", pk="job_application_a"),
    "employment-application-shortlist": route(APPLICATION_EMPLOYER, method="post", pk="job_application_a"),
    "employment-application-withdraw": route(APPLICATION_APPLICANT, method="post", pk="job_application_a"),
    # recruitment fairs: a registration is its resident's, an interview its employer's
    "employment-fair-list": route(API_LOGGED_IN),
    "employment-fair-detail": route(API_LOGGED_IN, pk="fair"),
    "employment-fair-register": route(API_RESIDENT, method="post", pk="fair"),
    "employment-fair-check-in": route(expect(everyone(403), cw_employment=OK), method="post", pk="fair"),
    "employment-fair-slots": route(API_EMPLOYER_OWN, pk="fair"),
    "employment-fair-registration-list": route(API_LOGGED_IN),
    "employment-fair-registration-detail": route(FAIR_REGISTRANT, pk="fair_registration_a"),
    "employment-fair-registration-cancel": route(FAIR_REGISTRANT, method="post", pk="fair_registration_a"),
    "employment-fair-interview-list": route(API_LOGGED_IN),
    "employment-fair-interview-detail": route(FAIR_INTERVIEWER, pk="fair_interview_a"),
    "employment-fair-interview-cancel": route(FAIR_INTERVIEWER, method="post", pk="fair_interview_a"),
    # training programmes and subsidies: an enrolment is its resident's; employment caseworkers decide claims
    "employment-training-programme-list": route(API_LOGGED_IN),
    "employment-training-programme-detail": route(API_LOGGED_IN, pk="programme"),
    "employment-training-programme-enrol": route(API_RESIDENT, method="post", pk="programme"),
    "employment-training-enrolment-list": route(API_LOGGED_IN),
    "employment-training-enrolment-detail": route(FAIR_REGISTRANT, pk="training_enrolment_a"),
    "employment-training-enrolment-withdraw": route(
        FAIR_REGISTRANT, method="post", pk="training_enrolment_a"
    ),
    "employment-subsidy-claim-list": route(API_LOGGED_IN),
    "employment-subsidy-claim-detail": route(SUBSIDY_CLAIM, pk="subsidy_claim_a"),
    "employment-subsidy-claim-approve": route(SUBSIDY_DECISION, method="post", pk="subsidy_claim_a"),
    "employment-subsidy-claim-reject": route(SUBSIDY_DECISION, method="post", pk="subsidy_claim_a"),
    # the officials' dashboards
    "api-dashboard-summary": route(expect(everyone(403), official=OK)),
    "api-dashboard-domain": route(expect(everyone(403), official=OK), domain="employment"),
    "insurance-contribution-preview": route(PUBLIC),
    "insurance-me": route(API_RESIDENT),
    "insurance-payroll": route(API_EMPLOYER, method="post"),
    "insurance-statement": route(API_EMPLOYER),
    "insurance-arrears": route(API_EMPLOYER),
    "insurance-enrolment-list": route(API_EMPLOYER),
    "insurance-enrolment-detail": route(API_EMPLOYER_OWN, pk="enrolment_a"),
    "insurance-enrolment-end": route(API_EMPLOYER_OWN, method="post", pk="enrolment_a"),
    "insurance-enrolment-wage": route(API_EMPLOYER_OWN, method="post", pk="enrolment_a"),
    "housing-compound-list": route(PUBLIC),
    "housing-compound-detail": route(PUBLIC, pk="compound"),
    "housing-application-list": route(API_RESIDENT),
    "housing-application-detail": route(API_RESIDENT_OWN, pk="housing_application_a"),
    "housing-application-withdraw": route(API_RESIDENT_OWN, method="post", pk="housing_application_a"),
    "housing-offer-list": route(API_RESIDENT),
    "housing-offer-detail": route(API_RESIDENT_OWN, pk="housing_offer_a"),
    "housing-offer-accept": route(API_RESIDENT_OWN, method="post", pk="housing_offer_a"),
    "housing-offer-decline": route(API_RESIDENT_OWN, method="post", pk="housing_offer_a"),
    "housing-tenancy-list": route(API_RESIDENT),
    "housing-tenancy-detail": route(API_RESIDENT_OWN, pk="tenancy_a"),
    "housing-dormitory-list": route(API_EMPLOYER),
    "education-school-list": route(PUBLIC),
    "education-school-detail": route(PUBLIC, pk="school"),
    "education-cutoff-list": route(PUBLIC),
    "education-application-list": route(API_RESIDENT),
    "education-application-detail": route(API_RESIDENT_OWN, pk="school_application_a"),
    "education-application-schools": route(API_RESIDENT_OWN, method="put", pk="school_application_a"),
    "education-application-withdraw": route(API_RESIDENT_OWN, method="post", pk="school_application_a"),
    "education-offer-list": route(API_RESIDENT),
    "education-offer-detail": route(API_RESIDENT_OWN, pk="school_offer_a"),
    "education-offer-accept": route(API_RESIDENT_OWN, method="post", pk="school_offer_a"),
    "education-offer-decline": route(API_RESIDENT_OWN, method="post", pk="school_offer_a"),
    "legal-aid-case-list": route(API_RESIDENT),
    "legal-aid-case-detail": route(API_RESIDENT_OWN, pk="case_a"),
    "legal-aid-case-documents": route(API_RESIDENT_OWN, pk="case_a"),
    "legal-aid-case-document-file": route(API_RESIDENT_OWN, pk="case_a", document_id="document_a"),
    "legal-aid-case-withdraw": route(API_RESIDENT_OWN, method="post", pk="case_a"),
    "legal-aid-station-list": route(PUBLIC),
    "legal-aid-station-detail": route(PUBLIC, pk="station"),
}

# --- The admin ----------------------------------------------------------------------------------------
ALL_STAFF = STAFF
RESIDENT_READERS = (CW["residents"], CW["employment"], CW["housing"], CW["insurance"], CW["education"])
EMPLOYER_READERS = (CW["residents"], CW["employment"], CW["housing"], CW["insurance"], CW["legal_aid"])


STAFF_OUTSIDE_LEGAL_AID = tuple(CW[d] for d in roles.DOMAINS if d != "legal_aid")


@dataclass(frozen=True)
class AdminModel:
    view: tuple = ()
    add: tuple = ()
    change: tuple = ()
    delete: tuple = ()
    hidden: tuple = ()  # roles whose admin queryset leaves the world's row out


def admin_model(*, view=(), add=(), change=(), delete=(), hidden=()) -> AdminModel:
    """Who may see (list, open, history), add, change and delete the model's rows in the admin."""
    return AdminModel(tuple(set(view) | set(change)), tuple(add), tuple(change), tuple(delete), tuple(hidden))


def domain(name: str, *, add=True, delete=True, readers=()) -> AdminModel:
    """A model of one domain: its caseworkers do everything (unless the admin forbids adding or
    deleting), some other roles may look."""
    own = (CW[name],)
    return admin_model(
        view=(*own, *readers), add=own if add else (), change=own, delete=own if delete else ()
    )


NOBODY = admin_model()
ADMIN_MODELS: dict[str, AdminModel] = {
    # framework models: only superusers
    "auth.group": NOBODY,
    "authtoken.tokenproxy": NOBODY,
    "axes.accessattempt": NOBODY,
    "axes.accesslog": NOBODY,
    "axes.accessfailurelog": NOBODY,
    "otp_totp.totpdevice": NOBODY,
    "otp_static.staticdevice": NOBODY,
    "kunshan_portal.user": NOBODY,
    "kunshan_portal.noticedelivery": NOBODY,
    "kunshan_portal.notice": NOBODY,
    "kunshan_portal.statetransition": NOBODY,
    "pghistory.events": NOBODY,
    # residents
    "residents.resident": domain("residents", delete=False, readers=RESIDENT_READERS),
    "residents.employer": domain("residents", delete=False, readers=EMPLOYER_READERS),
    "residents.town": domain("residents"),
    "residents.skill": domain("residents"),
    "residents.certificatetype": domain("residents"),
    "residents.personaldataaccess": domain("residents", add=False, delete=False),
    "residents.accountclosure": domain("residents", add=False, delete=False),
    # employment
    "employment.occupation": domain("employment"),
    "employment.job": domain("employment", add=False, delete=False),
    "employment.application": domain("employment", add=False, delete=False),
    "employment.placement": domain("employment", add=False, delete=False),
    "employment.jobseekerprofile": domain("employment", add=False, delete=False),
    # fairs are cancelled, never deleted; registrations and interviews change through their life-cycle, and
    # interviews are only looked at
    "employment.fair": domain("employment", delete=False),
    "employment.fairregistration": domain("employment", add=False, delete=False),
    "employment.fairinterviewslot": admin_model(view=(CW["employment"],)),
    "employment.trainingprogramme": domain("employment"),
    "employment.subsidyschedule": domain("employment"),
    "employment.enrolment": domain("employment", add=False, delete=False),
    "employment.subsidyclaim": domain("employment", add=False, delete=False),
    # insurance
    "insurance.schemerate": domain("insurance"),
    "insurance.medicalsharetable": domain("insurance"),
    "insurance.averagewage": domain("insurance"),
    "insurance.enrolment": domain("insurance", delete=False),
    "insurance.enrolmentinarrears": domain("insurance", add=False, delete=False),
    "insurance.contributionrun": domain("insurance", add=False, delete=False),
    "insurance.contributionline": domain("insurance", add=False, delete=False),
    "insurance.payrollupload": domain("insurance", add=False, delete=False),
    "insurance.payrollentry": domain("insurance", add=False, delete=False),
    # housing
    "housing.housingsetting": domain("housing"),
    "housing.compound": domain("housing"),
    "housing.building": domain("housing"),
    "housing.room": domain("housing"),
    "housing.place": domain("housing", add=False, delete=False),
    "housing.housingapplication": domain("housing", add=False, delete=False),
    "housing.allocationround": domain("housing", delete=False),
    "housing.offer": domain("housing", add=False, delete=False),
    "housing.tenancy": domain("housing", add=False, delete=False),
    "housing.transferrequest": domain("housing", add=False, delete=False),
    # education
    "education.school": domain("education"),
    "education.schoolseats": domain("education"),
    "education.schoolyear": domain("education"),
    "education.placementpolicy": domain("education"),
    "education.application": domain("education", add=False, delete=False),
    "education.round": domain("education", delete=False),
    "education.roundcutoff": domain("education", add=False, delete=False),
    "education.offer": domain("education", add=False, delete=False),
    "education.enrolment": domain("education", delete=False),
    # legal aid
    "legal_aid.station": domain("legal_aid"),
    "legal_aid.stationstaff": domain("legal_aid"),
    "legal_aid.deadlinerule": domain("legal_aid"),
    "legal_aid.calendarday": domain("legal_aid"),
    "legal_aid.overduealert": domain("legal_aid", add=False),
    # cases are filed and closed through their life-cycle; a lawyer's admin holds only the cases assigned
    # to them (case A is not), and other staff's holds none
    "legal_aid.case": admin_model(
        view=(CW["legal_aid"], LAWYER),
        change=(CW["legal_aid"], LAWYER),
        hidden=(*STAFF_OUTSIDE_LEGAL_AID, LAWYER),
    ),
}

# The admin's own pages and the models' extra pages.
ADMIN_VIEWS: dict[str, Route] = {
    "admin:index": route(staff(*ALL_STAFF)),
    "admin:login": route(PUBLIC),
    "admin:logout": route(PUBLIC, method="post"),
    "admin:password_change": route(expect(staff(*ALL_STAFF), official=LOGIN)),
    "admin:password_change_done": route(staff(*ALL_STAFF)),
    "admin:autocomplete": route(staff()),  # without a model and field it refuses everyone
    "admin:jsi18n": route(staff(*ALL_STAFF)),
    "admin:view_on_site": route(staff(others=404), content_type_id="0", object_id="0"),
    "admin:auth_user_password_change": route(staff(), id="0"),  # accounts are the administrators' only
    "admin:residents_resident_verify": route(staff(CW["residents"]), method="post", object_id="resident_a"),
    "admin:residents_resident_reject": route(staff(CW["residents"]), method="post", object_id="resident_a"),
    "admin:residents_resident_import": route(staff(CW["residents"])),
    "admin:residents_resident_process_import": route(staff(CW["residents"]), method="post"),
    "admin:residents_resident_export": route(staff(CW["residents"])),
    "admin:residents_employer_account_autocomplete": route(staff()),  # needs its query parameters
    "admin:residents_employer_import": route(staff(CW["residents"])),
    "admin:residents_employer_process_import": route(staff(CW["residents"]), method="post"),
    "admin:residents_employer_export": route(staff(*EMPLOYER_READERS)),
    # authenticator secrets are never shown in the admin (OTP_ADMIN_HIDE_SENSITIVE_DATA)
    "admin:otp_totp_totpdevice_config": route(staff(), pk="0"),
    "admin:otp_totp_totpdevice_qrcode": route(staff(), pk="0"),
    "admin:employment_job_export": route(staff(CW["employment"])),
    "admin:employment_application_export": route(staff(CW["employment"])),
    "admin:employment_placement_export": route(staff(CW["employment"])),
    # the fairs' weekly schedule and check-in screen do not exist for staff outside employment
    "admin:employment_fair_generate": route(staff(CW["employment"], others=404)),
    "admin:employment_fair_check_in": route(staff(CW["employment"], others=404), pk="fair"),
    "admin:employment_trainingprogramme_attendance": route(
        staff(CW["employment"]), programme_id="workshop_a", session_id="workshop_session_a"
    ),
    "admin:employment_enrolment_export": route(staff(CW["employment"])),
    "admin:insurance_enrolment_wage": route(staff(CW["insurance"]), pk="enrolment_a"),
    "admin:insurance_enrolment_end": route(staff(CW["insurance"]), pk="enrolment_a"),
    "admin:insurance_enrolment_export": route(staff(CW["insurance"])),
    "admin:insurance_enrolmentinarrears_export": route(staff(CW["insurance"])),
    "admin:insurance_contributionrun_start": route(staff(CW["insurance"])),
    "admin:insurance_contributionrun_ledger": route(staff(CW["insurance"])),
    "admin:insurance_contributionline_export": route(staff(CW["insurance"])),
    "admin:insurance_payrollentry_export": route(staff(CW["insurance"])),
    "admin:housing_compound_import": route(staff(CW["housing"])),
    "admin:housing_compound_process_import": route(staff(CW["housing"]), method="post"),
    "admin:housing_compound_export": route(staff(CW["housing"])),
    "admin:housing_building_import": route(staff(CW["housing"])),
    "admin:housing_building_process_import": route(staff(CW["housing"]), method="post"),
    "admin:housing_building_export": route(staff(CW["housing"])),
    "admin:housing_room_import": route(staff(CW["housing"])),
    "admin:housing_room_process_import": route(staff(CW["housing"]), method="post"),
    "admin:housing_room_export": route(staff(CW["housing"])),
    "admin:housing_housingapplication_export": route(staff(CW["housing"])),
    "admin:housing_allocationround_preview": route(staff(CW["housing"]), pk="housing_round"),
    "admin:housing_offer_export": route(staff(CW["housing"])),
    "admin:housing_tenancy_export": route(staff(CW["housing"])),
    "admin:education_school_import": route(staff(CW["education"])),
    "admin:education_school_process_import": route(staff(CW["education"]), method="post"),
    "admin:education_school_export": route(staff(CW["education"])),
    "admin:education_schoolseats_import": route(staff(CW["education"])),
    "admin:education_schoolseats_process_import": route(staff(CW["education"]), method="post"),
    "admin:education_schoolseats_export": route(staff(CW["education"])),
    "admin:education_application_export": route(staff(CW["education"])),
    "admin:education_round_freeze": route(staff(CW["education"]), method="post", pk="school_round"),
    "admin:education_round_reopen": route(staff(CW["education"]), method="post", pk="school_round"),
    "admin:education_round_preview": route(staff(CW["education"]), pk="school_round"),
    "admin:education_round_run": route(staff(CW["education"]), method="post", pk="school_round"),
    "admin:education_roundcutoff_export": route(staff(CW["education"])),
    "admin:education_offer_export": route(staff(CW["education"])),
    "admin:education_enrolment_export": route(staff(CW["education"])),
    # a case not assigned to the lawyer, and every case for other staff, does not exist for them
    "admin:legal_aid_case_act": route(
        staff(CW["legal_aid"], others=404), object_id="case_a", action="examine"
    ),
    "admin:legal_aid_case_export": route(staff(CW["legal_aid"], LAWYER)),
}
ADMIN_STANDARD = ("changelist", "add", "change", "history", "delete")


# --- The world: one of each object, owned by resident A or employer A -----------------------------------
def build_world() -> SimpleNamespace:
    from housing import services as housing_services
    from housing.models import Offer as HousingOffer
    from legal_aid.models import StationStaff
    from tests.education import factories as education
    from tests.employment.factories import make_application, make_hr, make_job
    from tests.factories import make_child, make_employer, make_resident, make_user
    from tests.housing.factories import apply, make_beds, make_compound
    from tests.insurance.factories import make_enrolment
    from tests.legal_aid.factories import file_case, make_staff, station, upload

    w = SimpleNamespace()
    employer_a, account_a = make_hr()
    _employer_b, account_b = make_hr()
    today = timezone.localdate()
    resident_a = make_resident(employer=make_employer(), arrival_date=today, name="甲")
    resident_b = make_resident(employer=make_employer(), arrival_date=today, name="乙")
    users = {RA: resident_a.user, RB: resident_b.user, EA: account_a, EB: account_b}
    for name, group in roles.CASEWORKER_GROUPS.items():
        if name != "legal_aid":
            users[CW[name]] = make_user(f"matrix-cw-{name}", group, is_staff=True)
    users[CW["legal_aid"]] = make_staff(role=StationStaff.Role.CASEWORKER).user
    lawyer = make_staff(role=StationStaff.Role.LAWYER)
    users[LAWYER] = lawyer.user
    users[OFFICIAL] = make_user("matrix-official", roles.OFFICIAL)
    w.users = users
    w.resident_a = resident_a
    w.notice_a = Notice.objects.create(recipient=resident_a.user, subject="matrix", body="matrix")
    w.family_a = make_child(resident_a)
    # employment: employer A's job, and resident A's application to it
    w.job_a = make_job(employer=employer_a, account=account_a)
    w.job_application_a = make_application(job=w.job_a, resident=resident_a)
    _employment_fairs_and_training(w, resident_a, employer_a, account_a, users[CW["employment"]])
    # insurance: resident A enrolled by employer A
    w.enrolment_a = make_enrolment(resident=resident_a, employer=employer_a)
    # housing: resident A's application, an offer from a round, and a tenancy with a transfer request
    w.compound = make_compound()
    make_beds(w.compound, 1)
    w.housing_application_a = apply(resident_a, w.compound)
    housing_round = housing_services.round_create(
        name="matrix", kind="allocation", actor=users[CW["housing"]]
    )
    w.housing_round = housing_services.round_run(round=housing_round, actor=users[CW["housing"]])
    w.housing_offer_a = HousingOffer.objects.get(application=w.housing_application_a)
    w.tenancy_a = _tenancy_with_transfer(w, resident_a)
    w.transfer_a = w.tenancy_a.transfer_requests.get()
    # education: resident A's child applies, a round makes an offer
    w.school = education.make_school()
    education.make_seats(w.school, seats=2)
    w.school_application_a = education.make_application(schools=[w.school], parent=resident_a)
    w.school_round = education.run_round(users[CW["education"]])
    w.school_offer_a = w.school_application_a.offers.get()
    # legal aid: resident A's case with a document
    w.case_a = file_case(applicant=resident_a, documents=[upload()])
    w.document_a = w.case_a.documents.get()
    w.station = station()
    return w


def _employment_fairs_and_training(w, resident_a, employer_a, account_a, caseworker):
    """A fair employer A attends, with resident A's registration and an interview employer A booked for
    them; a programme, resident A's enrolment in another, employer A's workshop, and a certificate
    resident A earned through a programme with its subsidy claim."""
    from datetime import datetime, time

    from employment import services as employment_services
    from tests.employment.factories import make_fair, make_programme, run_programme

    w.fair = make_fair(actor=caseworker)
    employment_services.fair_participant_save(
        fair=w.fair, employer=employer_a, jobs=[w.job_a], booth="A1", actor=caseworker
    )
    w.fair_registration_a = employment_services.fair_register(
        fair=w.fair, resident=resident_a, actor=resident_a.user
    )
    w.fair_interview_a = employment_services.fair_interview_book(
        fair=w.fair, employer=employer_a, application=w.job_application_a, actor=account_a,
        starts_at=datetime.combine(w.fair.date, time(9, 15), tzinfo=timezone.get_current_timezone()),
    )  # fmt: skip
    w.programme = make_programme()
    w.training_enrolment_a = employment_services.training_enrol(
        programme=make_programme(), resident=resident_a, actor=resident_a.user
    )
    w.workshop_a = make_programme(
        kind="workshop", employer=employer_a, skill="appliance-repair", certificate=None
    )
    w.workshop_session_a = w.workshop_a.session_list.first()
    completed = make_programme(sessions=1)
    enrolment = employment_services.training_enrol(
        programme=completed, resident=resident_a, actor=resident_a.user
    )
    completed = run_programme(completed)
    employment_services.training_attendance_mark(
        session=completed.session_list.first(), present=[enrolment], actor=caseworker
    )
    w.certificate_a = employment_services.training_complete(enrolment=enrolment, actor=caseworker).certificate
    w.subsidy_claim_a = employment_services.subsidy_claim_submit(
        certificate=w.certificate_a, actor=resident_a.user
    )


def _tenancy_with_transfer(w, resident):
    """Resident A also holds a bed elsewhere and asks to move (the offer above is separate)."""
    from housing import services as housing_services
    from tests.housing.factories import let, make_beds, make_compound

    tenancy = let(make_beds(make_compound(), 1)[0], resident)
    housing_services.transfer_request_submit(tenancy=tenancy, compounds=[w.compound], actor=resident.user)
    return tenancy


# --- Walking the resolver -------------------------------------------------------------------------------
def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            names = ":".join(n for n in (namespace, inner) if n) or None
            yield from _walk(pattern, prefix + str(pattern.pattern), names)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern


def all_routes():
    return list(_walk(get_resolver()))


def _admin_prefix() -> str:
    return settings.ADMIN_URL


def admin_model_routes():
    """(route key, Route) for the five standard pages of every model in ADMIN_MODELS."""
    found = []
    for label, access in ADMIN_MODELS.items():
        app, model = label.split(".")
        for page in ADMIN_STANDARD:
            kwargs = {"object_id": f"model:{label}"} if page in ("change", "history", "delete") else {}
            found.append((f"admin:{app}_{model}_{page}", Route(admin_page(access, page), "get", kwargs)))
    return found


def admin_page(access: AdminModel, page: str, *, row_exists: bool = True) -> dict:
    """Django's admin: the list and the add page check the permission; a change page checks it, then
    sends a role that may look but has no such row to the index; a history page looks for the row
    first; a delete page checks the delete permission first."""
    may = {"changelist": access.view, "add": access.add, "change": access.view, "history": access.view,
           "delete": access.delete}[page]  # fmt: skip
    expected = staff(*may)
    if page == "changelist" or page == "add":
        return expected
    absent = set(STAFF) if not row_exists else set(access.hidden)
    for role in absent:
        if page == "history" or expected[role] == OK:
            expected[role] = MISSING
    return expected


def admin_app_routes():
    apps_seen = {label.split(".")[0] for label in ADMIN_MODELS}
    for app in sorted(apps_seen):
        allowed = {role for access in _models_of(app) for role in access.view}
        yield f"admin:app_list:{app}", Route(staff(*allowed, others=404), "get", {"app_label": app})


def _models_of(app):
    return [access for label, access in ADMIN_MODELS.items() if label.startswith(f"{app}.")]


def test_every_route_is_in_the_matrix():
    """A route missing here fails: place a new endpoint in SITE, API, ADMIN_MODELS or ADMIN_VIEWS."""
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert registered - set(ADMIN_MODELS) == set(), "admin models missing from ADMIN_MODELS"
    assert set(ADMIN_MODELS) - registered == set(), "ADMIN_MODELS lists models the admin no longer has"
    admin_names = {name for name, _ in admin_model_routes()}
    missing, unnamed = [], []
    for path, name, _pattern in all_routes():
        if path.startswith(_admin_prefix()):
            if name is None or name in ("admin:app_list",) or name in admin_names or name in ADMIN_VIEWS:
                continue  # unnamed admin patterns are the redirects to a change page, and the catch-all
            missing.append(f"{name} ({path})")
        elif path.startswith("api/v1/"):
            if name not in API:
                missing.append(f"{name} ({path})")
        elif (name or path) not in SITE:
            missing.append(f"{name or path} ({path})")
        if name is None and not path.startswith(_admin_prefix()) and path not in SITE:
            unnamed.append(path)
    assert missing == [], "routes not in the authorization matrix:\n" + "\n".join(missing)
    known = {name for _, name, _ in all_routes()} | {path for path, _, _ in all_routes()}
    stale = [key for key in [*SITE, *API, *ADMIN_VIEWS] if key not in known]
    assert stale == [], f"the matrix lists routes that no longer exist: {stale}"


# --- Asking -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built.sessions = {role: _session_of(user) for role, user in built.users.items()}
        yield built
        transaction.set_rollback(True)


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _value(world, value):
    if isinstance(value, str) and value.startswith("model:"):
        from django.apps import apps

        first = apps.get_model(value.removeprefix("model:")).objects.order_by("pk").first()
        return str(first.pk) if first is not None else "0"
    if isinstance(value, str) and hasattr(world, value):
        return getattr(world, value).pk
    return value


def _url(world, name: str, route_: Route) -> str:
    kwargs = {key: _value(world, value) for key, value in route_.kwargs.items()}
    if name == "favicon.ico":
        return "/favicon.ico"
    if name.startswith("admin:app_list:"):
        return reverse("admin:app_list", kwargs=kwargs)
    return reverse(name, kwargs=kwargs)


def classify(response, *, about_a_row: bool = False) -> object:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        if location.startswith((reverse("login"), reverse("admin:login"))):
            return LOGIN
        return MISSING if about_a_row and location == reverse("admin:index") else OK
    if 200 <= status < 300 or status == 400:
        return OK
    if status in (401, 403):
        return 403
    return status


def ask(world, role: str, method: str, url: str):
    client = Client()
    if role != ANON:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    with transaction.atomic():
        response = getattr(client, method)(url, HTTP_ACCEPT="application/json, text/html")
        transaction.set_rollback(True)
    return response


def answers(world, name: str, route_: Route) -> dict:
    url = _url(world, name, route_)
    about_a_row = "object_id" in route_.kwargs
    return {role: classify(ask(world, role, route_.method, url), about_a_row=about_a_row) for role in ROLES}


def _params(table: dict[str, Route]):
    return [pytest.param(name, route_, id=name) for name, route_ in table.items()]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route_"), _params(SITE))
def test_site(world, name, route_):
    assert answers(world, name, route_) == route_.expected


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route_"), _params(API))
def test_api(world, name, route_):
    assert answers(world, name, route_) == route_.expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "route_"),
    [
        *_params(ADMIN_VIEWS),
        *(pytest.param(n, r, id=n) for n, r in [*admin_model_routes(), *admin_app_routes()]),
    ],
)
def test_admin(world, name, route_):
    expected = route_.expected
    label = str(route_.kwargs.get("object_id", "")).removeprefix("model:")
    if label in ADMIN_MODELS and _value(world, f"model:{label}") == "0":
        expected = admin_page(ADMIN_MODELS[label], name.rsplit("_", 1)[1], row_exists=False)
    assert answers(world, name, route_) == expected


def test_the_matrix_reads_every_role():
    assert len(ROLES) == 5 + len(roles.DOMAINS) + 2
    assert all(set(r.expected) == set(ROLES) for r in [*SITE.values(), *API.values(), *ADMIN_VIEWS.values()])

"""Legal-aid test data in a few words: staff at a station, and cases taken to any state by the services."""

from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from kunshan_portal import roles
from legal_aid import services
from legal_aid.models import Case, Station, StationStaff
from tests.factories import make_employer, make_resident, make_user

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def station(code: str = "yushan") -> Station:
    return Station.objects.get(code=code)


def make_staff(
    station_code: str = "yushan", role: str = StationStaff.Role.CASEWORKER, *, head: bool = False, user=None
) -> StationStaff:
    """A member of a station's staff, in the matching portal role (caseworker_legal_aid or lawyer)."""
    if user is None:
        group = roles.CASEWORKER_GROUPS["legal_aid"] if role == StationStaff.Role.CASEWORKER else roles.LAWYER
        user = make_user(None, is_staff=True, first_name=f"{role}-{station_code}")
        user.groups.add(Group.objects.get(name=group))
    return StationStaff.objects.create(station=station(station_code), user=user, role=role, is_head=head)


def upload(content: bytes = PDF, name: str = "contract.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def file_case(
    *,
    applicant=None,
    station_code: str = "yushan",
    kind: str = Case.Kind.AID,
    category: str = Case.Category.UNPAID_WAGES,
    amount: Decimal | None = Decimal("12800.00"),
    **fields,
) -> Case:
    applicant = applicant or make_resident()
    values = {
        "applicant": applicant,
        "kind": kind,
        "category": category,
        "facts": "No wages paid for March and April; the boss says the client has not paid him.",
        "actor": applicant.user,
        "station": station(station_code),
        "respondent_employer": make_employer(),
        "amount_claimed": amount if category in Case.CLAIMS_WITH_AMOUNT else None,
    }
    values.update(fields)
    return services.case_file(**values)


def advance(case: Case, to: str, *, caseworker: StationStaff, lawyer: StationStaff | None = None) -> Case:
    """Take a legal-aid case along its usual path up to the given state."""
    path = ["examined", "accepted", "assigned", "mediation", "arbitration", "litigation"]
    actor = caseworker.user
    for state in path[: path.index(to) + 1]:
        if state == "examined":
            case = services.case_examine(case=case, actor=actor, means_test_passed=True)
        elif state == "accepted":
            case = services.case_accept(case=case, actor=actor)
        elif state == "assigned":
            case = services.case_assign(case=case, staff=lawyer, actor=actor)
        else:
            case = services.case_proceed(case=case, stage=state, actor=lawyer.user)
    return case

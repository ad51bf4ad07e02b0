"""Reads of the registry beyond a plain get."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kunshan_portal.compiled import CompiledModelQuery
from kunshan_portal.crypto import lookup_hash
from kunshan_portal.lifecycle import lifecycle_timeline
from kunshan_portal.models import Notice
from kunshan_portal.registry import applications_of
from residents.idcard import IdNumberError, parse_id_number
from residents.models import Employer, FamilyMember, PersonalDataAccess, Resident, ResidentCertificate, Town

# Read on every page a resident opens: compiled once (kunshan_portal/compiled.py).
_RESIDENT_OF_USER = CompiledModelQuery(
    lambda user_id: Resident.objects.select_related("town", "employer").filter(user_id=user_id)
)


def resident_for_user(user) -> Resident | None:
    """The resident record of a logged-in user, or None (staff, employers, anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _RESIDENT_OF_USER.first(user.pk)


def employer_for_user(user) -> Employer | None:
    """The employer an employer account acts for (the first, when it acts for several)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Employer.objects.filter(accounts=user).order_by("pk").first()


def resident_by_id_number(id_number: str) -> Resident | None:
    """Exact look-up by full identity number, through the keyed hash (the number is never stored plain)."""
    try:
        number = parse_id_number(id_number).number
    except IdNumberError:
        return None
    return Resident.objects.filter(id_number_hash=lookup_hash(number)).first()


def resident_list(*, town_id: int | None = None, state: str | None = None) -> QuerySet[Resident]:
    residents = Resident.objects.select_related("town", "employer")
    if town_id:
        residents = residents.filter(town_id=town_id)
    if state:
        residents = residents.filter(state=state)
    return residents


def employer_by_uscc(code: str) -> Employer | None:
    return Employer.objects.filter(uscc=code).first()


def employers_named(name: str) -> QuerySet[Employer]:
    """Employers whose registered name is exactly this (any case): a person may know only the name."""
    return Employer.objects.filter(name__iexact=(name or "").strip())


def resident_family(resident: Resident) -> QuerySet[FamilyMember]:
    """The resident's own family members: every family page and API starts here, so nobody sees another's."""
    return _family(resident.pk)


def _family(resident_id: int) -> QuerySet[FamilyMember]:
    return FamilyMember.objects.filter(resident_id=resident_id).order_by("relation", "birth_date", "pk")


def resident_access_log(resident: Resident) -> QuerySet[PersonalDataAccess]:
    """Which staff saw the resident's personal data and when, newest first."""
    return _access_log(resident.pk)


def _access_log(resident_id: int) -> QuerySet[PersonalDataAccess]:
    return (
        PersonalDataAccess.objects.filter(resident_id=resident_id)
        .select_related("staff")
        .order_by("-at", "-pk")
    )


def staff_display_name(access: PersonalDataAccess) -> str:
    """The name a resident reads in their access log: the staff member's name, or "a caseworker"."""
    staff = access.staff
    if staff is not None and staff.get_full_name().strip():
        return staff.get_full_name().strip()
    return str(_("a caseworker"))


def resident_notices(resident: Resident) -> QuerySet[Notice]:
    if resident.user_id is None:
        return Notice.objects.none()
    return _notices(resident.user_id)


def _notices(user_id: int) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient_id=user_id).order_by("-created_at", "-id")


def resident_certificates(resident: Resident) -> QuerySet[ResidentCertificate]:
    return _certificates(resident.pk)


def _certificates(resident_id: int) -> QuerySet[ResidentCertificate]:
    return (
        ResidentCertificate.objects.filter(resident_id=resident_id)
        .select_related("certificate_type")
        .order_by("certificate_type__code")
    )


ON_THE_PAGE = 10  # applications and access-log entries on the resident's own page; the rest a click away
NOTICES_ON_THE_PAGE = 5

# What the resident's own page lists on every visit, the same rows as the selectors above, each read by SQL
# compiled once (kunshan_portal/compiled.py). One more access-log entry than shown tells whether there are more.
_OWN_PAGE = {
    "skills": CompiledModelQuery(  # the resident's skills in the skills' order, through the relation's rows
        lambda resident_id: (
            Resident.skills.through.objects.filter(resident_id=resident_id)
            .select_related("skill")
            .order_by("skill__code")
        )
    ),
    "certificates": CompiledModelQuery(_certificates),
    "family": CompiledModelQuery(_family),
    "access_log": CompiledModelQuery(lambda resident_id: _access_log(resident_id)[: ON_THE_PAGE + 1]),
}
_LATEST_NOTICES = CompiledModelQuery(lambda user_id: _notices(user_id)[:NOTICES_ON_THE_PAGE])


def own_page_lists(resident: Resident) -> dict[str, list]:
    """The resident's skills, certificates, family, latest access-log entries and latest notices."""
    lists = {name: read.objects(resident.pk) for name, read in _OWN_PAGE.items()}
    lists["skills"] = [held.skill for held in lists["skills"]]
    lists["notices"] = _LATEST_NOTICES.objects(resident.user_id) if resident.user_id is not None else []
    return lists


def resident_personal_data(resident: Resident) -> dict:
    """Everything the portal holds about a resident, for the resident's own download (full numbers)."""
    resident = (
        Resident.objects.select_related("town", "employer", "user")
        .prefetch_related("skills")
        .get(pk=resident.pk)
    )
    user = resident.user
    return {
        "exported_at": timezone.now(),
        "profile": {
            "name": resident.name,
            "id_number": resident.id_number,
            "birth_date": resident.birth_date,
            "gender": resident.gender,
            "home_region_code": resident.home_region_code,
            "home_province": resident.home_province,
            "phone": resident.phone,
            "arrival_date": resident.arrival_date,
            "town": {"code": resident.town.code, "name": str(resident.town)},
            "address": resident.address,
            "employer": (
                {"name": resident.employer.name, "uscc": resident.employer.uscc}
                if resident.employer
                else None
            ),
            "education": resident.education,
            "consent_at": resident.consent_at,
            "created_at": resident.created_at,
            "updated_at": resident.updated_at,
        },
        "registration": {
            "state": resident.state,
            "state_label": resident.get_state_display_text(),
            "submitted_at": resident.submitted_at,
            "decided_at": resident.decided_at,
            "decision_note": resident.decision_note,
            "card_number": resident.card_number,
            "history": [
                {"at": step.at, "from": step.from_state, "to": step.to_state, "note": step.note}
                for step in lifecycle_timeline(obj=resident, include_internal=False)
            ],
        },
        "account": (
            {
                "username": user.username,
                "email": user.email,
                "language": user.language,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
            }
            if user
            else None
        ),
        "skills": [{"code": skill.code, "name": str(skill)} for skill in resident.skills.all()],
        "certificates": [
            {
                "code": held.certificate_type.code,
                "name": str(held.certificate_type),
                "level": held.certificate_type.level,
                "obtained_on": held.obtained_on,
                "source": held.source,
            }
            for held in resident_certificates(resident)
        ],
        "family": [
            {
                "relation": member.relation,
                "name": member.name,
                "id_number": member.id_number,
                "birth_date": member.birth_date,
                "gender": member.gender,
            }
            for member in resident_family(resident)
        ],
        "applications": [
            {
                "kind": str(app.kind),
                "title": str(app.title),
                "state": str(app.state),
                "submitted_at": app.submitted_at,
                "url": app.url,
            }
            for app in applications_of(resident)
        ],
        "notices": [
            {
                "subject": notice.subject,
                "body": notice.body,
                "link": notice.link,
                "created_at": notice.created_at,
                "read_at": notice.read_at,
            }
            for notice in resident_notices(resident)
        ],
        "access_log": [
            {"staff": staff_display_name(access), "purpose": access.purpose, "at": access.at}
            for access in resident_access_log(resident)
        ],
    }


# --- Dashboard figures ---

# The new residents the city counts (the programme's own figure): the registered share is taken of it.
NEW_RESIDENT_POPULATION = getattr(settings, "KUNSHAN_NEW_RESIDENT_POPULATION", 1_350_000)


def dashboard_towns() -> list[tuple[str, str, str]]:
    """The towns and zones the officials' dashboards break figures down by: (code, Chinese, English)."""
    return list(Town.objects.order_by("kind", "id").values_list("code", "name_zh", "name_en"))


def _by_month_and_town(residents, moment: str, start) -> dict[tuple[date, str], int]:
    rows = (
        residents.filter(**{f"{moment}__gte": start})
        .annotate(month=TruncMonth(moment))
        .values("month", "town__code")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("month", "town__code", "n")
    )
    return {(timezone.localtime(month).date(), town): n for month, town, n in rows}


def _by_town_before(residents, moment: str, start) -> dict[str, int]:
    return dict(
        residents.filter(**{f"{moment}__lt": start})
        .values("town__code")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("town__code", "n")
    )


def registration_figures(*, since: date) -> list[dict]:
    """Registrations and verifications per month (from ``since``) and town of residence, with the totals
    registered and verified at each month's end: four grouped queries."""
    start = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
    everyone = Resident.objects.all()
    # a record verified without a decision time (loaded in bulk) counts from its registration
    verified = Resident.objects.filter(state=Resident.State.VERIFIED).annotate(
        verified_at=Coalesce("decided_at", "submitted_at")
    )
    registered_in = _by_month_and_town(everyone, "submitted_at", start)
    verified_in = _by_month_and_town(verified, "verified_at", start)
    registered_total = _by_town_before(everyone, "submitted_at", start)
    verified_total = _by_town_before(verified, "verified_at", start)
    towns = {town for _, town in registered_in} | {town for _, town in verified_in} | set(registered_total)
    last = timezone.localdate().replace(day=1)
    months, month = [], since
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    rows = []
    for town in sorted(towns):
        total_r, total_v = registered_total.get(town, 0), verified_total.get(town, 0)
        for month in months:
            new_r, new_v = registered_in.get((month, town), 0), verified_in.get((month, town), 0)
            total_r, total_v = total_r + new_r, total_v + new_v
            if total_r or total_v:
                rows.append(
                    {"month": month, "town": town, "registered": new_r, "verified": new_v,
                     "registered_total": total_r, "verified_total": total_v}
                )  # fmt: skip
    return rows


def dashboard_domain():
    """The residents' page of the officials' dashboards."""
    from kunshan_portal.registry import DashboardColumn, DashboardDomain, DashboardHeadline, DashboardTable

    columns = (
        DashboardColumn("registered", _("New registrations")),
        DashboardColumn("verified", _("Verified in the month")),
        DashboardColumn("registered_total", _("Residents registered"), agg="last"),
        DashboardColumn("verified_total", _("Residents verified"), agg="last"),
        DashboardColumn("verified_share", _("Share verified"), kind="share", of=("verified_total", "registered_total")),
        DashboardColumn(
            "population_share", _("Share of the new-resident population"), kind="share",
            of=("registered_total", NEW_RESIDENT_POPULATION), city_only=True,
        ),
    )  # fmt: skip
    return DashboardDomain(
        key="residents",
        title=_("Residents"),
        order=10,
        tables=(
            DashboardTable(
                key="registrations", title=_("Registrations by month"), columns=columns, breakdown="month",
                rows=registration_figures, chart="line", chart_columns=("registered", "verified"),
                caption=_("New registrations and verifications each month; totals at the month's end."),
            ),
            DashboardTable(
                key="registrations-by-town", title=_("Residents by town or zone"), columns=columns,
                breakdown="town", source="registrations", chart="bar",
                chart_columns=("registered_total", "verified_total"),
                caption=_("Residents registered and verified at the end of the period, by town of residence."),
            ),
        ),
        headlines=(
            DashboardHeadline(_("Residents registered"), "registrations", "registered_total"),
            DashboardHeadline(_("Residents verified"), "registrations", "verified_total"),
            DashboardHeadline(_("Share of the new-resident population registered"), "registrations", "population_share"),
            DashboardHeadline(_("New registrations in the period"), "registrations", "registered"),
        ),
    )  # fmt: skip

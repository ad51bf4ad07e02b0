"""Reads of the registry beyond a plain get."""

from django.db.models import QuerySet

from kunshan_portal.crypto import lookup_hash
from residents.idcard import IdNumberError, parse_id_number
from residents.models import Employer, Resident


def resident_for_user(user) -> Resident | None:
    """The resident record of a logged-in user, or None (staff, employers, anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Resident.objects.select_related("town", "employer").filter(user=user).first()


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

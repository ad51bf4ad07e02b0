"""Every write to the registry: registration, verification, profile, family, employers, access log."""

import re
from datetime import date

from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kunshan_portal import roles
from kunshan_portal.crypto import encrypt, lookup_hash, mask_id_number
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_transition
from kunshan_portal.models import User
from residents.idcard import IdNumberError, parse_id_number, validate_uscc
from residents.models import (
    CertificateType,
    Education,
    Employer,
    FamilyMember,
    PersonalDataAccess,
    Resident,
    ResidentCertificate,
    Sector,
    Skill,
    Town,
)

MOBILE = re.compile(r"^1[3-9]\d{9}$")

ID_NUMBER_MESSAGES = {
    "length": _("An identity number has 18 characters."),
    "format": _("The first 17 characters must be digits; the last one a digit or X."),
    "checksum": _("The last character (the check character) does not match the number: please check it."),
    "birth_date": _("The birth date in the number (characters 7 to 14) is not a real date."),
    "region": _("The region code (the first six digits) is not a known county."),
}
DUPLICATE_ID = _("This identity number is already registered. If it is yours, log in or ask a caseworker.")
USCC_MESSAGES = {
    "length": _("A unified social credit code has 18 characters."),
    "checksum": _("The last character of the credit code does not match: please check it."),
    "format": _("This is not a valid unified social credit code."),
}


def identity_fields(id_number: str, *, field: str = "id_number") -> dict:
    """Validate an identity number and return the stored form of it (encrypted, hash, mask, facts)."""
    try:
        facts = parse_id_number(id_number)
    except IdNumberError as exc:
        raise DomainError(ID_NUMBER_MESSAGES[exc.reason], field=field) from exc
    return {
        "id_number_encrypted": encrypt(facts.number),
        "id_number_hash": lookup_hash(facts.number),
        "id_number_masked": mask_id_number(facts.number),
        "birth_date": facts.birth_date,
        "gender": facts.gender,
        "_facts": facts,
    }


def validate_mobile(phone: str, *, field: str = "phone") -> str:
    phone = (phone or "").strip().replace(" ", "")
    if not MOBILE.match(phone):
        raise DomainError(_("Enter a mainland mobile number: 11 digits starting with 1."), field=field)
    return phone


def _check_arrival(arrival_date: date, birth_date: date) -> None:
    if arrival_date > timezone.localdate():
        raise DomainError(_("The arrival date cannot be in the future."), field="arrival_date")
    if arrival_date < birth_date:
        raise DomainError(_("The arrival date cannot be before the date of birth."), field="arrival_date")


def _resident_values(*, id_number, name, phone, arrival_date, town, address, employer, education) -> dict:
    ident = identity_fields(id_number)
    facts = ident.pop("_facts")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter your name as on your identity card."), field="name")
    _check_arrival(arrival_date, facts.birth_date)
    if education not in Education.values:
        raise DomainError(_("Choose an education level."), field="education")
    return {
        **ident,
        "name": name,
        "phone": validate_mobile(phone),
        "home_region_code": facts.region_code,
        "home_province_code": facts.province_code,
        "arrival_date": arrival_date,
        "town": town,
        "address": (address or "").strip(),
        "employer": employer,
        "education": education,
    }


def _save_new_resident(resident: Resident) -> Resident:
    """Insert, turning the database's uniqueness verdict into the user's message (races included)."""
    try:
        with transaction.atomic():
            resident.save(force_insert=True)
    except IntegrityError as exc:
        if "resident_unique_id_number" in str(exc):
            raise DomainError(DUPLICATE_ID, field="id_number") from exc
        raise
    return resident


def _set_skills_and_certificates(resident: Resident, skills, certificates) -> None:
    resident.skills.set(skills or [])
    held = set(resident.certificates.values_list("certificate_type_id", flat=True))
    wanted = {c.pk for c in certificates or []}
    resident.certificates.filter(
        source=ResidentCertificate.Source.DECLARED, certificate_type_id__in=held - wanted
    ).delete()
    ResidentCertificate.objects.bulk_create(
        [ResidentCertificate(resident=resident, certificate_type_id=pk) for pk in wanted - held]
    )


@transaction.atomic
def resident_register(
    *,
    phone: str,
    password: str,
    name: str,
    id_number: str,
    arrival_date: date,
    town: Town,
    address: str,
    education: str,
    employer: Employer | None = None,
    skills: list[Skill] | None = None,
    certificates: list[CertificateType] | None = None,
    language: str = "zh-hans",
    consent: bool = False,
) -> Resident:
    """A new resident registers online: an account with the mobile number as login, pending verification."""
    if not consent:
        raise DomainError(
            _("Registration needs your consent to the stated uses of your data."), field="consent"
        )
    values = _resident_values(
        id_number=id_number, name=name, phone=phone, arrival_date=arrival_date, town=town,
        address=address, employer=employer, education=education,
    )  # fmt: skip
    if User.objects.filter(username=values["phone"]).exists():
        raise DomainError(
            _("An account with this mobile number exists already. Log in instead."), field="phone"
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=values["phone"], password=password, phone=values["phone"], first_name=values["name"],
                language=language,
            )  # fmt: skip
    except IntegrityError as exc:
        raise DomainError(
            _("An account with this mobile number exists already. Log in instead."), field="phone"
        ) from exc
    user.groups.add(Group.objects.get(name=roles.RESIDENT))
    resident = _save_new_resident(Resident(user=user, consent_at=timezone.now(), **values))
    _set_skills_and_certificates(resident, skills, certificates)
    return resident


@transaction.atomic
def resident_create(*, actor: User | None, **fields) -> Resident:
    """A caseworker registers a resident who came to a service point (no online account yet)."""
    skills = fields.pop("skills", None)
    certificates = fields.pop("certificates", None)
    resident = _save_new_resident(Resident(**_resident_values(**fields)))
    _set_skills_and_certificates(resident, skills, certificates)
    return resident


PROFILE_FIELDS = ("phone", "arrival_date", "town", "address", "employer", "education")


@transaction.atomic
def resident_update_profile(*, resident: Resident, actor: User, **changes) -> Resident:
    """A resident keeps their profile up to date; name and identity number change only at a service point."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if actor.pk != resident.user_id and not actor.has_perm("residents.change_resident"):
        raise DomainError(_("You may change only your own profile."), code="forbidden")
    unknown = set(changes) - {*PROFILE_FIELDS, "skills", "certificates", "language"}
    if unknown:
        raise DomainError(
            _("These details cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    if "phone" in changes:
        changes["phone"] = validate_mobile(changes["phone"])
    if "arrival_date" in changes:
        _check_arrival(changes["arrival_date"], resident.birth_date)
    if "education" in changes and changes["education"] not in Education.values:
        raise DomainError(_("Choose an education level."), field="education")
    skills, certificates = changes.pop("skills", None), changes.pop("certificates", None)
    language = changes.pop("language", None)
    for name, value in changes.items():
        setattr(resident, name, value)
    if changes:
        resident.save(update_fields=[*changes, "updated_at"])
    if skills is not None or certificates is not None:
        _set_skills_and_certificates(
            resident,
            skills if skills is not None else list(resident.skills.all()),
            certificates
            if certificates is not None
            else [c.certificate_type for c in resident.certificates.filter(source="declared")],
        )
    if language and resident.user_id:
        User.objects.filter(pk=resident.user_id).update(language=language)
    if "phone" in changes and resident.user_id:
        User.objects.filter(pk=resident.user_id).update(phone=changes["phone"])
    return resident


def _next_card_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('residents_card_number_seq')")
        (value,) = cursor.fetchone()
    return f"KS{value:08d}"


def resident_verify(*, resident: Resident, actor: User) -> Resident:
    """A caseworker confirms the documents: the resident is verified and gets a resident card number."""
    return lifecycle_transition(
        obj=resident, transition="verify", actor=actor, decision=True, card_number=_next_card_number(),
        extra_fields=("card_number",),
    )  # fmt: skip


def resident_reject(*, resident: Resident, actor: User, reason: str) -> Resident:
    """A caseworker rejects a registration whose documents do not match, always saying why."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the rejection: the resident will read it."), field="reason")
    return lifecycle_transition(
        obj=resident, transition="reject", actor=actor, note=reason.strip(), decision=True
    )


def resident_resubmit(*, resident: Resident, actor: User) -> Resident:
    """After correcting a rejected registration the resident asks for it to be checked again."""
    return lifecycle_transition(obj=resident, transition="resubmit", actor=actor, notify=False)


@transaction.atomic
def family_member_add(
    *, resident: Resident, actor: User, relation: str, name: str, id_number: str
) -> FamilyMember:
    """A resident adds their spouse or a child, each with their own identity number."""
    if actor.pk != resident.user_id and not actor.has_perm("residents.change_resident"):
        raise DomainError(_("You may change only your own family."), code="forbidden")
    if relation not in FamilyMember.Relation.values:
        raise DomainError(_("Choose spouse or child."), field="relation")
    if not (name or "").strip():
        raise DomainError(_("Enter the family member's name."), field="name")
    ident = identity_fields(id_number)
    ident.pop("_facts")
    if ident["id_number_hash"] == resident.id_number_hash:
        raise DomainError(_("This is your own identity number."), field="id_number")
    if relation == FamilyMember.Relation.CHILD and ident["birth_date"] <= resident.birth_date:
        raise DomainError(_("A child's birth date must be after the parent's."), field="id_number")
    member = FamilyMember(resident=resident, relation=relation, name=name.strip(), **ident)
    try:
        with transaction.atomic():
            member.save(force_insert=True)
    except IntegrityError as exc:
        if "family_one_spouse" in str(exc):
            raise DomainError(_("A spouse is already recorded."), field="relation") from exc
        raise DomainError(_("This person is already in your family."), field="id_number") from exc
    return member


@transaction.atomic
def family_member_update(*, member: FamilyMember, actor: User, name: str) -> FamilyMember:
    """A resident corrects a family member's name (the identity number is fixed; remove and add instead)."""
    member = FamilyMember.objects.select_for_update().select_related("resident").get(pk=member.pk)
    if actor.pk != member.resident.user_id and not actor.has_perm("residents.change_resident"):
        raise DomainError(_("You may change only your own family."), code="forbidden")
    if not (name or "").strip():
        raise DomainError(_("Enter the family member's name."), field="name")
    member.name = name.strip()
    member.save(update_fields=["name", "updated_at"])
    return member


@transaction.atomic
def family_member_remove(*, member: FamilyMember, actor: User) -> None:
    """A resident removes a family member recorded by mistake."""
    if actor.pk != member.resident.user_id and not actor.has_perm("residents.change_resident"):
        raise DomainError(_("You may change only your own family."), code="forbidden")
    member.delete()


def personal_data_access_record(*, resident: Resident, staff: User, purpose: str) -> None:
    """Note that a member of staff saw a resident's personal data (the resident can read this log)."""
    PersonalDataAccess.objects.create(resident=resident, staff=staff, purpose=purpose)


@transaction.atomic
def employer_register(
    *,
    actor: User | None,
    name: str,
    uscc: str,
    sector: str,
    town: Town,
    foreign_funded: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
) -> Employer:
    """Register a company in the city's registry under its unified social credit code (once)."""
    try:
        code = validate_uscc(uscc)
    except ValueError as exc:
        raise DomainError(USCC_MESSAGES[str(exc)], field="uscc") from exc
    if sector not in Sector.values:
        raise DomainError(_("Choose a sector."), field="sector")
    if not (name or "").strip():
        raise DomainError(_("Enter the company's name."), field="name")
    employer = Employer(
        name=name.strip(), uscc=code, sector=sector, town=town, foreign_funded=foreign_funded,
        contact_name=contact_name, contact_phone=contact_phone,
    )  # fmt: skip
    try:
        with transaction.atomic():
            employer.save(force_insert=True)
    except IntegrityError as exc:
        raise DomainError(_("A company with this credit code is registered already."), field="uscc") from exc
    return employer


@transaction.atomic
def employer_account_add(*, employer: Employer, user: User, actor: User | None) -> None:
    """Let an account act for an employer (an HR officer); it joins the employer role."""
    employer.accounts.add(user)
    user.groups.add(Group.objects.get(name=roles.EMPLOYER))

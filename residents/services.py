"""Every write to the registry: registration, verification, profile, family, employers, access log."""

import re
from datetime import date

from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kunshan_portal import roles
from kunshan_portal.crypto import encrypt, lookup_hash, mask_id_number
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_transition
from kunshan_portal.models import User
from kunshan_portal.registry import closure_obstacles, erase_on_closure
from residents.idcard import IdNumberError, parse_id_number, validate_uscc
from residents.models import (
    AccountClosure,
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
    old_phone = resident.phone
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
        account = User.objects.filter(pk=resident.user_id)
        account.update(phone=changes["phone"])
        if changes["phone"] != old_phone and account.filter(username=old_phone).exists():
            # residents log in with their mobile number: the login follows the new number
            try:
                with transaction.atomic():
                    account.update(username=changes["phone"])
            except IntegrityError as exc:
                raise DomainError(
                    _("An account with this mobile number exists already."), field="phone"
                ) from exc
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
    try:
        with transaction.atomic():
            member.delete()
    except ProtectedError as exc:
        raise DomainError(
            _(
                "This family member has school applications or enrolments and cannot be removed; ask a caseworker."
            )
        ) from exc


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


def resident_register_check(
    *,
    phone: str,
    name: str,
    id_number: str,
    arrival_date: date,
    town: Town,
    address: str,
    education: str,
    employer: Employer | None = None,
) -> dict:
    """Check a registration by the rules resident_register applies, writing nothing (the confirmation step).

    Returns what the registration would record, with the birth date, gender and home province that the
    identity number carries; resident_register checks everything again, the database constraint last.
    """
    values = _resident_values(
        id_number=id_number, name=name, phone=phone, arrival_date=arrival_date, town=town,
        address=address, employer=employer, education=education,
    )  # fmt: skip
    if User.objects.filter(username=values["phone"]).exists():
        raise DomainError(
            _("An account with this mobile number exists already. Log in instead."), field="phone"
        )
    if Resident.objects.filter(id_number_hash=values["id_number_hash"]).exists():
        raise DomainError(DUPLICATE_ID, field="id_number")
    return values


# --- Caseworkers' files: all-or-nothing imports, export log, the registry's upkeep -------------------

RESIDENT_IMPORT_COLUMNS = (
    "name", "id_number", "phone", "arrival_date", "town", "address", "education", "employer_uscc",
)  # fmt: skip
EMPLOYER_IMPORT_COLUMNS = (
    "name", "uscc", "sector", "town", "foreign_funded", "contact_name", "contact_phone",
)  # fmt: skip
IMPORT_BATCH_SIZE = 2000
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
YES = {"1", "yes", "y", "true", "t", "是", "x"}
NO = {"", "0", "no", "n", "false", "f", "否"}


class ImportRejected(DomainError):
    """A file refused as a whole; ``errors`` maps each bad line (the header is line 1) to its messages."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        from django.utils.translation import ngettext

        count = len(errors)
        super().__init__(
            ngettext(
                "%(count)d line has errors; nothing was imported.",
                "%(count)d lines have errors; nothing was imported.",
                count,
            )
            % {"count": count}
        )
        self.errors = errors


def _cell(value) -> str:
    """A spreadsheet cell as text: numbers without a trailing .0, dates as YYYY-MM-DD, blanks as ''."""
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _cell_date(value) -> date:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise DomainError(_("Enter the date as YYYY-MM-DD."))


def _cell_required(value, *, max_length: int, missing) -> str:
    text = _cell(value)
    if not text:
        raise DomainError(missing)
    if len(text) > max_length:
        raise DomainError(_("At most %(n)d characters.") % {"n": max_length})
    return text


def _import_rows(rows, first_line: int, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    """Number the rows as a spreadsheet shows them, drop blank ones, and check the header once."""
    numbered = []
    for offset, row in enumerate(rows):
        cells = {str(key or "").strip().lower(): value for key, value in row.items()}
        if any(_cell(value) for value in cells.values()):
            numbered.append((first_line + offset, cells))
    if not numbered:
        raise DomainError(_("The file has no rows to import."))
    missing = [column for column in columns if column not in numbered[0][1]]
    if missing:
        raise DomainError(
            _("The file lacks these columns: %(missing)s. Expected: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": ", ".join(columns)}
        )
    return numbered


class _RowCheck:
    """Collects every error of one row by column, so that a row reports all its problems at once."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def __call__(self, column: str, check):
        try:
            return check()
        except DomainError as exc:
            self.errors.setdefault(column, []).append(str(exc.message))
            return None


def _existing(model, field: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 5000):
        chunk = values[start : start + 5000]
        found.update(model.objects.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


def _town_by_code(towns: dict[str, int], value) -> int:
    code = _cell(value).lower()
    if code not in towns:
        raise DomainError(
            _("Unknown town code “%(code)s”: use one of %(codes)s.")
            % {"code": code, "codes": ", ".join(sorted(towns))}
        )
    return towns[code]


def _require_permission(actor: User | None, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise DomainError(_("You are not allowed to take this action."), code="forbidden")


def _resident_import_row(cells: dict, towns: dict[str, int], employers: dict[str, int]):
    check = _RowCheck()
    values: dict = {}
    values["name"] = check(
        "name", lambda: _cell_required(cells["name"], max_length=60, missing=_("Enter the name."))
    )

    def identity():
        raw = cells["id_number"]
        if isinstance(raw, float):
            raise DomainError(
                _("The spreadsheet stored this identity number as a number and lost digits: "
                  "format the column as text and type it again.")
            )  # fmt: skip
        ident = identity_fields(_cell(raw))
        return ident.pop("_facts"), ident

    facts_and_ident = check("id_number", identity)
    facts = None
    if facts_and_ident:
        facts, ident = facts_and_ident
        values.update(ident, home_region_code=facts.region_code, home_province_code=facts.province_code)
    values["phone"] = check("phone", lambda: validate_mobile(_cell(cells["phone"])))
    arrival = check("arrival_date", lambda: _cell_date(cells["arrival_date"]))
    if arrival and facts:
        check("arrival_date", lambda: _check_arrival(arrival, facts.birth_date))
    values["arrival_date"] = arrival
    values["town_id"] = check("town", lambda: _town_by_code(towns, cells["town"]))
    values["address"] = check(
        "address",
        lambda: _cell_required(cells["address"], max_length=200, missing=_("Enter the current address.")),
    )

    def education():
        level = _cell(cells["education"]).lower()
        if level not in Education.values:
            raise DomainError(
                _("Unknown education level: use one of %(levels)s.") % {"levels": ", ".join(Education.values)}
            )
        return level

    values["education"] = check("education", education)

    def employer():
        text = _cell(cells.get("employer_uscc"))
        if not text:
            return None
        try:
            code = validate_uscc(text)
        except ValueError as exc:
            raise DomainError(USCC_MESSAGES[str(exc)]) from exc
        if code not in employers:
            raise DomainError(_("No employer with this credit code is registered."))
        return employers[code]

    values["employer_id"] = check("employer_uscc", employer)
    return values, check.errors


@transaction.atomic
def residents_import(*, rows, actor: User | None, first_line: int = 2) -> int:
    """A caseworker's file of residents is imported whole or not at all: every bad line is reported."""
    import pghistory

    _require_permission(actor, "residents.add_resident")
    numbered = _import_rows(rows, first_line, RESIDENT_IMPORT_COLUMNS)
    towns = dict(Town.objects.values_list("code", "pk"))
    usccs = set()
    for _line, cells in numbered:
        try:
            usccs.add(validate_uscc(_cell(cells.get("employer_uscc"))))
        except ValueError:
            continue
    employers = dict(Employer.objects.filter(uscc__in=usccs).values_list("uscc", "pk"))
    errors: dict[int, dict[str, list[str]]] = {}
    valid: list[tuple[int, dict]] = []
    for line, cells in numbered:
        values, row_errors = _resident_import_row(cells, towns, employers)
        if row_errors:
            errors[line] = row_errors
        else:
            valid.append((line, values))
    # Duplicates: a later line repeating a number, and numbers the registry holds already.
    first_seen: dict[str, int] = {}
    registered = _existing(Resident, "id_number_hash", [values["id_number_hash"] for _l, values in valid])
    for line, values in valid:
        key = values["id_number_hash"]
        if key in registered:
            errors.setdefault(line, {}).setdefault("id_number", []).append(
                str(_("This identity number is already registered."))
            )
        elif key in first_seen:
            errors.setdefault(line, {}).setdefault("id_number", []).append(
                str(_("The same identity number is on line %(line)d.") % {"line": first_seen[key]})
            )
        else:
            first_seen[key] = line
    if errors:
        raise ImportRejected(dict(sorted(errors.items())))
    residents = [Resident(**values) for _line, values in valid]
    try:
        with transaction.atomic(), pghistory.context(actor=actor.pk if actor else None, source="import"):
            Resident.objects.bulk_create(residents, batch_size=IMPORT_BATCH_SIZE)
    except IntegrityError as exc:
        if "resident_unique_id_number" in str(exc):
            raise DomainError(
                _("One of these identity numbers was registered while the file was being imported: "
                  "nothing was imported. Import the file again to see which line.")
            ) from exc  # fmt: skip
        raise
    return len(residents)


def _yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _cell(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise DomainError(_("Write yes or no."))


def _employer_import_row(cells: dict, towns: dict[str, int]):
    check = _RowCheck()
    values: dict = {}
    values["name"] = check(
        "name",
        lambda: _cell_required(cells["name"], max_length=200, missing=_("Enter the company's name.")),
    )

    def credit_code():
        try:
            return validate_uscc(_cell(cells["uscc"]))
        except ValueError as exc:
            raise DomainError(USCC_MESSAGES[str(exc)]) from exc

    values["uscc"] = check("uscc", credit_code)

    def sector():
        code = _cell(cells["sector"]).lower()
        if code not in Sector.values:
            raise DomainError(
                _("Unknown sector: use one of %(sectors)s.") % {"sectors": ", ".join(Sector.values)}
            )
        return code

    values["sector"] = check("sector", sector)
    values["town_id"] = check("town", lambda: _town_by_code(towns, cells["town"]))
    values["foreign_funded"] = check("foreign_funded", lambda: _yes_no(cells["foreign_funded"]))
    for column, length in (("contact_name", 100), ("contact_phone", 20)):
        text = _cell(cells.get(column))
        if len(text) > length:
            check.errors.setdefault(column, []).append(str(_("At most %(n)d characters.") % {"n": length}))
        values[column] = text
    return values, check.errors


@transaction.atomic
def employers_import(*, rows, actor: User | None, first_line: int = 2) -> int:
    """A caseworker's file of employers is imported whole or not at all; invalid credit codes are refused."""
    import pghistory

    _require_permission(actor, "residents.add_employer")
    numbered = _import_rows(rows, first_line, EMPLOYER_IMPORT_COLUMNS)
    towns = dict(Town.objects.values_list("code", "pk"))
    errors: dict[int, dict[str, list[str]]] = {}
    valid: list[tuple[int, dict]] = []
    for line, cells in numbered:
        values, row_errors = _employer_import_row(cells, towns)
        if row_errors:
            errors[line] = row_errors
        else:
            valid.append((line, values))
    first_seen: dict[str, int] = {}
    registered = _existing(Employer, "uscc", [values["uscc"] for _l, values in valid])
    for line, values in valid:
        code = values["uscc"]
        if code in registered:
            errors.setdefault(line, {}).setdefault("uscc", []).append(
                str(_("A company with this credit code is registered already."))
            )
        elif code in first_seen:
            errors.setdefault(line, {}).setdefault("uscc", []).append(
                str(_("The same credit code is on line %(line)d.") % {"line": first_seen[code]})
            )
        else:
            first_seen[code] = line
    if errors:
        raise ImportRejected(dict(sorted(errors.items())))
    employers = [Employer(**values) for _line, values in valid]
    try:
        with transaction.atomic(), pghistory.context(actor=actor.pk if actor else None, source="import"):
            Employer.objects.bulk_create(employers, batch_size=IMPORT_BATCH_SIZE)
    except IntegrityError as exc:
        raise DomainError(
            _("One of these credit codes was registered while the file was being imported: nothing was "
              "imported. Import the file again to see which line.")
        ) from exc  # fmt: skip
    return len(employers)


@transaction.atomic
def personal_data_export_record(*, resident_ids, staff: User) -> int:
    """Note in each exported resident's access log that a member of staff exported their full record."""
    entries = [
        PersonalDataAccess(resident_id=pk, staff=staff, purpose=PersonalDataAccess.Purpose.EXPORT)
        for pk in resident_ids
    ]
    PersonalDataAccess.objects.bulk_create(entries, batch_size=5000)
    return len(entries)


EMPLOYER_FIELDS = ("name", "sector", "town", "foreign_funded", "contact_name", "contact_phone")


@transaction.atomic
def employer_update(*, employer: Employer, actor: User | None, **changes) -> Employer:
    """A caseworker keeps an employer's details current; the credit code is its identity and stays."""
    _require_permission(actor, "residents.change_employer")
    unknown = set(changes) - set(EMPLOYER_FIELDS)
    if unknown:
        raise DomainError(
            _("These details cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise DomainError(_("Enter the company's name."), field="name")
    if "sector" in changes and changes["sector"] not in Sector.values:
        raise DomainError(_("Choose a sector."), field="sector")
    for name, value in changes.items():
        setattr(employer, name, value)
    if changes:
        employer.save(update_fields=[*changes, "updated_at"])
    return employer


CONTACT_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@transaction.atomic
def employer_contact_update(
    *, employer: Employer, actor: User, contact_name: str, contact_phone: str
) -> Employer:
    """The company's own accounts keep its contact person and phone current; its name, credit code, sector and
    town are the registry's, kept by caseworkers (``employer_update``)."""
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if actor is None or not employer.accounts.filter(pk=actor.pk).exists():
        raise DomainError(
            _("Only the company's own accounts may change its contact details."), code="forbidden"
        )
    name = (contact_name or "").strip()
    phone = re.sub(r"[\s()]", "", contact_phone or "")
    if not name:
        raise DomainError(_("Enter who the city and job seekers should ask for."), field="contact_name")
    if len(name) > Employer._meta.get_field("contact_name").max_length:
        raise DomainError(_("Enter at most 100 characters."), field="contact_name")
    if not CONTACT_PHONE.match(phone):
        raise DomainError(
            _("Enter a mobile number (11 digits starting with 1) or a landline with its area code, such as "
              "0512-57771234."),
            field="contact_phone",
        )  # fmt: skip
    employer.contact_name, employer.contact_phone = name, phone
    employer.save(update_fields=["contact_name", "contact_phone", "updated_at"])
    return employer


@transaction.atomic
def employer_account_remove(*, employer: Employer, user: User, actor: User | None) -> None:
    """An account stops acting for an employer; it leaves the employer role when it acts for none."""
    employer.accounts.remove(user)
    if not user.employers.exists():
        user.groups.remove(Group.objects.get(name=roles.EMPLOYER))


# --- Training programmes and subsidies ---


@transaction.atomic
def resident_certificate_award(
    *, resident: Resident, certificate_type: CertificateType | None, skill: Skill | None, obtained_on: date
) -> ResidentCertificate | None:
    """A programme the resident completed adds its skill and its certificate to the registry (so job
    matching counts them at once); a certificate already declared becomes one earned through the programme.
    Called by the training service, which has checked the completion."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if skill is not None:
        resident.skills.add(skill)
    if certificate_type is None:
        return None
    certificate, created = ResidentCertificate.objects.get_or_create(
        resident=resident,
        certificate_type=certificate_type,
        defaults={"obtained_on": obtained_on, "source": ResidentCertificate.Source.PROGRAMME},
    )
    if not created and certificate.source != ResidentCertificate.Source.PROGRAMME:
        certificate.source = ResidentCertificate.Source.PROGRAMME
        certificate.obtained_on = obtained_on
        certificate.save(update_fields=["source", "obtained_on", "updated_at"])
    return certificate


# --- Account closure ---
# A resident may ask for their account to be closed. The request waits for a grace period (the resident
# may cancel it, for instance when someone else used their password), then the daily run closes it; a
# residents caseworker may close it at once, e.g. when the person asks at a service point. Closing erases
# what identifies or reaches the person (name, phone, address, employer, skills and declared
# certificates, family members not needed by another record, the login and its notices) and keeps the
# records the law requires: the identity number stays encrypted because the social-insurance ledger,
# legal-aid cases, tenancies and school placements are kept under it, and those records stay as they are.
CLOSED_NAME = "已注销"
ERASED_RESIDENT_FIELDS = {"name": CLOSED_NAME, "phone": "", "address": "", "employer_id": None}


def _closure_grace():
    from datetime import timedelta

    from django.conf import settings

    return timedelta(days=settings.KUNSHAN_CLOSURE_GRACE_DAYS)


def _refuse_while_kept_open(resident: Resident) -> None:
    """What another app keeps open for the person (a legal-aid case in progress) holds the closure."""
    if obstacles := closure_obstacles(resident):
        raise DomainError(" ".join(obstacles))


@transaction.atomic
def account_closure_request(*, resident: Resident, actor: User) -> AccountClosure:
    """The resident asks for their account to be closed; it closes after the grace period unless cancelled."""
    from django.urls import reverse

    from kunshan_portal.notices import notice_send

    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if actor.pk is None or resident.user_id != actor.pk:
        raise DomainError(_("Only the resident can ask for their account to be closed."), code="forbidden")
    if resident.closures.filter(state=AccountClosure.State.REQUESTED).exists():
        raise DomainError(_("You have already asked for your account to be closed."))
    if resident.closures.filter(state=AccountClosure.State.CLOSED).exists():
        raise DomainError(_("This account is closed."))
    _refuse_while_kept_open(resident)
    closure = AccountClosure.objects.create(
        resident=resident, requested_by=actor, due_at=timezone.now() + _closure_grace()
    )
    notice_send(
        recipient=actor,
        subject=_("Your account will be closed"),
        body=_(
            "You asked for your portal account to be closed. It will be closed on %(date)s. Until then "
            "you can cancel on your page. If you did not ask for this, cancel and change your password."
        ),
        params={"date": timezone.localtime(closure.due_at).date().isoformat()},
        link=reverse("residents:me-close"),
    )
    return closure


@transaction.atomic
def account_closure_cancel(*, closure: AccountClosure, actor: User) -> AccountClosure:
    """The resident withdraws the request before it is carried out; nothing was erased."""
    closure = AccountClosure.objects.select_for_update().select_related("resident").get(pk=closure.pk)
    if closure.resident.user_id != actor.pk:
        raise DomainError(_("Only the resident can cancel this request."), code="forbidden")
    if closure.state != AccountClosure.State.REQUESTED:
        raise DomainError(_("This request can no longer be cancelled."))
    closure.state = AccountClosure.State.CANCELLED
    closure.cancelled_at = timezone.now()
    closure.save(update_fields=["state", "cancelled_at", "updated_at"])
    return closure


def _records_kept(resident: Resident) -> dict[str, int]:
    """How many records of each kind other parts of the portal keep under the closed resident."""
    from pghistory.models import Event

    erased = {FamilyMember, ResidentCertificate, PersonalDataAccess}
    kept = {}
    for relation in Resident._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or model in erased or issubclass(model, Event):
            continue
        if model._meta.label == "residents.AccountClosure":
            continue
        count = model._default_manager.filter(**{relation.field.name: resident}).count()
        if count:
            kept[model._meta.label_lower] = count
    return kept


def _erase_family(resident: Resident) -> None:
    """Family members go, except those another record needs (a child placed in a school): those keep
    their identity number and lose their name."""
    from django.db.models import RestrictedError

    for member in list(resident.family.all()):
        try:
            with transaction.atomic():
                member.delete()
        except (ProtectedError, RestrictedError):
            FamilyMember.objects.filter(pk=member.pk).update(name=CLOSED_NAME)


def _erase_history(resident: Resident, member_ids: list[int]) -> None:
    """The change history keeps who did what and when, but no longer the erased values."""
    from django.apps import apps

    apps.get_model("residents", "ResidentEvent").objects.filter(pgh_obj_id=resident.pk).update(
        **ERASED_RESIDENT_FIELDS
    )
    apps.get_model("residents", "FamilyMemberEvent").objects.filter(pgh_obj_id__in=member_ids).update(
        name=CLOSED_NAME
    )


def _close_login(user: User) -> None:
    from django_otp import devices_for_user
    from rest_framework.authtoken.models import Token

    from kunshan_portal.models import Notice

    Token.objects.filter(user=user).delete()
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    Notice.objects.filter(recipient=user).delete()
    user.username = f"closed-{user.pk}"
    user.first_name = user.last_name = user.email = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


@transaction.atomic
def account_closure_carry_out(*, closure: AccountClosure, actor: User | None) -> AccountClosure:
    """Erase the resident's personal data and disable the login, keeping the records the law requires.
    ``actor`` None is the daily run, which closes only requests past their grace period; a residents
    caseworker may close a request at once."""
    closure = AccountClosure.objects.select_for_update().get(pk=closure.pk)
    if closure.state != AccountClosure.State.REQUESTED:
        raise DomainError(_("Only a pending request can be carried out."))
    if actor is None:
        if closure.due_at > timezone.now():
            raise DomainError(_("The grace period of this request has not ended."))
    elif not actor.has_perm("residents.change_resident"):
        raise DomainError(_("You may not close residents' accounts."), code="forbidden")
    resident = Resident.objects.select_for_update().get(pk=closure.resident_id)
    _refuse_while_kept_open(resident)  # e.g. a legal-aid case filed during the grace period
    member_ids = list(resident.family.values_list("pk", flat=True))
    kept = _records_kept(resident)
    for field, value in ERASED_RESIDENT_FIELDS.items():
        setattr(resident, field, value)
    resident.save(update_fields=[*(f.removesuffix("_id") for f in ERASED_RESIDENT_FIELDS), "updated_at"])
    resident.skills.clear()
    resident.certificates.filter(source=ResidentCertificate.Source.DECLARED).delete()
    _erase_family(resident)
    _erase_history(resident, member_ids)
    erase_on_closure(resident)  # what the other apps keep of the person (kunshan_portal.registry)
    if resident.user_id:
        _close_login(resident.user)
    closure.state = AccountClosure.State.CLOSED
    closure.closed_at = timezone.now()
    closure.closed_by = actor
    closure.kept = kept
    closure.save(update_fields=["state", "closed_at", "closed_by", "kept", "updated_at"])
    return closure


def account_closures_due(*, now=None) -> int:
    """The daily run: close every request whose grace period has ended (each in its own transaction)."""
    import pghistory

    due = AccountClosure.objects.filter(
        state=AccountClosure.State.REQUESTED, due_at__lte=now or timezone.now()
    ).values_list("pk", flat=True)
    closed = 0
    for pk in list(due):
        with pghistory.context(run="account closure after the grace period"):
            try:
                account_closure_carry_out(closure=AccountClosure(pk=pk), actor=None)
                closed += 1
            except DomainError:
                continue  # cancelled or closed meanwhile, or kept open by a case in progress (tried daily)
    return closed

"""The city's registry: towns, employers, residents and their families, skills and certificates."""

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from kunshan_portal.models import LifecycleModel, TimeStampedModel
from residents.idcard import PROVINCES


class BilingualNamed(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_in_language(self.name_zh, self.name_en)

    @staticmethod
    def name_in_language(name_zh: str, name_en: str) -> str:
        """The name readers of the current language see (also for names read without the model)."""
        return name_en if translation.get_language() == "en" else name_zh


class Town(BilingualNamed):
    """A town or development zone of Kunshan: where residents live, and the school catchment unit."""

    class Kind(models.TextChoices):
        TOWN = "town", _("town")
        ZONE = "zone", _("development zone")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TOWN)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("town or zone")
        verbose_name_plural = _("towns and zones")


class Skill(BilingualNamed):
    """A skill from the city's list (welding, forklift driving …) used by jobs, training and matching."""

    code = models.SlugField(_("code"), max_length=48, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")


class CertificateType(BilingualNamed):
    """A kind of certificate; the level decides the training subsidy."""

    class Level(models.TextChoices):
        NONE = "none", _("no level")  # e.g. the construction safety certificate
        VOCATIONAL_DIPLOMA = "diploma", _("vocational diploma")
        SPECIAL = "special", _("special certification")
        NVQ1 = "nvq1", _("national vocational qualification, level 1")
        NVQ2 = "nvq2", _("national vocational qualification, level 2")
        NVQ3 = "nvq3", _("national vocational qualification, level 3")
        NVQ4 = "nvq4", _("national vocational qualification, level 4")
        NVQ5 = "nvq5", _("national vocational qualification, level 5")

    code = models.SlugField(_("code"), max_length=48, unique=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.NONE)

    class Meta:
        ordering = ["code"]
        verbose_name = _("certificate type")
        verbose_name_plural = _("certificate types")


class Sector(models.TextChoices):
    MANUFACTURING = "manufacturing", _("manufacturing")
    ELECTRONICS = "electronics", _("electronics")
    CONSTRUCTION = "construction", _("construction")
    LOGISTICS = "logistics", _("logistics")
    RETAIL = "retail", _("retail and catering")
    SERVICES = "services", _("services")
    TEXTILES = "textiles", _("textiles")
    OTHER = "other", _("other")


@pghistory.track()
class Employer(TimeStampedModel):
    """A company registered with its Unified Social Credit Code; employer accounts act for it."""

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, verbose_name=_("town"))
    foreign_funded = models.BooleanField(_("foreign-funded"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="employers", verbose_name=_("employer accounts")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        indexes = [models.Index(fields=["town", "sector"], name="employer_town_sector_idx")]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class Education(models.TextChoices):
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior middle school")
    SENIOR = "senior", _("senior middle school")
    VOCATIONAL = "vocational", _("vocational school")
    COLLEGE = "college", _("college")
    UNIVERSITY = "university", _("university")


class PersonalIdentity(models.Model):
    """An identity number kept encrypted, found by its keyed hash and shown masked."""

    id_number_encrypted = models.TextField(_("identity number (encrypted)"), editable=False)
    # Indexed by each model as it needs (a unique constraint, or a plain index): keyed hashes are random,
    # so every extra index on them costs a random write per new row.
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("identity number"), max_length=18, editable=False)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)

    class Meta:
        abstract = True

    @property
    def id_number(self) -> str:
        from kunshan_portal.crypto import decrypt

        return decrypt(self.id_number_encrypted)


def verify_permission(instance, user) -> bool:
    return user.has_perm("residents.verify_resident")


def is_the_resident(instance, user) -> bool:
    return instance.user_id is not None and instance.user_id == user.pk


@pghistory.track(exclude=["id_number_encrypted"])
class Resident(PersonalIdentity, LifecycleModel):
    """A new resident of Kunshan, registered online or by a caseworker, verified against documents."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending verification")  # registered, documents not yet checked
        VERIFIED = "verified", _("verified")  # a caseworker checked the documents; may be allocated
        REJECTED = "rejected", _("rejected")  # documents did not match; the reason is the decision note

    state = FSMField(_("registration status"), max_length=16, choices=State.choices, default=State.PENDING,
                     protected=True)  # fmt: skip
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resident"
    )
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("mobile phone"), max_length=11)
    home_region_code = models.CharField(_("home region code"), max_length=6)
    home_province_code = models.CharField(_("home province"), max_length=2)
    arrival_date = models.DateField(_("arrival in Kunshan"))
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, verbose_name=_("town or zone of residence"), db_index=False
    )  # found by the (town, state) index
    address = models.CharField(_("current address"), max_length=200)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees",
        verbose_name=_("employer"),
    )  # fmt: skip
    education = models.CharField(_("education"), max_length=12, choices=Education.choices)
    skills = models.ManyToManyField(Skill, blank=True, related_name="residents", verbose_name=_("skills"))
    # Given on verification; unique when given (Meta.constraints), none before: NULL, not "".
    card_number = models.CharField(_("resident card number"), max_length=12, null=True, blank=True)  # noqa: DJ001
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        permissions = [
            ("verify_resident", _("Can verify or reject a resident's registration")),
            ("view_full_id_number", _("Can see full identity numbers")),
        ]
        # One index per search: a unique or indexed CharField declared on the field would get a second,
        # LIKE-only copy (varchar_pattern_ops) that no query here uses, and every insert pays for both.
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="resident_unique_id_number"),
            models.UniqueConstraint(fields=["card_number"], name="resident_unique_card_number"),
        ]
        indexes = [
            models.Index(fields=["state"], name="resident_state_idx"),
            models.Index(fields=["home_province_code"], name="resident_province_idx"),
            # Exact phone searches and the seed's phone-prefix filter both use the pattern operator class.
            models.Index(fields=["phone"], opclasses=["varchar_pattern_ops"], name="resident_phone_idx"),
            models.Index(fields=["town", "state"], name="resident_town_state_idx"),
            models.Index(fields=["arrival_date"], name="resident_arrival_idx"),
            models.Index(models.functions.Upper("name"), name="resident_name_idx"),
            # The admin's name-prefix search (UPPER(name) LIKE 'X%') needs the pattern operator class,
            # whatever the database's collation.
            models.Index(
                OpClass(models.functions.Upper("name"), name="text_pattern_ops"),
                name="resident_name_prefix_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"

    def get_absolute_url(self) -> str:
        return reverse("residents:me")

    def lifecycle_recipient(self):
        return self.user

    def lifecycle_title(self):
        return _("registration")

    @property
    def home_province(self) -> str:
        zh, en = PROVINCES.get(self.home_province_code, ("", ""))
        return en if translation.get_language() == "en" else zh

    @property
    def is_verified(self) -> bool:
        return self.state == self.State.VERIFIED

    @transition(field=state, source=State.PENDING, target=State.VERIFIED, permission=verify_permission)
    def verify(self, card_number: str):
        self.card_number = card_number

    @transition(field=state, source=State.PENDING, target=State.REJECTED, permission=verify_permission)
    def reject(self):
        pass

    @transition(field=state, source=State.REJECTED, target=State.PENDING, permission=is_the_resident)
    def resubmit(self):
        pass


class ResidentCertificate(TimeStampedModel):
    """A certificate a resident holds: declared at registration, or earned through a programme."""

    class Source(models.TextChoices):
        DECLARED = "declared", _("declared by the resident")
        PROGRAMME = "programme", _("earned through a training programme")

    # db_index=False: resident_certificate_once (resident, certificate type) serves the resident's lookups.
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="certificates", db_index=False
    )
    certificate_type = models.ForeignKey(
        CertificateType, on_delete=models.PROTECT, verbose_name=_("certificate")
    )
    obtained_on = models.DateField(_("obtained on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.DECLARED)

    class Meta:
        verbose_name = _("certificate held")
        verbose_name_plural = _("certificates held")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "certificate_type"], name="resident_certificate_once"
            ),
        ]

    def __str__(self) -> str:
        return str(self.certificate_type)


@pghistory.track(exclude=["id_number_encrypted"])
class FamilyMember(PersonalIdentity, TimeStampedModel):
    """A resident's spouse or child, with their own identity number (children are placed in schools)."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")

    # db_index=False: family_member_once (resident, identity number) serves the resident's lookups.
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="family", db_index=False)
    relation = models.CharField(_("relation"), max_length=8, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["relation", "birth_date"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        constraints = [
            models.UniqueConstraint(fields=["resident", "id_number_hash"], name="family_member_once"),
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(relation="spouse"), name="family_one_spouse"
            ),
        ]
        indexes = [models.Index(fields=["id_number_hash"], name="family_member_id_hash_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class PersonalDataAccess(models.Model):
    """Who among the staff looked at a resident's personal data, when and how."""

    class Purpose(models.TextChoices):
        DETAIL = "detail", _("opened the record")
        EXPORT = "export", _("exported the record")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="access_log")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [models.Index(fields=["resident", "-at"], name="access_resident_at_idx")]

    def __str__(self) -> str:
        return f"{self.staff} → {self.resident_id} ({self.purpose})"


# --- Account closure ---------------------------------------------------------------------------------
@pghistory.track()
class AccountClosure(TimeStampedModel):
    """A resident's request to close their account: cancellable until it is due, then carried out."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")  # waiting for the grace period to end; may be cancelled
        CANCELLED = "cancelled", _("cancelled")  # the resident changed their mind; nothing was erased
        CLOSED = "closed", _("closed")  # personal data erased, log-in disabled; kept records listed in `kept`

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="closures")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    due_at = models.DateTimeField(_("closes on"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("closed by"), help_text=_("Empty when the daily run closed it after the grace period."),
    )  # fmt: skip
    kept = models.JSONField(_("records kept"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=models.Q(state__in=["requested", "closed"]),
                name="closure_one_open_per_resident",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="closure_state_due_idx")]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.get_state_display()}"

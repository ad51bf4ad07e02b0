"""The resident's forms: registration, profile, family. The services decide; forms collect and explain."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kunshan_portal.errors import DomainError
from kunshan_portal.models import Language, User
from residents.idcard import validate_uscc
from residents.models import CertificateType, Education, Employer, FamilyMember, Skill, Town
from residents.selectors import employer_by_uscc, employers_named
from residents.services import USCC_MESSAGES

CONSENT_TEXT = _(
    "I agree that the Kunshan Municipal People's Government keeps the details I give here, my identity "
    "number encrypted, and uses them only to verify my registration as a new resident and to provide "
    "the services I apply for through this portal: jobs and training, housing, social insurance, school "
    "places for my children and legal aid. Staff see my full identity number only when their work needs "
    "it, and every such view is logged where I can read it. I can download all my data at any time."
)
NO_CONSENT = _("Registration needs your consent to the stated uses of your data.")
ID_NUMBER_HELP = _(
    "The 18 characters on your Resident Identity Card: 17 digits, then a digit or X. "
    "Your date of birth, gender and home province are read from it."
)


# A credit code: department and kind, the six-digit region code, then ten characters (names never look so).
USCC_SHAPE = re.compile(r"[0-9A-Z]{2}[0-9]{6}[0-9A-Z]{10}")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, str(error))


class EmployerField(forms.CharField):
    """An employer given by its unified social credit code or its exact registered name; empty: none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("label", _("Employer"))
        kwargs.setdefault(
            "help_text",
            _(
                "Optional. Your employer's 18-character unified social credit code (on your labour contract "
                "or payslip), or its registered name. Leave empty if you are not employed now."
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Employer):
            return value.uscc
        if isinstance(value, int):
            employer = Employer.objects.filter(pk=value).first()
            return employer.uscc if employer else ""
        return super().prepare_value(value)

    def has_changed(self, initial, data) -> bool:
        return (self.prepare_value(initial) or "") != (data or "").strip()

    def clean(self, value) -> Employer | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        compact = text.replace(" ", "").replace("-", "").upper()
        if USCC_SHAPE.fullmatch(compact):
            try:
                code = validate_uscc(compact)
            except ValueError as exc:
                raise forms.ValidationError(USCC_MESSAGES[str(exc)]) from exc
            employer = employer_by_uscc(code)
            if employer is None:
                raise forms.ValidationError(
                    _(
                        "No employer with this credit code is registered in Kunshan. Check the code, or "
                        "leave the field empty and add your employer later."
                    )
                )
            return employer
        matches = list(employers_named(text)[:2])
        if not matches:
            raise forms.ValidationError(
                _("No registered employer has this name. Enter its unified social credit code instead.")
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Several registered employers have this name. Enter the unified social credit code.")
            )
        return matches[0]


class ProfileFields(forms.Form):
    """What a resident keeps up to date themselves (the registration asks for it too)."""

    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        help_text=_("11 digits starting with 1. You log in with it."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "numeric"}),
    )
    arrival_date = forms.DateField(
        label=_("When did you arrive in Kunshan?"),
        widget=DateInput(),
        help_text=_("The day you came to live in Kunshan (an approximate date will do)."),
    )
    town = forms.ModelChoiceField(
        label=_("Town or zone where you live"), queryset=Town.objects.all(), empty_label=_("Choose…")
    )
    address = forms.CharField(
        label=_("Current address"),
        max_length=200,
        help_text=_("Street, number, building and room, or the name of your dormitory."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    employer = EmployerField()
    education = forms.ChoiceField(label=_("Education"), choices=[("", _("Choose…")), *Education.choices])
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what you can do: jobs and training are matched to it."),
    )
    certificates = forms.ModelMultipleChoiceField(
        label=_("Certificates you hold"),
        queryset=CertificateType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language for the portal and your notices"),
        choices=Language.choices,
        widget=forms.RadioSelect,
    )

    def clean_arrival_date(self):
        arrival = self.cleaned_data["arrival_date"]
        if arrival > timezone.localdate():
            raise forms.ValidationError(_("The arrival date cannot be in the future."))
        return arrival


class RegistrationForm(ProfileFields):
    """Online registration in two steps: the details (checked and shown back), then password and consent."""

    DETAILS = (
        "phone", "name", "id_number", "arrival_date", "town", "address", "employer", "education",
        "skills", "certificates", "language",
    )  # fmt: skip
    FINAL = ("password1", "password2", "consent")

    name = forms.CharField(
        label=_("Name as on your identity card"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("Resident Identity Card number"),
        max_length=24,
        help_text=ID_NUMBER_HELP,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, error_messages={"required": NO_CONSENT})

    def clean_id_number(self):
        return "".join(self.cleaned_data["id_number"].split())  # typed in groups, as printed on the card

    field_order = [*DETAILS, *FINAL]

    def __init__(self, *args, final: bool = True, **kwargs):
        """``final=False``: the first step, which checks the details only."""
        super().__init__(*args, **kwargs)
        self.final = final
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()
        if not final:
            for name in self.FINAL:
                self.fields[name].required = False

    def detail_fields(self):
        return [self[name] for name in self.DETAILS]

    def clean(self):
        cleaned = super().clean()
        if not self.final:
            return cleaned
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(username=cleaned.get("phone", ""), first_name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def details(self) -> dict:
        """The cleaned details as resident_register takes them."""
        data = self.cleaned_data
        return {
            name: data[name] for name in self.DETAILS if name not in ("skills", "certificates", "language")
        }


class ProfileForm(ProfileFields):
    """The resident's own profile; name and identity number change only at a service point."""

    def __init__(self, *args, resident, **kwargs):
        initial = {
            "phone": resident.phone,
            "arrival_date": resident.arrival_date,
            "town": resident.town_id,
            "address": resident.address,
            "employer": resident.employer,
            "education": resident.education,
            "skills": list(resident.skills.all()),
            "certificates": [c.certificate_type for c in resident.certificates.filter(source="declared")],
            "language": resident.user.language if resident.user_id else Language.ZH_HANS,
        }
        super().__init__(*args, initial=initial, **kwargs)

    def changes(self) -> dict:
        """Only what the resident changed, as resident_update_profile takes it."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class FamilyMemberForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("Relation"), choices=FamilyMember.Relation.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name as on their identity card or household register"), max_length=60)
    id_number = forms.CharField(
        label=_("Their identity number"),
        max_length=24,
        help_text=_(
            "18 characters: 17 digits, then a digit or X. Children have one from their household "
            "registration (hukou). The date of birth is read from it."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_id_number(self):
        return "".join(self.cleaned_data["id_number"].split())


class FamilyMemberNameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)

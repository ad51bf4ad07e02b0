"""Forms of the residents' and employers' pages; the services check the rules, the forms the shapes."""

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from employment.models import Occupation, Shift, TrainingProgramme
from kunshan_portal.errors import DomainError
from residents.models import CertificateType, Sector, Skill, Town

ANY = [("", _("Any"))]


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it names (or above the form), keeping what was typed."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


class JobSearchForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100,
                        help_text=_("Words in the job title, the occupation or the company's name."))  # fmt: skip
    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Town.objects.all(), required=False, empty_label=_("Any town"),
        help_text=_("Jobs in this town, or reachable from it."),
    )  # fmt: skip
    sector = forms.ChoiceField(label=_("Sector"), choices=ANY + list(Sector.choices), required=False)
    wage = forms.DecimalField(
        label=_("Monthly wage at least (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    shifts = forms.MultipleChoiceField(
        label=_("Shifts you can work"), choices=Shift.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Only jobs worked in these shifts."),
    )  # fmt: skip
    dormitory = forms.ChoiceField(
        label=_("Dormitory"), required=False,
        choices=[("", _("Any")), ("yes", _("Dormitory provided")), ("no", _("No dormitory"))],
    )  # fmt: skip

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "keyword": data.get("q") or "",
            "town": data.get("town"),
            "sector": data.get("sector") or "",
            "wage": data.get("wage"),
            "shifts": data.get("shifts") or (),
            "dormitory": {"yes": True, "no": False}.get(data.get("dormitory") or ""),
        }


class ApplyForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the employer (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words about your experience or when you can start."),
    )  # fmt: skip


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads this note."),
    )  # fmt: skip


class InterviewForm(forms.Form):
    interview_at = forms.DateTimeField(
        label=_("Date and time"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    interview_place = forms.CharField(label=_("Place"), max_length=200)
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PreferencesForm(forms.Form):
    open_to_work = forms.BooleanField(
        label=_("I am looking for work: employers may find me among the candidates for their jobs"),
        required=False,
    )
    acceptable_shifts = forms.MultipleChoiceField(
        label=_("Shifts I can work"), choices=Shift.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Leave all unticked if any shift suits you."),
    )  # fmt: skip
    wage_floor = forms.DecimalField(
        label=_("Lowest monthly wage I accept (yuan)"), required=False, min_value=0, max_digits=12,
        decimal_places=2, help_text=_("Leave empty if you have no lowest wage."),
    )  # fmt: skip
    willing_towns = forms.ModelMultipleChoiceField(
        label=_("Other towns where I would work"), queryset=Town.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Besides the town where you live."),
    )  # fmt: skip


class JobForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    occupation = forms.ModelChoiceField(label=_("Occupation"), queryset=Occupation.objects.all())
    sector = forms.ChoiceField(
        label=_("Sector"), choices=Sector.choices,
        help_text=_("Construction jobs always require the construction safety certificate."),
    )  # fmt: skip
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    essential_skills = forms.ModelMultipleChoiceField(
        label=_("Essential skills"), queryset=Skill.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("They weigh 80 of the 100 points of a match."),
    )  # fmt: skip
    optional_skills = forms.ModelMultipleChoiceField(
        label=_("Optional skills"), queryset=Skill.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("They weigh 20 of the 100 points of a match."),
    )  # fmt: skip
    required_certificates = forms.ModelMultipleChoiceField(
        label=_("Required certificates"), queryset=CertificateType.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Residents without them cannot apply, and are not recommended."),
    )  # fmt: skip
    wage_min = forms.DecimalField(label=_("Minimum monthly wage (yuan)"), min_value=0, max_digits=12,
                                  decimal_places=2)  # fmt: skip
    wage_max = forms.DecimalField(label=_("Maximum monthly wage (yuan)"), min_value=0, max_digits=12,
                                  decimal_places=2)  # fmt: skip
    shifts = forms.MultipleChoiceField(
        label=_("Shifts"), choices=Shift.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    town = forms.ModelChoiceField(label=_("Town where the job is"), queryset=Town.objects.all())
    commute_towns = forms.ModelMultipleChoiceField(
        label=_("Also reachable from"), queryset=Town.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Towns from which the job is reachable, e.g. by the company bus."),
    )  # fmt: skip
    openings = forms.IntegerField(label=_("Openings"), min_value=1, max_value=10_000)
    dormitory = forms.BooleanField(label=_("Dormitory provided"), required=False)

    @classmethod
    def initial_for(cls, job) -> dict:
        return {
            "title": job.title, "occupation": job.occupation, "sector": job.sector,
            "description": job.description, "essential_skills": list(job.essential_skills.all()),
            "optional_skills": list(job.optional_skills.all()),
            "required_certificates": list(job.required_certificates.all()), "wage_min": job.wage_min,
            "wage_max": job.wage_max, "shifts": sorted(job.shifts), "town": job.town,
            "commute_towns": list(job.commute_towns.all()), "openings": job.openings, "dormitory": job.dormitory,
        }  # fmt: skip


# --- Recruitment fairs ---


class FairSearchForm(forms.Form):
    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Town.objects.all(), required=False, empty_label=_("Any town")
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The last day cannot be before the first day."))
        return data


class FairInterviewForm(forms.Form):
    """Book one of the employer's free slots at a fair for one of its applicants."""

    application = forms.TypedChoiceField(label=_("Applicant"), coerce=int)
    starts_at = forms.ChoiceField(label=_("Time"))

    def __init__(self, *args, applications=(), slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [("", "—")] + [
            (a.pk, f"{a.resident.name} · {a.job.title}") for a in applications
        ]
        self.slots = {slot.isoformat(): slot for slot in slots}
        self.fields["starts_at"].choices = [("", "—")] + [
            (key, f"{timezone.localtime(slot):%H:%M}") for key, slot in self.slots.items()
        ]

    def clean_starts_at(self):
        return self.slots[self.cleaned_data["starts_at"]]


class FairCheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in number"), max_length=20,
        help_text=_("Scan the resident's QR code, or type the 8-digit number printed under it."),
        widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip


def _month_choices(count: int = 13) -> list[tuple[str, str]]:
    today = timezone.localdate()
    year, month = today.year, today.month
    choices = []
    for _step in range(count):
        choices.append((f"{year}-{month:02d}", f"{year}-{month:02d}"))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return choices


class FairDetailsForm(forms.Form):
    """What a fair is: the details a caseworker gives when scheduling one or a month of them."""

    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    venue = forms.CharField(label=_("Venue"), max_length=200)
    town = forms.ModelChoiceField(label=_("Town"), queryset=Town.objects.all())
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10_000)
    slot_minutes = forms.IntegerField(
        label=_("Interview slot length (minutes)"), min_value=5, max_value=240, initial=15
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FairMonthForm(FairDetailsForm):
    """A weekly repeating schedule for one month."""

    month = forms.ChoiceField(label=_("Month"))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Every"), choices=sorted(WEEKDAYS.items()), coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("One fair on each of these days of every week of the month, from today on."),
    )  # fmt: skip

    field_order = ["month", "weekdays"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = _month_choices()

    def schedule_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        year, month = (int(part) for part in data.pop("month").split("-"))
        return {"year": year, "month": month, **data}


# --- Training programmes and subsidies ---


class TrainingSearchForm(forms.Form):
    skill = forms.ModelChoiceField(
        label=_("Skill taught"), queryset=Skill.objects.all(), required=False, empty_label=_("Any skill")
    )
    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Town.objects.all(), required=False, empty_label=_("Any town")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=ANY + list(TrainingProgramme.Kind.choices)
    )

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {"skill": data.get("skill"), "town": data.get("town"), "kind": data.get("kind") or ""}


class TrainingAttendanceForm(forms.Form):
    """Who was present at one session: a box per enrolled trainee."""

    present = forms.ModelMultipleChoiceField(
        label=_("Present"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = enrolments
        self.fields["present"].label_from_instance = lambda enrolment: enrolment.resident.name


class CompanyContactForm(forms.Form):
    """The company's contact person and phone, which its own accounts keep current."""

    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20,
        help_text=_("A mobile number, or a landline with its area code (0512-57771234)."),
    )  # fmt: skip

"""Forms of the residents' and employers' pages; the services check the rules, the forms the shapes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from employment.models import Occupation, Shift
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

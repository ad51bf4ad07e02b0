"""Forms of the parents' pages: apply for a school place, change the ranked schools, filter lists."""

from django import forms
from django.utils.translation import gettext_lazy as _

from education.models import GRADES, School
from education.selectors import children_of, policy_in_force, school_list, school_years_open
from residents.models import Town


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, school: School) -> str:
        return f"{school} · {school.town} · {school.get_kind_display()} · {school.grades_label}"


class RankedSchoolsMixin:
    """Fields choice_1 … choice_N (N from the placement policy): the first required, the rest optional."""

    def add_choice_fields(self, initial: list[School] | None = None) -> None:
        initial = initial or []
        schools = school_list()
        for rank in range(1, policy_in_force().max_choices + 1):
            self.fields[f"choice_{rank}"] = SchoolChoiceField(
                queryset=schools,
                required=rank == 1,
                label=_("School ranked %(n)d") % {"n": rank},
                empty_label=_("(none)"),
                initial=initial[rank - 1].pk if rank <= len(initial) else None,
                help_text=_("The school you want most.") if rank == 1 else "",
            )

    def ranked_schools(self) -> list[School]:
        return [
            self.cleaned_data[name]
            for name in sorted((n for n in self.fields if n.startswith("choice_")), key=lambda n: int(n[7:]))
            if self.cleaned_data.get(name)
        ]

    def error_field(self, field: str | None) -> str | None:
        """Where a service's refusal goes on the form: the ranked schools' errors go under the first."""
        if field == "choices":
            return "choice_1"
        return field if field in self.fields else None


class ApplicationForm(RankedSchoolsMixin, forms.Form):
    child = forms.ModelChoiceField(queryset=None, label=_("Child"), empty_label=None)
    school_year = forms.ModelChoiceField(queryset=None, label=_("School year"), empty_label=None)
    grade = forms.TypedChoiceField(
        choices=GRADES,
        coerce=int,
        label=_("Grade"),
        help_text=_(
            "Grade 1 takes children who are 6 by 31 August of the school year's first year; "
            "each grade above, one year more."
        ),
    )

    def __init__(self, *args, parent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children_of(parent)
        self.fields["school_year"].queryset = school_years_open()
        self.add_choice_fields()


class ChoicesForm(RankedSchoolsMixin, forms.Form):
    def __init__(self, *args, current: list[School], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_choice_fields(initial=current)


class SchoolFilterForm(forms.Form):
    town = forms.ModelChoiceField(queryset=Town.objects.all(), required=False, label=_("Town or zone"))
    kind = forms.ChoiceField(
        choices=[("", _("all kinds")), *School.Kind.choices], required=False, label=_("Kind")
    )
    grade = forms.TypedChoiceField(
        choices=[("", _("all grades")), *GRADES],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Grade"),
    )


class CutoffFilterForm(forms.Form):
    school_year = forms.TypedChoiceField(choices=(), coerce=int, empty_value=None, required=False,
                                         label=_("School year"))  # fmt: skip
    town = forms.ModelChoiceField(queryset=Town.objects.all(), required=False, label=_("Town or zone"))
    grade = forms.TypedChoiceField(
        choices=[("", _("all grades")), *GRADES],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Grade"),
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = [("", _("all years")), *((y, f"{y}–{y + 1}") for y in years)]

"""Forms of the residents' pages, the walk-in intake and the caseworkers' case actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from legal_aid.models import Case, StationStaff
from legal_aid.selectors import employer_by_uscc, station_list
from legal_aid.services import AID_OUTCOMES, COMPLAINT_OUTCOMES

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
MAX_FILES_AT_FILING = 5

AMOUNT_LABELS = {
    Case.Category.UNPAID_WAGES: _("Wages owed to you (yuan)"),
    Case.Category.WORK_INJURY: _("Compensation you claim (yuan)"),
    Case.Category.SOCIAL_INSURANCE: _("Contributions the employer did not pay (yuan)"),
}
FACTS_HELP = {
    Case.Category.UNPAID_WAGES: _(
        "Which months are unpaid, your monthly wage, when you asked for it and what the employer answered."
    ),
    Case.Category.LABOUR_CONTRACT: _(
        "When you started, whether you signed a contract, what the employer did (dismissal, no contract, "
        "changed terms) and when."
    ),
    Case.Category.WORK_INJURY: _(
        "When and where the accident happened, the injury, the hospital, and whether the employer reported it."
    ),
    Case.Category.SOCIAL_INSURANCE: _("Since when the employer has not paid, and for which insurance."),
    Case.Category.DISCRIMINATION: _("What happened, when, who was involved and why you think it was unfair."),
    Case.Category.OTHER: _("What happened, when, and who was involved."),
}
DOCUMENTS_HELP = _(
    "PDF, JPEG or PNG, at most 10 MB each: contract, pay slips, attendance records, medical papers. "
    "If the page shows an error, choose the files again."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks each one by its content."""

    def __init__(self, *args, max_files: int = MAX_FILES_AT_FILING, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        if len(cleaned) > self.max_files:
            raise forms.ValidationError(
                _("Attach at most %(n)d files here; add more on the case page.") % {"n": self.max_files}
            )
        return [item for item in cleaned if item]


class CaseStartForm(forms.Form):
    """Step 1 of the guided form: what kind of help, about what."""

    kind = forms.ChoiceField(
        label=_("What do you need?"),
        choices=[
            (Case.Kind.AID, _("Legal aid: a lawyer or mediator takes up my case")),
            (Case.Kind.COMPLAINT, _("A complaint: report an employer breaking the labour law")),
        ],
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=Case.Category.choices, widget=forms.RadioSelect
    )


class RespondentMixin:
    def clean(self):
        cleaned = super().clean()
        uscc = (cleaned.get("respondent_uscc") or "").strip().upper()
        cleaned["respondent_employer"] = None
        if uscc:
            employer = employer_by_uscc(uscc)
            if employer is None:
                self.add_error(
                    "respondent_uscc",
                    _("No registered employer has this code. Check it, or leave it empty and give the name."),
                )
            cleaned["respondent_employer"] = employer
        return cleaned


def _respondent_fields(form: forms.Form) -> None:
    form.fields["respondent_uscc"] = forms.CharField(
        label=_("Employer's unified social credit code"),
        required=False,
        max_length=18,
        help_text=_(
            "18 characters, on the business licence or a pay slip. Leave it empty if you do not know it."
        ),
    )
    form.fields["respondent_name"] = forms.CharField(
        label=_("Employer's name (or the person the case is against)"), required=False, max_length=200
    )


class CaseForm(RespondentMixin, forms.Form):
    """Step 2: only what the chosen category needs (an amount only for wage, injury and insurance claims)."""

    def __init__(self, *args, kind: str, category: str, resident=None, default_station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.category = kind, category
        self.fields["station"] = forms.ModelChoiceField(
            label=_("Station"),
            queryset=station_list(),
            initial=default_station,
            help_text=_(
                "The station of the town where you live is chosen for you; pick another if you prefer."
            ),
        )
        _respondent_fields(self)
        if resident is not None and resident.employer_id and not self.is_bound:
            self.fields["respondent_uscc"].initial = resident.employer.uscc
            self.fields["respondent_name"].initial = resident.employer.name
        if category in Case.CLAIMS_WITH_AMOUNT:
            self.fields["amount_claimed"] = forms.DecimalField(
                label=AMOUNT_LABELS[category], min_value=0, max_digits=12, decimal_places=2
            )
        self.fields["facts"] = forms.CharField(
            label=_("What happened"),
            widget=forms.Textarea(attrs={"rows": 8}),
            max_length=5000,
            help_text=FACTS_HELP[category],
        )
        self.fields["documents"] = MultipleFileField(label=_("Documents"), help_text=DOCUMENTS_HELP)
        if kind == Case.Kind.AID and category in Case.NO_MEANS_TEST:
            self.means_test_note = _("Wage and work-injury claims need no proof of your income.")
        else:
            self.means_test_note = ""


class IntakeForm(RespondentMixin, forms.Form):
    """A caseworker takes in the case of a resident who walks into the station."""

    id_number = forms.CharField(
        label=_("Applicant's identity number"),
        max_length=18,
        help_text=_("The resident must be registered; register them first if they are not."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Case.Kind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Case.Category.choices)

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"] = forms.ModelChoiceField(label=_("Station"), queryset=stations)
        _respondent_fields(self)
        self.fields["amount_claimed"] = forms.DecimalField(
            label=_("Amount claimed (yuan)"),
            required=False,
            min_value=0,
            max_digits=12,
            decimal_places=2,
            help_text=_("Only for unpaid wages, work injury and social insurance."),
        )
        self.fields["facts"] = forms.CharField(
            label=_("Account of the facts"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000
        )
        self.fields["documents"] = MultipleFileField(label=_("Documents"), help_text=DOCUMENTS_HELP)


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Document"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
    )
    description = forms.CharField(label=_("What is it?"), required=False, max_length=200)


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Why do you withdraw? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- the caseworkers' and lawyers' actions on a case (admin) ---------------------------------
class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label=_("Internal note (the applicant does not see it)"), required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case


class ExamineForm(NoteForm):
    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case.means_test == Case.MeansTest.PENDING:
            self.fields["means_test"] = forms.TypedChoiceField(
                label=_("Means test"),
                choices=[
                    ("yes", _("passed: the applicant's means are below the threshold")),
                    ("no", _("not passed")),
                ],
                coerce=lambda value: value == "yes",
            )
            self.order_fields(["means_test", "note", "internal"])


class RefuseForm(NoteForm):
    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        del self.fields["internal"]
        self.fields["note"] = forms.CharField(
            label=_("Reason for the refusal (the applicant reads it)"),
            widget=forms.Textarea(attrs={"rows": 3}),
        )


class ForwardForm(RefuseForm):
    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["note"].label = _("To whom the complaint goes, and why (the applicant reads it)")


class AssignForm(NoteForm):
    def __init__(self, *args, case: Case, staff_queryset, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["staff"] = forms.ModelChoiceField(label=_("Lawyer or mediator"), queryset=staff_queryset)
        self.order_fields(["staff", "note", "internal"])


class CloseForm(NoteForm):
    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        labels = dict(Case.Outcome.choices)
        self.fields["outcome"] = forms.ChoiceField(
            label=_("Outcome"), choices=[(value, labels[value]) for value in AID_OUTCOMES]
        )
        self.fields["amount_recovered"] = forms.DecimalField(
            label=_("Amount recovered (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
        )
        self.order_fields(["outcome", "amount_recovered", "note", "internal"])


class ResolveForm(NoteForm):
    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        labels = dict(Case.Outcome.choices)
        self.fields["outcome"] = forms.ChoiceField(
            label=_("Outcome"), choices=[(value, labels[value]) for value in COMPLAINT_OUTCOMES]
        )
        self.order_fields(["outcome", "note", "internal"])


class BulkAssignForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Lawyer or mediator"), queryset=StationStaff.objects.none())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label=_("Internal note (the applicant does not see it)"), required=False)

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset

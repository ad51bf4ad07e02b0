"""Forms of the public calculator, the employer's pages and the caseworkers' admin screens."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from insurance.contributions import format_period, parse_period
from kunshan_portal.errors import DomainError

WAGE_HELP = _("Monthly wage before tax, in yuan.")


class PeriodField(forms.CharField):
    """A month written YYYY-MM (the browser's month picker), cleaned to the date of its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-10.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_period(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return format_period(value) if isinstance(value, date) else value


def money_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=12, decimal_places=2, min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}), **kwargs,
    )  # fmt: skip


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


class CalculatorForm(forms.Form):
    wage = money_field(_("Monthly wage (yuan)"), help_text=WAGE_HELP)
    birth_date = date_field(_("Date of birth"))
    period = PeriodField(label=_("Month"), help_text=_("The month to compute, YYYY-MM."))


class EnrolForm(forms.Form):
    id_number = forms.CharField(
        label=_("Employee's identity number"), max_length=18, min_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("The 18-character resident identity card number."),
    )  # fmt: skip
    start_date = date_field(_("Start date"))
    wage = money_field(_("Monthly wage (yuan)"), help_text=WAGE_HELP)


class WageChangeForm(forms.Form):
    wage = money_field(_("New monthly wage (yuan)"), help_text=WAGE_HELP)
    period = PeriodField(label=_("From the month of"))


class EndForm(forms.Form):
    end_date = date_field(_("Last day insured"))
    note = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PayrollUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Payroll file (CSV or Excel)"),
        help_text=_("Columns id_number, wage and period (YYYY-MM), with a header row; at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class RunStartForm(forms.Form):
    period = PeriodField(label=_("Month to run"))

"""The resident's housing forms: they collect input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from housing.models import MAX_CHOICES, MAX_HOUSEHOLD, Compound, CurrentHousing


class CompoundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Compound) -> str:
        return f"{obj} · {obj.town} · {obj.get_kind_display()}"


class RankedCompoundsForm(forms.Form):
    """Up to five compounds in order of preference; the first is required."""

    choice_fields = [f"choice_{rank}" for rank in range(1, MAX_CHOICES + 1)]

    def __init__(self, *args, compounds=None, exclude_compound_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = compounds if compounds is not None else Compound.objects.filter(accepting=True)
        queryset = queryset.select_related("town").order_by("town_id", "code")
        if exclude_compound_id:
            queryset = queryset.exclude(pk=exclude_compound_id)
        for rank, name in enumerate(self.choice_fields, start=1):
            self.fields[name] = CompoundChoiceField(
                queryset=queryset,
                required=rank == 1,
                label=_("Choice %(rank)d") % {"rank": rank} if rank > 1 else _("First choice"),
                empty_label=_("(none)"),
            )

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(name) for name in self.choice_fields if cleaned.get(name)]
        if len({compound.pk for compound in chosen}) != len(chosen):
            raise forms.ValidationError(_("Choose each compound only once."))
        cleaned["compounds"] = chosen
        return cleaned


class ApplicationForm(RankedCompoundsForm):
    household_size = forms.IntegerField(
        label=_("People in your household"),
        min_value=1,
        max_value=MAX_HOUSEHOLD,
        help_text=_(
            "Everyone who will live in the home, you included. One person gets a bed in a shared room; two or more a family unit."
        ),
    )
    household_income = forms.DecimalField(
        label=_("Household monthly income (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Everyone's income together, before tax."),
    )
    current_housing = forms.ChoiceField(
        label=_("Where do you live now?"), choices=CurrentHousing.choices, widget=forms.RadioSelect
    )

    field_order = ["household_size", "household_income", "current_housing"]

    def __init__(self, *args, cap_percent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cap_percent is not None:
            self.fields["household_income"].help_text = _(
                "Everyone's income together, before tax. A place may cost at most %(percent)s%% of it a month."
            ) % {"percent": cap_percent}
        self.fields["choice_1"].help_text = _("Rank up to five compounds, your favourite first.")
        self.order_fields(self.field_order + self.choice_fields)


class TransferForm(RankedCompoundsForm):
    pass

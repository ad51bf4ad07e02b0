"""The insurance caseworkers' screens: rate tables, enrolments, runs with their progress, lines, payrolls,
arrears and exports. Every change of an enrolment and every run goes through the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Value
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from insurance import selectors, services
from insurance.contributions import AgeBand, check_bands, format_period, parse_period, previous_period
from insurance.forms import EndForm, RunStartForm, WageChangeForm, add_domain_error, date_field, money_field
from insurance.models import (
    AverageWage,
    ContributionLine,
    ContributionRun,
    ContributionRunChunk,
    Enrolment,
    EnrolmentInArrears,
    EnrolmentWage,
    MedicalAgeBand,
    MedicalShareTable,
    PayrollEntry,
    PayrollUpload,
    SchemeRate,
)
from insurance.resources import (
    ArrearsResource,
    ContributionLineResource,
    EnrolmentResource,
    PayrollEntryResource,
)
from kunshan_portal.admin_tools import EstimatedCountPaginator, PlainActionCheckbox, SelectedRowsExport
from kunshan_portal.errors import DomainError
from residents.models import Employer
from residents.selectors import resident_by_id_number


class BigTableAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator  # millions of lines: exact up to 10,000, then the planner's estimate
    show_full_result_count = False
    list_per_page = 50


class ReadOnlyAdmin(BigTableAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PeriodListFilter(admin.SimpleListFilter):
    """The months that have a run, newest first."""

    title = _("month")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        return [
            (format_period(p), format_period(p))
            for p in ContributionRun.objects.values_list("period", flat=True)[:36]
        ]

    def queryset(self, request, queryset):
        if self.value():
            try:
                return queryset.filter(period=parse_period(self.value()))
            except ValueError:
                return queryset.none()
        return queryset


class EmployerFilter(admin.SimpleListFilter):
    """Filter by employer, typed as its unified social credit code (too many employers to list)."""

    title = _("employer (credit code)")
    parameter_name = "employer_uscc"
    template = "insurance/admin/input_filter.html"
    employer_path = "enrolment__employer"

    def lookups(self, request, model_admin):
        return [("", "")]

    def choices(self, changelist):
        others = {key: value for key, value in changelist.params.items() if key != self.parameter_name}
        yield {"selected": False, "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": _("All"), "value": self.value() or "", "parameter_name": self.parameter_name,
               "others": others}  # fmt: skip

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.employer_path}__uscc": self.value().strip().upper()})
        return queryset


# --- Rate tables -------------------------------------------------------------------------------------


class SchemeRateForm(forms.ModelForm):
    class Meta:
        model = SchemeRate
        fields = ["scheme", "valid_from", "employer_rate", "employee_rate"]

    def clean(self):
        data = super().clean()
        if (
            data.get("scheme") == "medical"
            and data.get("valid_from")
            and data.get("employer_rate") is not None
        ):
            # The share tables this rate will meet: the one in force on its date and every later one.
            total = data["employer_rate"] + data["employee_rate"]
            tables = list(
                MedicalShareTable.objects.filter(valid_from__gt=data["valid_from"]).values_list(
                    "pk", flat=True
                )
            )
            in_force = (
                MedicalShareTable.objects.filter(valid_from__lte=data["valid_from"])
                .order_by("-valid_from")
                .first()
            )
            tables += [in_force.pk] if in_force else []
            share = MedicalAgeBand.objects.filter(table__in=tables, personal_share__gt=total).first()
            if share is not None:
                raise ValidationError(
                    _(
                        "The medical personal share %(share)s (ages from %(age)s) would exceed the whole medical rate %(total)s."
                    )
                    % {"share": share.personal_share, "age": share.min_age, "total": total}
                )
        return data


@admin.register(SchemeRate)
class SchemeRateAdmin(admin.ModelAdmin):
    form = SchemeRateForm
    list_display = ("scheme", "valid_from", "employer_rate", "employee_rate", "updated_at")
    list_filter = ("scheme",)
    date_hierarchy = "valid_from"
    fieldsets = ((None, {"fields": ("scheme", "valid_from", "employer_rate", "employee_rate"),
                         "description": _("A rate applies to months starting on or after its date; months already "
                                          "run keep the rates they were computed with.")}),)  # fmt: skip


class BandFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        bands = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if (
                not data
                or data.get("DELETE")
                or data.get("min_age") is None
                or data.get("personal_share") is None
            ):
                continue
            bands.append(AgeBand(data["min_age"], data.get("max_age"), data["personal_share"]))
        try:
            check_bands(tuple(bands))
        except ValueError as exc:
            raise ValidationError(_("The age bands must cover every age from 0 up, without gap or overlap: %(error)s")
                                  % {"error": exc}) from exc  # fmt: skip


class MedicalAgeBandInline(admin.TabularInline):
    model = MedicalAgeBand
    formset = BandFormSet
    extra = 0
    min_num = 1


@admin.register(MedicalShareTable)
class MedicalShareTableAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "updated_at")
    inlines = [MedicalAgeBandInline]


@admin.register(AverageWage)
class AverageWageAdmin(admin.ModelAdmin):
    list_display = ("year", "average_wage", "floor_ratio", "ceiling_ratio", "floor", "ceiling")

    @admin.display(description=_("base floor"))
    def floor(self, obj):
        return obj.limits[0]

    @admin.display(description=_("base ceiling"))
    def ceiling(self, obj):
        return obj.limits[1]


# --- Enrolments -------------------------------------------------------------------------------------


class EnrolmentEmployerFilter(EmployerFilter):
    employer_path = "employer"


class EnrolAdminForm(forms.Form):
    id_number = forms.CharField(label=_("Resident's identity number"), max_length=18, min_length=18)
    employer_uscc = forms.CharField(
        label=_("Employer's unified social credit code"), max_length=18, min_length=18
    )
    start_date = date_field(_("Start date"))
    wage = money_field(_("Monthly wage (yuan)"))

    def clean_id_number(self):
        resident = resident_by_id_number(self.cleaned_data["id_number"])
        if resident is None:
            raise ValidationError(_("No registered resident has this identity number."))
        self.resident = resident
        return self.cleaned_data["id_number"]

    def clean_employer_uscc(self):
        employer = Employer.objects.filter(uscc=self.cleaned_data["employer_uscc"].strip().upper()).first()
        if employer is None:
            raise ValidationError(_("No registered employer has this credit code."))
        self.employer = employer
        return self.cleaned_data["employer_uscc"]


class EnrolmentWageInline(admin.TabularInline):
    model = EnrolmentWage
    fields = ("valid_from", "wage", "set_by", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(SelectedRowsExport, BigTableAdmin):
    resource_classes = [EnrolmentResource]
    list_display = ("id", "resident", "employer", "start_date", "end_date", "state", "current_wage")
    list_filter = ("state", EnrolmentEmployerFilter)
    list_select_related = ("resident", "employer")
    search_fields = ("=resident__card_number", "resident__name", "=employer__uscc")
    readonly_fields = ("resident", "employer", "start_date", "end_date", "state", "created_by", "submitted_at",
                       "decided_at", "decision_note", "created_at", "updated_at")  # fmt: skip
    fields = readonly_fields
    inlines = [EnrolmentWageInline]
    change_form_template = "insurance/admin/enrolment_change_form.html"

    def get_queryset(self, request):
        return selectors.enrolments_with_current_wage(super().get_queryset(request))

    @admin.display(description=_("monthly wage now"))
    def current_wage(self, obj):
        return obj.current_wage

    def has_delete_permission(self, request, obj=None):
        return False  # an enrolment is ended, never deleted: its lines point to it

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: the wage and the end change through their own pages (the services).
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/wage/", wrap(self.wage_view), name="insurance_enrolment_wage"),
            path("<int:pk>/end/", wrap(self.end_view), name="insurance_enrolment_end"),
            *super().get_urls(),
        ]

    def _form_page(self, request, form, title, obj=None):
        context = {**self.admin_site.each_context(request), "form": form, "title": title, "opts": self.model._meta,
                   "original": obj}  # fmt: skip
        return TemplateResponse(request, "insurance/admin/form.html", context)

    def add_view(self, request, form_url="", extra_context=None):
        """Enrol through the service: the resident found by identity number, the employer by credit code."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EnrolAdminForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                enrolment = services.enrolment_create(
                    resident=form.resident, employer=form.employer, start_date=form.cleaned_data["start_date"],
                    wage=form.cleaned_data["wage"], actor=request.user,
                )  # fmt: skip
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                self.message_user(
                    request, _("%(enrolment)s is enrolled.") % {"enrolment": enrolment}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:insurance_enrolment_change", args=[enrolment.pk]))
        return self._form_page(request, form, _("Enrol a resident"))

    def wage_view(self, request, pk):
        enrolment = get_object_or_404(Enrolment, pk=pk)
        if not self.has_change_permission(request, enrolment):
            raise PermissionDenied
        form = WageChangeForm(request.POST or None, initial={"period": selectors.current_period()})
        if request.method == "POST" and form.is_valid():
            try:
                services.enrolment_wage_change(enrolment=enrolment, wage=form.cleaned_data["wage"],
                                               valid_from=form.cleaned_data["period"], actor=request.user)  # fmt: skip
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                self.message_user(request, _("The wage is changed."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:insurance_enrolment_change", args=[pk]))
        return self._form_page(
            request, form, _("Change the wage of %(enrolment)s") % {"enrolment": enrolment}, enrolment
        )

    def end_view(self, request, pk):
        enrolment = get_object_or_404(Enrolment, pk=pk)
        if not self.has_change_permission(request, enrolment):
            raise PermissionDenied
        form = EndForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.enrolment_end(enrolment=enrolment, end_date=form.cleaned_data["end_date"],
                                       note=form.cleaned_data["note"], actor=request.user)  # fmt: skip
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                self.message_user(request, _("The enrolment is ended."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:insurance_enrolment_change", args=[pk]))
        return self._form_page(request, form, _("End %(enrolment)s") % {"enrolment": enrolment}, enrolment)


class ArrearsPeriodFilter(admin.SimpleListFilter):
    """The month in arrears; the last closed month unless another is chosen."""

    title = _("month")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        period, months = selectors.last_closed_period(), []
        for _n in range(24):
            months.append((format_period(period), format_period(period)))
            period = previous_period(period)
        return months

    def value(self):
        return super().value() or format_period(selectors.last_closed_period())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}  # fmt: skip

    def queryset(self, request, queryset):
        try:
            period = parse_period(self.value())
        except ValueError:
            return queryset.none()
        return selectors.in_arrears(queryset, period).annotate(arrears_period=Value(period))


@admin.register(EnrolmentInArrears)
class ArrearsAdmin(SelectedRowsExport, ReadOnlyAdmin):
    """Enrolments owing the chosen month with no payroll row for it."""

    resource_classes = [ArrearsResource]
    list_display = ("month", "resident", "employer", "start_date", "end_date")
    list_filter = (ArrearsPeriodFilter,)
    list_select_related = ("resident", "employer")
    search_fields = ("=employer__uscc", "=resident__card_number")

    @admin.display(description=_("month"))
    def month(self, obj):
        return format_period(obj.arrears_period)


# --- Runs -------------------------------------------------------------------------------------------


class ChunkInline(admin.TabularInline):
    model = ContributionRunChunk
    fields = ("first_id", "last_id", "status", "attempts", "lines_written", "error", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    classes = ("collapse",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ContributionRun)
class ContributionRunAdmin(admin.ModelAdmin):
    list_display = ("period_label", "progress", "chunks_failed", "lines", "passes", "started_by", "created_at",
                    "finished_at")  # fmt: skip
    list_select_related = ("started_by",)
    readonly_fields = ("period", "passes", "started_by", "created_at", "finished_at", "progress", "chunks_failed",
                       "lines", "rates")  # fmt: skip
    fields = readonly_fields
    inlines = [ChunkInline]
    actions = ["run_again"]
    change_list_template = "insurance/admin/run_change_list.html"

    def get_queryset(self, request):
        return selectors.run_list()

    def has_add_permission(self, request):
        return False  # a run is started with the “Run a month” button, through a confirmation page

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("month"), ordering="period")
    def period_label(self, obj):
        return obj.period_label

    @admin.display(description=_("chunks done"))
    def progress(self, obj):
        return f"{obj.chunks_done} / {obj.chunks_total}"

    @admin.display(description=_("chunks failed"))
    def chunks_failed(self, obj):
        return obj.chunks_failed

    @admin.display(description=_("lines written"))
    def lines(self, obj):
        return obj.lines_written or 0

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/", wrap(self.start_view), name="insurance_contributionrun_start"),
            path("ledger/", wrap(self.ledger_view), name="insurance_contributionrun_ledger"),
            *super().get_urls(),
        ]

    def ledger_view(self, request):
        """Pool and personal-account totals per fund and month, corrections included."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        page = Paginator(selectors.ledger_totals(), 60).get_page(request.GET.get("page"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "page": page,
                   "title": _("Ledger: totals per fund and month")}  # fmt: skip
        return TemplateResponse(request, "insurance/admin/ledger.html", context)

    def _start(self, request, periods) -> None:
        for period in periods:
            try:
                run = services.contribution_run_start(period=period, actor=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("The run of %(period)s is queued.") % {"period": run.period_label},
                                  messages.SUCCESS)  # fmt: skip

    def start_view(self, request):
        """Run a month: choose it, see what the run will do, confirm."""
        if not self.has_run_permission(request):
            raise PermissionDenied
        form = RunStartForm(request.POST or None, initial={"period": selectors.last_closed_period()})
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _("Run a month")}  # fmt: skip
        if request.method == "POST" and form.is_valid():
            period = form.cleaned_data["period"]
            if request.POST.get("confirm") == "yes":
                self._start(request, [period])
                return HttpResponseRedirect(reverse("admin:insurance_contributionrun_changelist"))
            try:
                existing = ContributionRun.objects.filter(period=period).first()
                table = existing.rate_table if existing else selectors.rate_table_for_period(period)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                context.update(confirm=True, period=format_period(period), existing=existing, table=table,
                               owing=selectors.enrolments_owing(period))  # fmt: skip
        return TemplateResponse(request, "insurance/admin/run_start.html", context)

    @admin.action(
        description=_("Run the selected months again (complete what is missing)"), permissions=["run"]
    )
    def run_again(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            self._start(request, [run.period for run in queryset])
            return None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "runs": list(queryset),
                   "title": _("Run these months again?"), "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}  # fmt: skip
        return TemplateResponse(request, "insurance/admin/run_again_confirm.html", context)

    def has_run_permission(self, request) -> bool:
        return request.user.has_perm("insurance.add_contributionrun")


# --- Lines and payrolls -----------------------------------------------------------------------------


@admin.register(ContributionLine)
class ContributionLineAdmin(PlainActionCheckbox, SelectedRowsExport, ReadOnlyAdmin):
    resource_classes = [ContributionLineResource]
    list_display = ("period_label", "scheme", "kind", "revision", "resident", "employer", "base", "employer_amount",
                    "employee_amount", "pool", "personal_account", "employer_rate", "employee_rate", "cause")  # fmt: skip
    list_filter = (PeriodListFilter, "scheme", "kind", EmployerFilter)
    list_select_related = ("resident", "enrolment__employer")
    search_fields = ("=resident__card_number",)
    ordering = ("-id",)

    @admin.display(description=_("month"), ordering="period")
    def period_label(self, obj):
        return obj.period_label

    @admin.display(description=_("employer"))
    def employer(self, obj):
        return obj.enrolment.employer


class PayrollEntryInline(admin.TabularInline):
    model = PayrollEntry
    fields = ("enrolment", "period", "wage")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(PayrollUpload)
class PayrollUploadAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "employer", "rows", "changed", "uploaded_by", "created_at")
    list_select_related = ("employer", "uploaded_by")
    search_fields = ("=employer__uscc", "employer__name")


@admin.register(PayrollEntry)
class PayrollEntryAdmin(SelectedRowsExport, ReadOnlyAdmin):
    resource_classes = [PayrollEntryResource]
    list_display = ("period_label", "resident", "employer", "wage", "upload", "updated_at")
    list_filter = (EmployerFilter,)
    list_select_related = ("enrolment__resident", "enrolment__employer", "upload")
    search_fields = ("=enrolment__resident__card_number",)

    @admin.display(description=_("month"), ordering="period")
    def period_label(self, obj):
        return format_period(obj.period)

    @admin.display(description=_("resident"))
    def resident(self, obj):
        return obj.enrolment.resident

    @admin.display(description=_("employer"))
    def employer(self, obj):
        return obj.enrolment.employer

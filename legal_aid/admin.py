"""The legal-aid staff's screens: cases scoped to each person, actions that call the services, exports."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.admin import ExportMixin

from kunshan_portal.admin_tools import PlainActionCheckbox
from kunshan_portal.errors import DomainError
from kunshan_portal.exports import SafeExportResource
from kunshan_portal.lifecycle import available_transitions, lifecycle_timeline
from kunshan_portal.models import User
from legal_aid.forms import (
    AssignForm,
    BulkAssignForm,
    CloseForm,
    ExamineForm,
    ForwardForm,
    NoteForm,
    RefuseForm,
    ResolveForm,
)
from legal_aid.models import (
    CalendarDay,
    Case,
    CaseDocument,
    DeadlineRule,
    Hearing,
    OverdueAlert,
    Station,
    StationStaff,
    TimeLimit,
)
from legal_aid.selectors import assignable_staff, case_list_for_staff, station_scope
from legal_aid.services import (
    case_accept,
    case_assign,
    case_close,
    case_examine,
    case_forward,
    case_proceed,
    case_reassign,
    case_refuse,
    case_resolve,
    document_add,
    hearing_schedule,
    hearing_update,
    time_limit_record,
    time_limit_update,
)


def _note(data) -> dict:
    return {"note": data.get("note", ""), "internal": data.get("internal", False)}


# action name -> (label, form, how to run it); the buttons shown are the transitions the user may fire now
CASE_ACTIONS = {
    "examine": (
        _("Examine"),
        ExamineForm,
        lambda c, u, d: case_examine(case=c, actor=u, means_test_passed=d.get("means_test"), **_note(d)),
    ),
    "accept": (_("Accept"), NoteForm, lambda c, u, d: case_accept(case=c, actor=u, **_note(d))),
    "refuse": (_("Refuse"), RefuseForm, lambda c, u, d: case_refuse(case=c, actor=u, reason=d["note"])),
    "assign": (
        _("Assign"),
        AssignForm,
        lambda c, u, d: case_assign(case=c, actor=u, staff=d["staff"], **_note(d)),
    ),
    "reassign": (
        _("Reassign"),
        AssignForm,
        lambda c, u, d: case_reassign(case=c, actor=u, staff=d["staff"], **_note(d)),
    ),
    "mediate": (
        _("Start mediation"),
        NoteForm,
        lambda c, u, d: case_proceed(case=c, actor=u, stage=Case.State.MEDIATION, **_note(d)),
    ),
    "arbitrate": (
        _("Go to arbitration"),
        NoteForm,
        lambda c, u, d: case_proceed(case=c, actor=u, stage=Case.State.ARBITRATION, **_note(d)),
    ),
    "litigate": (
        _("Go to court"),
        NoteForm,
        lambda c, u, d: case_proceed(case=c, actor=u, stage=Case.State.LITIGATION, **_note(d)),
    ),
    "close": (
        _("Close with the outcome"),
        CloseForm,
        lambda c, u, d: case_close(
            case=c, actor=u, outcome=d["outcome"], amount_recovered=d.get("amount_recovered"), **_note(d)
        ),
    ),
    "forward": (
        _("Forward the complaint"),
        ForwardForm,
        lambda c, u, d: case_forward(case=c, actor=u, note=d["note"]),
    ),
    "resolve": (
        _("Close the complaint"),
        ResolveForm,
        lambda c, u, d: case_resolve(case=c, actor=u, outcome=d["outcome"], **_note(d)),
    ),
}


class StaffUserChoiceMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StationStaffInline(StaffUserChoiceMixin, admin.TabularInline):
    model = StationStaff
    extra = 0
    fields = ("user", "role", "is_head")


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__", "kind", "town", "parent", "is_active")
    list_filter = ("kind", "town", "is_active")
    list_select_related = ("town", "parent")
    search_fields = ("code", "name_zh", "name_en")
    inlines = [StationStaffInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Station.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(StationStaff)
class StationStaffAdmin(StaffUserChoiceMixin, admin.ModelAdmin):
    list_display = ("user", "role", "station", "is_head")
    list_filter = ("role", "is_head", "station")
    list_select_related = ("user", "station")
    search_fields = ("user__username", "user__first_name", "user__last_name", "station__name_zh")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("step", "working_days", "effective_from")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "note")
    list_filter = ("kind",)
    date_hierarchy = "day"


@admin.register(OverdueAlert)
class OverdueAlertAdmin(admin.ModelAdmin):
    list_display = ("day", "station", "recipient", "cases")
    list_select_related = ("station", "recipient")
    list_filter = ("day",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue")), ("no", _("on time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(overdue_since__isnull=True)
        return queryset


class CaseResource(SafeExportResource):
    station = fields.Field(attribute="station", column_name="station")
    applicant = fields.Field(attribute="applicant__name", column_name="applicant")
    respondent = fields.Field(attribute="respondent", column_name="respondent")
    assignee = fields.Field(attribute="assignee", column_name="lawyer or mediator")
    decided_in_time = fields.Field(column_name="decided in time")

    class Meta:
        model = Case
        fields = (
            "reference",
            "kind",
            "category",
            "state",
            "station",
            "channel",
            "applicant",
            "respondent",
            "amount_claimed",
            "submitted_at",
            "examination_due",
            "decided_at",
            "decided_in_time",
            "means_test",
            "assignee",
            "outcome",
            "amount_recovered",
            "closed_at",
            "overdue_since",
        )
        export_order = fields

    def dehydrate_assignee(self, case):
        return case.assignee.get_username() if case.assignee_id else ""

    def dehydrate_decided_in_time(self, case):
        if case.decided_at is None:
            return ""
        return "yes" if timezone.localtime(case.decided_at).date() <= case.examination_due else "no"


class ExistingDocumentInline(admin.TabularInline):
    model = CaseDocument
    verbose_name_plural = _("documents")
    extra = 0
    can_delete = False
    fields = ("download", "description", "content_type", "size", "uploaded_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, document):
        return format_html('<a href="{}">{}</a>', document.get_absolute_url(), document.original_name)


class NewDocumentForm(forms.ModelForm):
    class Meta:
        model = CaseDocument
        fields = ("file", "description")
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})}


class NewDocumentInline(admin.TabularInline):
    """Only blank rows: an upload goes through the service, which checks the content and the size."""

    model = CaseDocument
    form = NewDocumentForm
    verbose_name_plural = _("add documents (PDF, JPEG or PNG, at most 10 MB)")
    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


class HearingForm(forms.ModelForm):
    class Meta:
        model = Hearing
        fields = ("kind", "starts_at", "place", "note", "cancelled")


class HearingInline(admin.TabularInline):
    model = Hearing
    form = HearingForm
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and obj is not None and obj.state in Case.PROCEEDINGS


class TimeLimitForm(forms.ModelForm):
    class Meta:
        model = TimeLimit
        fields = ("kind", "due_on", "note", "met_on")


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    form = TimeLimitForm
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and obj is not None and obj.state not in Case.ENDED


@admin.register(Case)
class CaseAdmin(PlainActionCheckbox, ExportMixin, admin.ModelAdmin):
    resource_classes = [CaseResource]
    change_list_template = "admin/legal_aid/case/change_list.html"
    list_display = (
        "reference",
        "kind",
        "category",
        "applicant_name",
        "station",
        "state_label",
        "examination_due",
        "overdue",
        "assignee",
        "submitted_at",
    )
    list_filter = (
        OverdueFilter,
        "state",
        "kind",
        "category",
        ("station", admin.RelatedOnlyFieldListFilter),
        "means_test",
        "channel",
    )
    list_select_related = ("applicant", "station", "assignee")
    search_fields = ("reference", "applicant__name", "respondent_name", "respondent_employer__name")
    search_help_text = _("Reference, applicant's name or respondent")
    show_full_result_count = False
    list_per_page = 50
    actions = ["examine_selected", "accept_selected", "assign_selected"]
    inlines = [ExistingDocumentInline, NewDocumentInline, HearingInline, TimeLimitInline]
    fieldsets = (
        (None, {"fields": ("reference", "kind", "category", "state", "station", "channel", "filed_by")}),
        (_("Applicant and respondent"), {"fields": ("applicant", "respondent_employer", "respondent_name")}),
        (_("Claim"), {"fields": ("amount_claimed", "facts")}),
        (
            _("Examination"),
            {
                "fields": (
                    "submitted_at",
                    "examination_due",
                    "overdue_since",
                    "means_test",
                    "decided_at",
                    "decision_note",
                )
            },
        ),
        (
            _("Proceedings and outcome"),
            {"fields": ("assignee", "assignee_role", "outcome", "amount_recovered", "closed_at")},
        ),
        (_("Timeline"), {"fields": ("timeline",)}),
    )

    # --- scope: each person sees their stations' cases and the cases assigned to them ---
    def get_queryset(self, request):
        return case_list_for_staff(user=request.user)

    def get_ordering(self, request):
        # overdue cases first, oldest flag first; then the nearest examination deadline
        return [F("overdue_since").asc(nulls_last=True), "examination_due", "-id"]

    def get_readonly_fields(self, request, obj=None):
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def save_model(self, request, obj, form, change):
        pass  # every field of a case is read-only here; actions and inlines change it through the services

    def has_add_permission(self, request):
        return False  # walk-ins are taken in on the intake page, through the service

    def has_delete_permission(self, request, obj=None):
        return False  # a case is never deleted: its history is the record

    def has_examine_permission(self, request):
        return request.user.has_perm("legal_aid.examine_case")

    def has_assign_permission(self, request):
        return request.user.has_perm("legal_aid.assign_case")

    def has_export_permission(self, request):
        return request.user.has_perm("legal_aid.view_case")

    @admin.display(description=_("applicant"), ordering="applicant__name")
    def applicant_name(self, case):
        return case.applicant.name

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, case):
        return case.get_state_display()

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue_since")
    def overdue(self, case):
        return case.overdue_since is not None

    @admin.display(description=_("steps (internal notes marked)"))
    def timeline(self, case):
        steps = lifecycle_timeline(obj=case, include_internal=True)
        labels = dict(Case.State.choices)
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} · {} · {}{}{}</li>",
                (
                    (
                        timezone.localtime(step.at).strftime("%Y-%m-%d %H:%M"),
                        labels.get(step.to_state, step.to_state),
                        step.actor.get_username() if step.actor else "–",
                        format_html(" — {}", step.note) if step.note else "",
                        format_html(" <strong>({})</strong>", _("internal")) if step.internal else "",
                    )
                    for step in steps
                ),
            ),
        )

    # --- the case page: buttons for the actions this person may take now ---
    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_queryset(request).filter(pk=object_id).first()
        extra_context = extra_context or {}
        if case is not None:
            allowed = available_transitions(case, request.user)
            extra_context["case_actions"] = [
                (name, CASE_ACTIONS[name][0]) for name in CASE_ACTIONS if name in allowed
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        action = path(
            "<int:object_id>/act/<str:action>/",
            self.admin_site.admin_view(self.action_view),
            name="legal_aid_case_act",
        )
        return [action, *super().get_urls()]

    def action_view(self, request, object_id, action):
        case = self.get_queryset(request).filter(pk=object_id).first()
        if case is None or action not in CASE_ACTIONS:
            raise Http404
        if action not in available_transitions(case, request.user):
            raise PermissionDenied
        label, form_class, run = CASE_ACTIONS[action]
        kwargs = {"case": case}
        if form_class is AssignForm:
            kwargs["staff_queryset"] = assignable_staff(case=case)
        form = form_class(request.POST if request.method == "POST" else None, **kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                run(case, request.user, form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                self.message_user(request, _("%(action)s: done.") % {"action": label}, messages.SUCCESS)
                return redirect(reverse("admin:legal_aid_case_change", args=[case.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": case,
            "title": f"{label}: {case.reference}",
            "form": form,
            "action_label": label,
        }
        return TemplateResponse(request, "admin/legal_aid/case/action.html", context)

    # --- inlines go through the services ---
    def save_formset(self, request, form, formset, change):
        case = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.is_valid():
                continue
            data = inline_form.cleaned_data
            try:
                if formset.model is CaseDocument:
                    saved = document_add(
                        case=case,
                        upload=data["file"],
                        actor=request.user,
                        description=data.get("description", ""),
                    )
                elif formset.model is Hearing and inline_form.instance.pk is None:
                    saved = hearing_schedule(
                        case=case,
                        kind=data["kind"],
                        starts_at=data["starts_at"],
                        place=data["place"],
                        note=data.get("note", ""),
                        actor=request.user,
                    )
                elif formset.model is Hearing:
                    saved = hearing_update(
                        hearing=inline_form.instance,
                        actor=request.user,
                        starts_at=data["starts_at"],
                        place=data["place"],
                        note=data.get("note", ""),
                        cancelled=data.get("cancelled", False),
                    )
                elif formset.model is TimeLimit and inline_form.instance.pk is None:
                    saved = time_limit_record(
                        case=case,
                        kind=data["kind"],
                        due_on=data["due_on"],
                        note=data.get("note", ""),
                        actor=request.user,
                    )
                elif formset.model is TimeLimit:
                    saved = time_limit_update(
                        time_limit=inline_form.instance,
                        actor=request.user,
                        due_on=data["due_on"],
                        note=data.get("note", ""),
                        met_on=data.get("met_on"),
                    )
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                if inline_form.instance.pk is None or formset.model is CaseDocument:
                    formset.new_objects.append(saved)
                else:
                    formset.changed_objects.append((saved, inline_form.changed_data))

    # --- bulk actions on the list ---
    def _each(self, request, queryset, run) -> None:
        done = 0
        for case in queryset:
            try:
                run(case)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{case.reference}: {exc}", messages.WARNING)
        self.message_user(request, _("%(n)d case(s) done.") % {"n": done}, messages.SUCCESS)

    @admin.action(
        description=_("Examine the selected cases (no means test pending)"), permissions=["examine"]
    )
    def examine_selected(self, request, queryset):
        self._each(request, queryset, lambda case: case_examine(case=case, actor=request.user))

    @admin.action(description=_("Accept the selected examined cases"), permissions=["examine"])
    def accept_selected(self, request, queryset):
        self._each(request, queryset, lambda case: case_accept(case=case, actor=request.user))

    @admin.action(description=_("Assign the selected cases to a lawyer or mediator…"), permissions=["assign"])
    def assign_selected(self, request, queryset):
        scope = station_scope(request.user)
        staff = StationStaff.objects.filter(
            role__in=[StationStaff.Role.LAWYER, StationStaff.Role.MEDIATOR], user__is_active=True
        ).select_related("user", "station")
        if scope is not None:
            staff = staff.filter(Q(station_id__in=scope) | Q(station__sub_stations__in=scope)).distinct()
        form = BulkAssignForm(request.POST if "apply" in request.POST else None, staff_queryset=staff)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            self._each(
                request,
                queryset,
                lambda case: case_assign(
                    case=case,
                    staff=data["staff"],
                    actor=request.user,
                    note=data["note"],
                    internal=data["internal"],
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Assign cases"),
            "form": form,
            "cases": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/legal_aid/case/bulk_assign.html", context)

"""The caseworkers' screens for the registry: residents, employers, reference tables and the access log.

Every write goes through ``residents.services``: a form asks the service in a savepoint that is rolled
back (so its refusal becomes a form error) and the save calls it for real; verification and rejection
are actions and buttons that call ``resident_verify`` / ``resident_reject``.
"""

import re
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from pghistory.models import Events

from kunshan_portal.admin_tools import (
    EstimatedCountPaginator,
    PlainActionCheckbox,
    ShownColumnsOnly,
    service_refusal,
)
from kunshan_portal.crypto import lookup_hash
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_timeline
from kunshan_portal.models import User
from residents import services
from residents.idcard import PROVINCES, IdNumberError, parse_id_number, validate_uscc
from residents.models import (
    AccountClosure,
    CertificateType,
    Employer,
    FamilyMember,
    PersonalDataAccess,
    Resident,
    ResidentCertificate,
    Skill,
    Town,
)
from residents.resources import FORMATS, EmployerResource, ResidentResource

BULK_LIMIT = 500  # residents per bulk action: each is its own locked transaction with a notice
HISTORY_LIMIT = 100  # events shown on a change page; the rest are in the history admin
HIDDEN_IN_HISTORY = {"id_number_hash", "updated_at", "created_at", "submitted_at"}
ID_NUMBER_SHAPE = re.compile(r"^\d{17}[\dX]$")
CARD_NUMBER_SHAPE = re.compile(r"^K[A-Z]\d{8}$")


# --- Shared pieces -----------------------------------------------------------------------------------


class ServiceForm(forms.ModelForm):
    """A model form whose save is a service call; clean() asks the service first (and writes nothing)."""

    actor: User | None = None

    def validate_unique(self):
        """The service and the database constraints decide uniqueness, with their own messages."""

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            refusal = service_refusal(self.run_service)
            if refusal is not None:
                self.add_error(refusal.field if refusal.field in self.fields else None, str(refusal))
        return cleaned

    def run_service(self):
        raise NotImplementedError


class ServiceSavedAdmin(admin.ModelAdmin):
    """The object is written by its form's service; Django's own save steps then have nothing left to do."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a fresh class per request, so this never leaks between users
        return form

    def save_form(self, request, form, change):
        return form.run_service()

    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # the inlines are read-only: nothing of theirs is saved
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def has_delete_permission(self, request, obj=None):
        return False  # the registry keeps its records; there is no service to erase one


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def change_history(objs, models_by_label) -> str:
    """The pghistory events of the objects, newest first, each with who made it and what changed."""
    objs = [obj for obj in objs if obj.pk]
    if not objs:
        return "-"
    by_model: dict[type, list] = {}
    for obj in objs:
        by_model.setdefault(type(obj), []).append(obj)
    events = sorted(
        (
            event
            for same_model in by_model.values()  # pghistory queries one model's objects at a time
            for event in Events.objects.tracks(*same_model).order_by("-pgh_created_at")[:HISTORY_LIMIT]
        ),
        key=lambda event: event.pgh_created_at,
        reverse=True,
    )[:HISTORY_LIMIT]
    if not events:
        return _("No recorded changes.")
    user_ids = set()
    for event in events:
        context = event.pgh_context or {}
        user_ids.update(v for v in (context.get("actor"), context.get("user")) if isinstance(v, int))
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    rows = []
    for event in events:
        context = event.pgh_context or {}
        who = context.get("actor") or context.get("user")
        model = models_by_label.get(event.pgh_model.replace("Event", ""))
        what = str(model._meta.verbose_name) if model else event.pgh_model
        if event.pgh_diff:
            changes = "; ".join(
                f"{_field_label(model, name)}: {old} → {new}"
                for name, (old, new) in sorted(event.pgh_diff.items())
                if name not in HIDDEN_IN_HISTORY
            )
        else:
            changes = str(_("created")) if event.pgh_label == "insert" else ""
        if context.get("transition"):
            changes = f"[{context['transition']}] {changes}"
        if context.get("source") == "import":
            changes = f"[{_('import')}] {changes}"
        rows.append((_local(event.pgh_created_at), names.get(who, "-"), what, changes or "-"))
    return format_html(
        '<table class="history"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        _("when"), _("by"), _("record"), _("changes"),
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
    )  # fmt: skip


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return str(field.verbose_name)
    return name


# --- Residents ---------------------------------------------------------------------------------------


class ArrivalYearFilter(admin.SimpleListFilter):
    title = _("arrival year")
    parameter_name = "arrival_year"

    def lookups(self, request, model_admin):
        first = Resident.objects.aggregate(first=Min("arrival_date"))["first"]  # the index answers
        this_year = timezone.localdate().year
        start = max(first.year if first else this_year, this_year - 60)
        return [(str(year), str(year)) for year in range(this_year, start - 1, -1)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            year = int(value)
            return queryset.filter(arrival_date__gte=date(year, 1, 1), arrival_date__lt=date(year + 1, 1, 1))
        return queryset


class HomeProvinceFilter(admin.SimpleListFilter):
    title = _("home province")
    parameter_name = "home_province"

    def lookups(self, request, model_admin):
        english = translation.get_language() == "en"
        return [(code, en if english else zh) for code, (zh, en) in PROVINCES.items()]

    def queryset(self, request, queryset):
        if self.value() in PROVINCES:
            return queryset.filter(home_province_code=self.value())
        return queryset


class ResidentChangeForm(ServiceForm):
    """A caseworker corrects a resident's profile; name and identity number are fixed here."""

    class Meta:
        model = Resident
        fields = ("phone", "arrival_date", "town", "address", "employer", "education", "skills")

    def run_service(self):
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in (*services.PROFILE_FIELDS, "skills")
        }
        if "skills" in changes:
            changes["skills"] = list(changes["skills"])
        return services.resident_update_profile(resident=self.instance, actor=self.actor, **changes)


class ResidentAddForm(ServiceForm):
    """A caseworker registers a resident who came to a service point with their identity card."""

    id_number = forms.CharField(label=_("identity number"), max_length=22)

    class Meta:
        model = Resident
        fields = ("name", "phone", "arrival_date", "town", "address", "employer", "education", "skills")

    def run_service(self):
        data = self.cleaned_data
        return services.resident_create(
            actor=self.actor, id_number=data["id_number"], name=data["name"], phone=data["phone"],
            arrival_date=data["arrival_date"], town=data["town"], address=data["address"],
            employer=data.get("employer"), education=data["education"], skills=list(data.get("skills") or []),
        )  # fmt: skip


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the resident will read it)"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        error_messages={"required": _("Give the reason for the rejection: the resident will read it.")},
    )


class FamilyMemberInline(admin.TabularInline):
    model = FamilyMember
    fields = readonly_fields = ("relation", "name", "id_number_masked", "birth_date", "gender")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CertificateInline(admin.TabularInline):
    model = ResidentCertificate
    fields = readonly_fields = ("certificate_type", "obtained_on", "source")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Resident)
class ResidentAdmin(ShownColumnsOnly, PlainActionCheckbox, ImportExportMixin, ServiceSavedAdmin):
    list_display = ("name", "id_number_masked", "phone", "town", "state", "card_number", "arrival_date")
    list_filter = ("state", "town", ArrivalYearFilter, HomeProvinceFilter)
    list_select_related = ("town",)
    list_only = (
        "id", "name", "id_number_masked", "phone", "town", "town__name_zh", "town__name_en", "state", "card_number",
        "arrival_date",
    )  # fmt: skip
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    search_fields = ("name",)  # the search itself is get_search_results below
    search_help_text = _(
        "The beginning of a name, a mobile number, a resident card number, or a full 18-character "
        "identity number (exact match only)."
    )
    autocomplete_fields = ("employer", "skills")
    inlines = (FamilyMemberInline, CertificateInline)
    view_on_site = False  # the resident's own page is theirs, not the caseworker's
    actions = ("verify_selected", "reject_selected")

    resource_classes = (ResidentResource,)
    import_formats = export_formats = FORMATS
    skip_import_confirm = True  # the service validates the whole file first: no second upload step
    skip_admin_log = True  # one admin log line per imported row would say nothing pghistory does not
    import_template_name = "admin/residents/import.html"
    to_encoding = "utf-8-sig"  # Excel recognises UTF-8 CSV by its byte order mark

    # --- list and search

    def get_search_results(self, request, queryset, search_term):
        """Names by prefix, phones and card numbers exactly, identity numbers only whole (by keyed hash)."""
        compact = "".join(search_term.split()).upper()
        if not compact:
            return queryset, False
        if ID_NUMBER_SHAPE.match(compact):
            try:
                number = parse_id_number(compact).number
            except IdNumberError:
                return queryset.none(), False
            return queryset.filter(id_number_hash=lookup_hash(number)), False
        if compact.isdigit():
            return queryset.filter(phone=compact), False
        if CARD_NUMBER_SHAPE.match(compact):
            return queryset.filter(card_number=compact), False
        return queryset.filter(name__istartswith=search_term.strip()), False

    # --- the change page

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ResidentChangeForm if obj is not None else ResidentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def _identity_field(self, request) -> str:
        return (
            "id_number_full" if request.user.has_perm("residents.view_full_id_number") else "id_number_masked"
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fields = ("name", "id_number", "phone", "arrival_date", "town", "address", "employer", "education",
                      "skills")  # fmt: skip
            return ((None, {"fields": fields}),)
        return (
            (_("Identity"), {"fields": ("name", self._identity_field(request), "birth_date", "gender",
                                        "home_province_name")}),
            (_("Registration"), {"fields": ("state", "card_number", "submitted_at", "decided_at",
                                            "decision_note", "user", "consent_at")}),
            (_("Profile"), {"fields": ("phone", "arrival_date", "town", "address", "employer", "education",
                                       "skills")}),
            (_("History"), {"fields": ("state_changes", "record_history")}),
        )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "name", self._identity_field(request), "birth_date", "gender", "home_province_name", "state",
            "card_number", "submitted_at", "decided_at", "decision_note", "user", "consent_at",
            "state_changes", "record_history",
        )  # fmt: skip

    @admin.display(description=_("identity number"))
    def id_number_full(self, obj):
        return obj.id_number

    @admin.display(description=_("home province"))
    def home_province_name(self, obj):
        return obj.home_province

    @admin.display(description=_("state changes"))
    def state_changes(self, obj):
        steps = lifecycle_timeline(obj=obj, include_internal=True)
        if not steps:
            return _("None yet.")
        return format_html(
            '<table class="history"><tbody>{}</tbody></table>',
            format_html_join(
                "",
                "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
                ((_local(s.at), s.from_state, s.to_state, s.actor or "-", s.note or "") for s in steps),
            ),
        )

    @admin.display(description=_("record history"))
    def record_history(self, obj):
        return change_history(
            [obj, *obj.family.all()], {"residents.Resident": Resident, "residents.FamilyMember": FamilyMember}
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context["can_decide"] = obj.state == Resident.State.PENDING and self.has_verify_permission(
                request
            )
            extra_context["verify_url"] = reverse("admin:residents_resident_verify", args=[obj.pk])
            extra_context["reject_url"] = reverse("admin:residents_resident_reject", args=[obj.pk])
            if request.user.has_perm("pghistory.view_events"):
                extra_context["events_url"] = (
                    reverse("admin:pghistory_events_changelist") + f"?obj=residents.resident:{obj.pk}"
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """Each time the full identity number is shown, the resident's access log records it."""
        if obj is not None and change and request.user.has_perm("residents.view_full_id_number"):
            services.personal_data_access_record(resident=obj, staff=request.user, purpose="detail")
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- verification and rejection

    def has_verify_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("residents.verify_resident")

    def get_urls(self):
        own = [
            path("<path:object_id>/verify/", self.admin_site.admin_view(self.verify_view),
                 name="residents_resident_verify"),
            path("<path:object_id>/reject/", self.admin_site.admin_view(self.reject_view),
                 name="residents_resident_reject"),
        ]  # fmt: skip
        return own + super().get_urls()

    def _decidable(self, request, object_id) -> Resident:
        resident = self.get_object(request, unquote(object_id))
        if resident is None:
            raise Http404
        if not self.has_verify_permission(request):
            raise PermissionDenied
        return resident

    def _change_url(self, resident) -> str:
        return reverse("admin:residents_resident_change", args=[resident.pk])

    def verify_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        resident = self._decidable(request, object_id)
        try:
            resident = services.resident_verify(resident=resident, actor=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(name)s is verified; resident card number %(card)s. The resident has been told.")
                % {"name": resident.name, "card": resident.card_number},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(resident))

    def reject_view(self, request, object_id):
        resident = self._decidable(request, object_id)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.resident_reject(
                    resident=resident, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error("reason" if exc.field == "reason" else None, str(exc))
            else:
                self.message_user(
                    request,
                    _("The registration of %(name)s is rejected. The resident has been told why.")
                    % {"name": resident.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(resident))
        return self._reject_page(request, [resident], form, bulk=False)

    def _reject_page(self, request, residents, form, *, bulk: bool):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject registrations"),
            "opts": self.opts,
            "residents": residents,
            "form": form,
            "bulk": bulk,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": reverse("admin:residents_resident_changelist")
            if bulk
            else self._change_url(residents[0]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/residents/resident/reject_confirmation.html", context)

    def _bulk_selection(self, request, queryset) -> list[Resident] | None:
        residents = list(queryset.select_related(None).order_by("pk")[: BULK_LIMIT + 1])
        if len(residents) > BULK_LIMIT:
            self.message_user(
                request,
                _("Select at most %(n)d residents at a time.") % {"n": BULK_LIMIT},
                messages.ERROR,
            )
            return None
        return residents

    def _report(self, request, done: int, done_message: str, failures: list[str]) -> None:
        if done:
            self.message_user(request, done_message, messages.SUCCESS)
        if failures:
            self.message_user(
                request,
                ngettext(
                    "%(n)d resident was left unchanged: %(list)s",
                    "%(n)d residents were left unchanged: %(list)s",
                    len(failures),
                )
                % {"n": len(failures), "list": "; ".join(failures)},
                messages.WARNING,
            )

    @admin.action(
        description=_("Verify the selected residents (issues card numbers)"), permissions=["verify"]
    )
    def verify_selected(self, request, queryset):
        residents = self._bulk_selection(request, queryset)
        if residents is None:
            return None
        done, failures = 0, []
        for resident in residents:
            try:
                services.resident_verify(resident=resident, actor=request.user)
                done += 1
            except DomainError as exc:
                failures.append(f"{resident.name}: {exc}")
        message = ngettext(
            "%(n)d resident verified and told.", "%(n)d residents verified and told.", done
        ) % {"n": done}
        self._report(request, done, message, failures)
        return None

    @admin.action(
        description=_("Reject the selected registrations (asks for the reason)"), permissions=["verify"]
    )
    def reject_selected(self, request, queryset):
        residents = self._bulk_selection(request, queryset)
        if residents is None:
            return None
        form = RejectForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if not form.is_bound or not form.is_valid():
            return self._reject_page(request, residents, form, bulk=True)
        done, failures = 0, []
        for resident in residents:
            try:
                services.resident_reject(
                    resident=resident, actor=request.user, reason=form.cleaned_data["reason"]
                )
                done += 1
            except DomainError as exc:
                failures.append(f"{resident.name}: {exc}")
        message = ngettext(
            "%(n)d registration rejected; the resident has been told why.",
            "%(n)d registrations rejected; the residents have been told why.",
            done,
        ) % {"n": done}
        self._report(request, done, message, failures)
        return None

    # --- import and export

    def has_import_permission(self, request):
        return request.user.has_perm("residents.add_resident")

    def has_export_permission(self, request):
        return request.user.has_perm("residents.change_resident")

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("town", "employer")

    def add_success_message(self, result, request):
        created = result.totals["new"]
        self.message_user(
            request,
            ngettext("%(n)d resident imported.", "%(n)d residents imported.", created) % {"n": created},
            messages.SUCCESS,
        )


# --- Employers ---------------------------------------------------------------------------------------


class AccountAutocomplete(AutocompleteSelectMultiple):
    """Select2 over the employer admin's own account search (caseworkers need not see the user admin)."""

    def get_url(self):
        return reverse(f"{self.admin_site.name}:residents_employer_account_autocomplete")


class AccountAutocompleteView(AutocompleteJsonView):
    """Active, non-staff accounts by the beginning of their login or name, for whoever manages employers."""

    def has_perm(self, request, obj=None):
        return request.user.has_perm("residents.change_employer") or request.user.has_perm(
            "residents.add_employer"
        )

    def get_queryset(self):
        term = self.term.strip()
        if not term:
            return User.objects.none()
        return (
            User.objects.filter(is_active=True, is_staff=False)
            .filter(Q(username__startswith=term) | Q(first_name__istartswith=term))
            .order_by("username")
        )


class EmployerForm(ServiceForm):
    """Register an employer (the credit code is validated by the service) or keep its details current."""

    class Meta:
        model = Employer
        fields = ("name", "uscc", "sector", "town", "foreign_funded", "contact_name", "contact_phone",
                  "accounts")  # fmt: skip

    def run_service(self):
        data = self.cleaned_data
        if self.instance.pk is None:
            employer = services.employer_register(
                actor=self.actor, name=data["name"], uscc=data["uscc"], sector=data["sector"],
                town=data["town"], foreign_funded=data.get("foreign_funded", False),
                contact_name=data.get("contact_name", ""), contact_phone=data.get("contact_phone", ""),
            )  # fmt: skip
            before = set()
        else:
            changes = {name: data[name] for name in self.changed_data if name in services.EMPLOYER_FIELDS}
            employer = services.employer_update(employer=self.instance, actor=self.actor, **changes)
            before = set(employer.accounts.all())
        if "accounts" in self.fields:
            after = set(data.get("accounts") or ())
            for user in after - before:
                services.employer_account_add(employer=employer, user=user, actor=self.actor)
            for user in before - after:
                services.employer_account_remove(employer=employer, user=user, actor=self.actor)
        return employer


@admin.register(Employer)
class EmployerAdmin(ImportExportMixin, ServiceSavedAdmin):
    form = EmployerForm
    list_display = ("name", "uscc", "sector", "town", "foreign_funded", "contact_name", "contact_phone")
    list_filter = ("sector", "town", "foreign_funded")
    list_select_related = ("town",)
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    search_fields = ("name",)  # the search itself is get_search_results below
    search_help_text = _("Part of the company's name, or its full unified social credit code.")

    resource_classes = (EmployerResource,)
    import_formats = export_formats = FORMATS
    skip_import_confirm = True
    skip_admin_log = True
    import_template_name = "admin/residents/import.html"
    to_encoding = "utf-8-sig"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(uscc=validate_uscc(term)), False
        except ValueError:
            return queryset.filter(name__icontains=term), False

    def get_fieldsets(self, request, obj=None):
        fields = [
            "name",
            "uscc",
            "sector",
            "town",
            "foreign_funded",
            "contact_name",
            "contact_phone",
            "accounts",
        ]
        if obj is None:
            return ((None, {"fields": fields}),)
        return ((None, {"fields": fields}), (_("History"), {"fields": ("record_history",)}))

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("uscc", "record_history")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "accounts":
            kwargs["widget"] = AccountAutocomplete(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("record history"))
    def record_history(self, obj):
        return change_history([obj], {"residents.Employer": Employer})

    def get_urls(self):
        own = [
            path("accounts/autocomplete/", self.admin_site.admin_view(self.account_autocomplete),
                 name="residents_employer_account_autocomplete"),
        ]  # fmt: skip
        return own + super().get_urls()

    def account_autocomplete(self, request):
        return AccountAutocompleteView.as_view(admin_site=self.admin_site)(request)

    def has_import_permission(self, request):
        return request.user.has_perm("residents.add_employer")

    def has_export_permission(self, request):
        return request.user.has_perm("residents.view_employer")

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def add_success_message(self, result, request):
        created = result.totals["new"]
        self.message_user(
            request,
            ngettext("%(n)d employer imported.", "%(n)d employers imported.", created) % {"n": created},
            messages.SUCCESS,
        )


# --- Reference tables and the access log -------------------------------------------------------------


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(CertificateType)
class CertificateTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "level")
    list_filter = ("level",)
    search_fields = ("code", "name_zh", "name_en")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """Who among the staff saw whose personal data: read only, for audits (residents see their own)."""

    list_display = ("at", "staff", "resident", "purpose")
    list_filter = ("purpose",)
    list_select_related = ("staff", "resident")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    search_fields = ("=staff__username", "=resident__card_number")
    search_help_text = _("A staff login or a resident card number (exact).")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccountClosure)
class AccountClosureAdmin(admin.ModelAdmin):
    """Residents' requests to close their accounts: closed by the daily run after the grace period, or at
    once by a residents caseworker (the action); what was kept is listed on each closed request."""

    list_display = ("created_at", "resident", "state", "due_at", "closed_at", "closed_by")
    list_filter = ("state",)
    list_select_related = ("resident", "closed_by")
    readonly_fields = (
        "resident",
        "state",
        "requested_by",
        "due_at",
        "cancelled_at",
        "closed_at",
        "closed_by",
        "kept",
    )
    search_fields = ("=resident__card_number",)
    search_help_text = _("A resident card number (exact).")
    show_full_result_count = False
    actions = ["close_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Close the selected accounts now"), permissions=["change"])
    def close_now(self, request, queryset):
        closed = 0
        for closure in queryset.filter(state=AccountClosure.State.REQUESTED)[:BULK_LIMIT]:
            try:
                services.account_closure_carry_out(closure=closure, actor=request.user)
                closed += 1
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(
            request,
            ngettext("%(n)d account closed.", "%(n)d accounts closed.", closed) % {"n": closed},
            messages.SUCCESS,
        )

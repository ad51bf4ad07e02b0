"""The education caseworkers' screens: schools and seats, applications, rounds, offers, enrolments."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportExportModelAdmin

from education import selectors, services
from education.explain import facts_text
from education.models import (
    Application,
    ApplicationChoice,
    Enrolment,
    Offer,
    PlacementPolicy,
    Round,
    RoundCutoff,
    School,
    SchoolSeats,
    SchoolYear,
)
from education.resources import (
    ApplicationResource,
    EnrolmentResource,
    OfferResource,
    RoundCutoffResource,
    SchoolResource,
    SchoolSeatsResource,
)
from kunshan_portal.errors import DomainError


class ReadOnlyMixin:
    """Records written only by the services: the admin shows them and never edits them by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SchoolSeatsInline(admin.TabularInline):
    model = SchoolSeats
    extra = 0
    fields = ("school_year", "grade", "seats", "taken")
    readonly_fields = ("taken",)
    ordering = ("-school_year", "grade")


@admin.register(School)
class SchoolAdmin(ImportExportModelAdmin):
    resource_classes = [SchoolResource]
    list_display = ("code", "name_zh", "name_en", "kind", "town", "first_grade", "last_grade", "active")
    list_filter = ("kind", "town", "active")
    list_select_related = ("town",)
    search_fields = ("code", "name_zh", "name_en", "address")
    inlines = [SchoolSeatsInline]


@admin.register(SchoolSeats)
class SchoolSeatsAdmin(ImportExportModelAdmin):
    resource_classes = [SchoolSeatsResource]
    list_display = ("school", "school_year", "grade", "seats", "taken", "left")
    list_filter = ("school_year", "grade", "school__kind", "school__town")
    list_select_related = ("school__town", "school_year")
    search_fields = ("school__code", "school__name_zh", "school__name_en")
    readonly_fields = ("taken",)
    autocomplete_fields = ("school",)
    show_full_result_count = False

    @admin.display(description=gettext_lazy("seats left"))
    def left(self, seats):
        return seats.left


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("__str__", "applications_open", "created_at")
    fields = ("year", "applications_open")

    def get_readonly_fields(self, request, obj=None):
        return ("year",) if obj else ()

    def save_model(self, request, obj, form, change):
        try:
            saved = services.school_year_open(
                year=obj.year, actor=request.user, applications_open=obj.applications_open
            )
        except DomainError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk


@admin.register(PlacementPolicy)
class PlacementPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "valid_from",
        "offer_days",
        "max_choices",
        "entry_age",
        "max_years_over",
        "priority_order",
    )


class TownFilter(admin.SimpleListFilter):
    title = gettext_lazy("parent's town")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        from residents.models import Town

        return [(town.pk, str(town)) for town in Town.objects.all()]

    def queryset(self, request, queryset):
        return queryset.filter(parent__town_id=self.value()) if self.value() else queryset


class SchoolFilter(admin.SimpleListFilter):
    title = gettext_lazy("ranked school")
    parameter_name = "school"

    def lookups(self, request, model_admin):
        return [(school.pk, str(school)) for school in School.objects.order_by("town_id", "code")]

    def queryset(self, request, queryset):
        return queryset.filter(choices__school_id=self.value()) if self.value() else queryset


class ApplicationChoiceInline(ReadOnlyMixin, admin.TabularInline):
    model = ApplicationChoice
    fields = ("rank", "school")
    extra = 0


@admin.register(Application)
class ApplicationAdmin(ReadOnlyMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [ApplicationResource]
    list_display = ("id", "child_name", "parent", "school_year", "grade", "state", "lottery", "submitted_at")
    list_filter = ("state", "grade", "school_year", TownFilter, SchoolFilter)
    list_select_related = ("child", "parent", "school_year")
    search_fields = ("child__name", "parent__name", "parent__card_number", "=lottery")
    fields = ("parent", "child", "school_year", "grade", "state", "lottery", "submitted_at", "priority_facts",
              "results")  # fmt: skip
    readonly_fields = fields
    inlines = [ApplicationChoiceInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "choices", queryset=ApplicationChoice.objects.select_related("school").order_by("rank")
                )
            )
        )

    @admin.display(description=gettext_lazy("child"), ordering="child__name")
    def child_name(self, application):
        return application.child.name

    @admin.display(description=gettext_lazy("priority facts"))
    def priority_facts(self, application):
        facts = selectors.application_facts(application)
        rows = format_html_join(
            "",
            "<li>{}. {} — {}, {}</li>",
            (
                (c.rank, c.school, _("catchment") if c.catchment else _("outside the catchment"),
                 _("sibling at the school") if c.sibling else _("no sibling"))
                for c in facts.choices
            ),
        )  # fmt: skip
        frozen = str(facts.frozen_in) if facts.frozen_in else _("not frozen yet")
        return format_html(
            "<p>{}: {} · {}: {} · {}: {}</p><ol>{}</ol>",
            _("months of contributions"), facts.months, _("lottery"), facts.lottery, _("frozen in"), frozen, rows,
        )  # fmt: skip

    @admin.display(description=gettext_lazy("results"))
    def results(self, application):
        from education.explain import reason_text

        items = []
        for result in selectors.application_results(application):
            head = str(result.offer.school) if result.offer else _("no place")
            reasons = format_html_join(
                "", "<li>{}: {}</li>", ((refusal.school, reason_text(refusal)) for refusal in result.refusals)
            )
            items.append(format_html("<li>{}: {}<ul>{}</ul></li>", result.round, head, reasons))
        return (
            format_html("<ul>{}</ul>", format_html_join("", "{}", ((item,) for item in items)))
            if items
            else "–"
        )


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "state",
        "entries_count",
        "offers_count",
        "progress",
        "frozen_at",
        "finished_at",
    )
    list_filter = ("state", "school_year")
    list_select_related = ("school_year",)
    fields = ("school_year", "number", "state", "note", "priority_order", "offer_days", "frozen_at",
              "finished_at", "entries_count", "offers_count", "progress")  # fmt: skip
    change_form_template = "admin/education/round/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        fixed = ["number", "state", "priority_order", "offer_days", "frozen_at", "finished_at", "entries_count",
                 "offers_count", "progress"]  # fmt: skip
        return [*fixed, "school_year"] if obj else fixed

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            Round.objects.filter(pk=obj.pk).update(note=obj.note)
            return
        created = services.round_create(school_year=obj.school_year, actor=request.user, note=obj.note)
        obj.pk, obj.number = created.pk, created.number

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect(reverse("admin:education_round_changelist"))

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, round_):
        if round_ is None or round_.pk is None:
            return "–"
        p = selectors.round_progress(round_)
        return (
            _(
                "%(entries)d applications · %(offers)d offers (%(open)d open, %(accepted)d accepted, %(declined)d "
                "declined, %(lapsed)d lapsed) · %(unplaced)d unplaced · %(told)d families told"
            )
            % p
        )

    def get_urls(self):
        own = [
            path("<int:pk>/freeze/", self.admin_site.admin_view(self.freeze_view), name="education_round_freeze"),
            path("<int:pk>/reopen/", self.admin_site.admin_view(self.reopen_view), name="education_round_reopen"),
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="education_round_preview"),
            path("<int:pk>/run/", self.admin_site.admin_view(self.run_view), name="education_round_run"),
        ]  # fmt: skip
        return own + super().get_urls()

    def _round_for(self, request, pk) -> Round:
        if not request.user.has_perm("education.run_round"):
            raise PermissionDenied
        return get_object_or_404(Round, pk=pk)

    def _change_url(self, round_) -> str:
        return reverse("admin:education_round_change", args=[round_.pk])

    def _act(self, request, pk, service, done: str):
        round_ = self._round_for(request, pk)
        if request.method != "POST":
            return redirect(self._change_url(round_))
        try:
            service(round_=round_, actor=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return redirect(self._change_url(round_))

    def freeze_view(self, request, pk):
        return self._act(
            request, pk, services.round_freeze, _("The applications and their facts are frozen.")
        )

    def reopen_view(self, request, pk):
        return self._act(request, pk, services.round_reopen, _("The round is open again."))

    def _outcome_context(self, request, round_, title):
        outcome = selectors.round_outcome(round_)
        schools = School.objects.select_related("town").in_bulk({key[0] for key in outcome.schools})
        rows = [
            {"school": schools[key[0]], "grade": key[1], "result": result, "last": facts_text(result.last_admitted)}
            for key, result in sorted(outcome.schools.items(), key=lambda item: (schools[item[0][0]].code, item[0][1]))
        ]  # fmt: skip
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "round": round_,
            "outcome": outcome,
            "rows": rows,
        }

    def preview_view(self, request, pk):
        round_ = self._round_for(request, pk)
        if round_.state != Round.State.FROZEN:
            self.message_user(request, _("Only a frozen round can be previewed."), messages.ERROR)
            return redirect(self._change_url(round_))
        context = self._outcome_context(request, round_, _("Preview of %(round)s") % {"round": round_})
        return TemplateResponse(request, "admin/education/round/preview.html", context)

    def run_view(self, request, pk):
        round_ = self._round_for(request, pk)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                services.round_start(round_=round_, actor=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request, _("The round is running: the offers are written and the families told."),
                    messages.SUCCESS,
                )  # fmt: skip
            return redirect(self._change_url(round_))
        if round_.state != Round.State.FROZEN:
            self.message_user(request, _("Only a frozen round can be run."), messages.ERROR)
            return redirect(self._change_url(round_))
        context = self._outcome_context(request, round_, _("Run %(round)s?") % {"round": round_})
        return TemplateResponse(request, "admin/education/round/confirm_run.html", context)


@admin.register(RoundCutoff)
class RoundCutoffAdmin(ReadOnlyMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [RoundCutoffResource]
    list_display = ("round", "school", "grade", "seats", "applicants", "admitted", "last_admitted")
    list_filter = ("round", "grade", "school__kind", "school__town")
    list_select_related = ("round", "school")
    search_fields = ("school__code", "school__name_zh", "school__name_en")

    @admin.display(description=gettext_lazy("last child admitted"))
    def last_admitted(self, cutoff):
        from education.explain import cutoff_text

        return cutoff_text(cutoff)


@admin.register(Offer)
class OfferAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [OfferResource]
    list_display = ("id", "child_name", "school", "grade", "round", "state", "deadline", "decided_at")
    list_filter = ("state", "round", "grade", "school__kind", "school__town")
    list_select_related = ("application__child", "school", "round")
    search_fields = ("application__child__name", "application__parent__name", "school__code")
    readonly_fields = ("application", "round", "school", "grade", "state", "deadline", "decided_at",
                       "decision_note")  # fmt: skip
    fields = readonly_fields
    actions = ["accept_for_parent", "decline_for_parent"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("child"), ordering="application__child__name")
    def child_name(self, offer):
        return offer.application.child.name

    def _answer(self, request, queryset, service, done):
        count = 0
        for offer in queryset.filter(state=Offer.State.OPEN):
            try:
                service(offer=offer, actor=request.user)
                count += 1
            except DomainError as exc:
                self.message_user(request, f"{offer}: {exc}", messages.ERROR)
        self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Accept for the parent (answer given at a service point)"),
                  permissions=["change"])  # fmt: skip
    def accept_for_parent(self, request, queryset):
        self._answer(request, queryset, services.offer_accept, _("%(n)d offers accepted."))

    @admin.action(description=gettext_lazy("Decline for the parent (answer given at a service point)"),
                  permissions=["change"])  # fmt: skip
    def decline_for_parent(self, request, queryset):
        self._answer(request, queryset, services.offer_decline, _("%(n)d offers declined."))


@admin.register(Enrolment)
class EnrolmentAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [EnrolmentResource]
    list_display = ("child_name", "school", "school_year", "grade", "offer")
    list_filter = ("school_year", "grade", "school__kind", "school__town")
    list_select_related = ("child", "school", "school_year")
    search_fields = ("child__name", "school__code")
    raw_id_fields = ("child",)
    autocomplete_fields = ("school",)
    fields = ("child", "school", "school_year", "grade", "offer")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj else ("offer",)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("child"), ordering="child__name")
    def child_name(self, enrolment):
        return enrolment.child.name

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = services.enrolment_record(
            child=obj.child,
            school=obj.school,
            school_year=obj.school_year,
            grade=obj.grade,
            actor=request.user,
        )
        obj.pk = created.pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect(reverse("admin:education_enrolment_add"))

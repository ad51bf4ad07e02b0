"""The housing caseworker's screens: stock with import/export, the waiting list, rounds with a preview and a
confirmation page, offers and tenancies. Every change of state is a service call."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin

from housing import selectors, services
from housing.models import (
    MAX_HOUSEHOLD,
    AllocationRound,
    ApplicationChoice,
    Building,
    Compound,
    HousingApplication,
    HousingSetting,
    Offer,
    Place,
    RentChange,
    Room,
    Tenancy,
    TransferChoice,
    TransferRequest,
)
from housing.resources import (
    ApplicationResource,
    BuildingResource,
    CompoundResource,
    OfferResource,
    RoomResource,
    TenancyResource,
)
from kunshan_portal.admin_tools import (
    EstimatedCountPaginator,
    PlainActionCheckbox,
    ShownColumnsOnly,
    service_refusal,
)
from kunshan_portal.errors import DomainError
from residents.models import Resident, Town

PREVIEW_ROWS = 100


def _actions_form_page(modeladmin, request, *, title, form, objects, action, intro=""):
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": objects,
        "action": action,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/housing/action_form.html", context)


# --- Rules and stock -------------------------------------------------------------------------------


@admin.register(HousingSetting)
class HousingSettingAdmin(admin.ModelAdmin):
    list_display = ("key", "value", "effective_from", "note")
    list_filter = ("key",)
    ordering = ("key", "-effective_from")


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0
    fields = ("name",)
    show_change_link = True


@admin.register(Compound)
class CompoundAdmin(ImportExportModelAdmin):
    resource_classes = [CompoundResource]
    list_display = ("__str__", "code", "kind", "town", "accepting", "places", "let", "free", "waiting")
    list_filter = ("kind", "town", "accepting")
    search_fields = ("code", "name_zh", "name_en", "address")
    autocomplete_fields = ("owner", "partner_employers")
    inlines = [BuildingInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("town")

    def changelist_view(self, request, extra_context=None):
        # Occupancy and the waiting list of every compound in three queries, not three per row.
        occupancy = {row.compound.pk: row for row in selectors.compound_occupancy()}
        self._figures = (occupancy, selectors.waiting_by_compound())
        return super().changelist_view(request, extra_context)

    def _row(self, obj):
        return getattr(self, "_figures", ({}, {}))[0].get(obj.pk)

    @admin.display(description=_("places"))
    def places(self, obj):
        row = self._row(obj)
        return row.places if row else "-"

    @admin.display(description=_("let"))
    def let(self, obj):
        row = self._row(obj)
        return f"{row.occupied} ({row.rate}%)" if row else "-"

    @admin.display(description=_("free"))
    def free(self, obj):
        row = self._row(obj)
        return row.free if row else "-"

    @admin.display(description=_("waiting"))
    def waiting(self, obj):
        return getattr(self, "_figures", ({}, {}))[1].get(obj.pk, 0)


@admin.register(Building)
class BuildingAdmin(ImportExportModelAdmin):
    resource_classes = [BuildingResource]
    list_display = ("name", "compound")
    list_filter = ("compound__kind", "compound__town")
    list_select_related = ("compound",)
    search_fields = ("name", "compound__code", "compound__name_zh", "compound__name_en")
    autocomplete_fields = ("compound",)


class RoomForm(forms.ModelForm):
    rent = forms.DecimalField(
        label=_("monthly rent of each place"), min_value=0, max_digits=12, decimal_places=2
    )

    class Meta:
        model = Room
        fields = ("building", "number", "kind", "capacity", "rent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            first = self.instance.places.order_by("pk").first()
            self.fields["rent"].initial = first.rent if first else None

    def validate_unique(self):
        """room_save and the database decide."""

    def _save_room(self):
        data = self.cleaned_data
        room = self.instance
        room.building, room.number = data["building"], data["number"]
        return services.room_save(
            room=room, rent=data["rent"], kind=data["kind"], capacity=data["capacity"], actor=self.actor
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            new = self.instance.pk is None
            refusal = service_refusal(self._save_room)
            if new:  # the dry run's insert was rolled back: the room is new again
                self.instance.pk, self.instance._state.adding = None, True
            if refusal is not None:
                self.add_error(refusal.field if refusal.field in self.fields else None, str(refusal))
        return cleaned


class PlaceInline(admin.TabularInline):
    model = Place
    extra = 0
    fields = ("label", "sleeps", "rent", "active")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Room)
class RoomAdmin(ImportExportModelAdmin):
    resource_classes = [RoomResource]
    form = RoomForm
    list_display = ("number", "building", "kind", "capacity")
    list_filter = ("kind", "building__compound__kind", "building__compound__town")
    list_select_related = ("building__compound",)
    search_fields = ("number", "building__name", "building__compound__code")
    autocomplete_fields = ("building",)
    inlines = [PlaceInline]
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_form(self, request, form, change):
        return form._save_room()

    def save_model(self, request, obj, form, change):
        pass  # saved by room_save in save_form

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # places are read-only here: room_save keeps them in step
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sleeps", "rent", "active")
    list_filter = ("active", "compound__kind", "sleeps", "compound")
    list_select_related = ("room__building", "compound")
    search_fields = ("compound__code", "room__number", "room__building__name")
    readonly_fields = ("compound", "room", "label", "sleeps", "rent", "active")
    actions = ["take_out_of_use", "put_back_in_use", "let_directly"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _set_active(self, request, queryset, active: bool):
        done = 0
        for place in queryset:
            try:
                services.place_set_active(place=place, active=active, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{place}: {exc}", messages.ERROR)
        self.message_user(request, _("%(n)d places changed.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Take out of use (repairs)"), permissions=["change"])
    def take_out_of_use(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description=_("Put back in use"), permissions=["change"])
    def put_back_in_use(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Let the place directly (not by a round)…"), permissions=["change"])
    def let_directly(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one place to let."), messages.ERROR)
            return None
        place = queryset.get()
        form = MoveInForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.tenancy_move_in(
                    place=place, resident=data["resident"], household_size=data["household_size"],
                    start_date=data["start_date"], rent=data["rent"], actor=request.user,
                )  # fmt: skip
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                self.message_user(request, _("The place is let."), messages.SUCCESS)
                return None
        return _actions_form_page(
            self, request, title=_("Let %(place)s") % {"place": place}, form=form, objects=[place],
            action="let_directly",
        )  # fmt: skip


class MoveInForm(forms.Form):
    resident_card = forms.CharField(label=_("resident card number"), max_length=12)
    household_size = forms.IntegerField(
        label=_("household size"), min_value=1, max_value=MAX_HOUSEHOLD, initial=1
    )
    start_date = forms.DateField(label=_("moved in on"), initial=timezone.localdate)
    rent = forms.DecimalField(
        label=_("monthly rent"), required=False, min_value=0, max_digits=12, decimal_places=2,
        help_text=_("Empty: the place's asking rent."),
    )  # fmt: skip

    def clean_resident_card(self):
        card = self.cleaned_data["resident_card"].strip().upper()
        resident = Resident.objects.filter(card_number=card).first()
        if resident is None:
            raise forms.ValidationError(_("No resident has this card number."))
        self.cleaned_data["resident"] = resident
        return card


# --- Applications ----------------------------------------------------------------------------------


class ChoiceInline(admin.TabularInline):
    model = ApplicationChoice
    extra = 0
    fields = ("rank", "compound", "monthly_cost", "unusable")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChosenCompoundFilter(admin.SimpleListFilter):
    title = _("compound chosen")
    parameter_name = "compound"

    def _chosen(self) -> int | None:
        value = str(self.value() or "")
        return int(value) if value.isdigit() else None

    def lookups(self, request, model_admin):
        """The public compounds (68 in the city; thousands of dormitories would bury them), and the
        compound filtered on if it is a dormitory (reached with ?compound=<id>)."""
        wanted = Q(kind=Compound.Kind.PUBLIC) | Q(pk=self._chosen())
        return [(compound.pk, str(compound)) for compound in Compound.objects.filter(wanted).order_by("code")]

    def queryset(self, request, queryset):
        if self._chosen() is not None:
            return queryset.filter(
                Exists(
                    ApplicationChoice.objects.filter(application=OuterRef("pk"), compound_id=self._chosen())
                )
            )
        return queryset


class TownFilter(admin.SimpleListFilter):
    title = _("town of residence")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        return [(town.pk, str(town)) for town in Town.objects.all()]

    def queryset(self, request, queryset):
        return queryset.filter(resident__town_id=self.value()) if self.value() else queryset


class PointsFilter(admin.SimpleListFilter):
    title = _("points")
    parameter_name = "points"
    BANDS = {"0-19": (0, 19), "20-39": (20, 39), "40-59": (40, 59), "60+": (60, None)}

    def lookups(self, request, model_admin):
        return [(band, band) for band in self.BANDS]

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        low, high = self.BANDS[self.value()]
        queryset = queryset.filter(points__gte=low)
        return queryset.filter(points__lte=high) if high is not None else queryset


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason (the applicant reads it)"), widget=forms.Textarea, max_length=1000
    )


@admin.register(HousingApplication)
class HousingApplicationAdmin(ShownColumnsOnly, PlainActionCheckbox, ExportMixin, admin.ModelAdmin):
    resource_classes = [ApplicationResource]
    list_display = ("id", "resident", "state", "points", "household_size", "current_housing", "submitted_at",
                    "unanswered_offers")  # fmt: skip
    list_filter = ("state", ChosenCompoundFilter, TownFilter, PointsFilter, "current_housing")
    list_select_related = ("resident",)
    list_only = (
        "id", "state", "points", "household_size", "current_housing", "submitted_at", "unanswered_offers",
        "resident", "resident__name", "resident__id_number_masked",
    )  # fmt: skip
    search_fields = ("=id", "resident__name", "=resident__card_number")
    ordering = ("-points", "submitted_at", "id")
    readonly_fields = (
        "resident", "state", "household_size", "household_income", "current_housing", "employer", "points",
        "points_breakdown", "points_computed_on", "unanswered_offers", "submitted_at", "decided_at",
        "decision_note",
    )  # fmt: skip
    fields = readonly_fields
    inlines = [ChoiceInline]
    actions = ["recompute_points", "reactivate", "reject"]
    show_full_result_count = False
    list_per_page = 50  # as the other case lists: a screenful or two, and half the page to draw
    paginator = EstimatedCountPaginator  # 250,000 applications: no count of the whole table per page

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Recompute points with today's rules"), permissions=["change"])
    def recompute_points(self, request, queryset):
        done = 0
        for application in queryset.filter(state=HousingApplication.State.WAITING):
            services.application_points_refresh(application=application, actor=request.user)
            done += 1
        self.message_user(request, _("%(n)d applications rescored.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Put inactive applications back on the list"), permissions=["change"])
    def reactivate(self, request, queryset):
        done = 0
        for application in queryset.filter(state=HousingApplication.State.INACTIVE):
            services.application_reactivate(application=application, actor=request.user)
            done += 1
        self.message_user(
            request, _("%(n)d applications are back on the list.") % {"n": done}, messages.SUCCESS
        )

    @admin.action(description=_("Take off the list (reject)…"), permissions=["change"])
    def reject(self, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for application in queryset:
                try:
                    services.application_reject(
                        application=application, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"#{application.pk}: {exc}", messages.ERROR)
            self.message_user(request, _("%(n)d applications rejected.") % {"n": done}, messages.SUCCESS)
            return None
        return _actions_form_page(
            self,
            request,
            title=_("Reject applications"),
            form=form,
            objects=list(queryset[:100]),
            action="reject",
        )


# --- Rounds ---------------------------------------------------------------------------------------------


class RoundForm(forms.ModelForm):
    class Meta:
        model = AllocationRound
        fields = ("name", "kind")


@admin.register(AllocationRound)
class AllocationRoundAdmin(admin.ModelAdmin):
    form = RoundForm
    list_display = ("name", "kind", "state", "created_at", "run_at", "considered", "placed", "preview_link")
    list_filter = ("kind", "state")
    readonly_fields = (
        "state",
        "created_by",
        "created_at",
        "run_at",
        "run_by",
        "considered",
        "placed",
        "summary",
    )

    def get_readonly_fields(self, request, obj=None):
        return ("name", "kind", *self.readonly_fields) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = services.round_create(name=obj.name, kind=obj.kind, actor=request.user)
        obj.pk, obj.created_by, obj.created_at = created.pk, created.created_by, created.created_at

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:housing_allocationround_preview", args=[obj.pk]))

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        label = _("Preview and run") if obj.state == AllocationRound.State.DRAFT else _("Result")
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:housing_allocationround_preview", args=[obj.pk]), label
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="housing_allocationround_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk: int):
        """The round's confirmation page: who would get what and why not, then the button that runs it."""
        if not request.user.has_perm("housing.run_round"):
            raise PermissionDenied
        round = get_object_or_404(AllocationRound, pk=pk)
        if request.method == "POST" and round.state == AllocationRound.State.DRAFT:
            try:
                round = services.round_start(round=round, actor=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("The round is running: its result shows here when it is done."),
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(reverse("admin:housing_allocationround_preview", args=[round.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Round “%(name)s”") % {"name": round.name},
            "round": round,
            "opts": self.model._meta,
            "original": round,
        }
        if round.state == AllocationRound.State.DRAFT:
            if round.kind == AllocationRound.Kind.TRANSFER:
                context["transfer"] = self._transfer_preview(selectors.transfer_plan())
            else:
                context.update(self._allocation_preview(selectors.allocation_plan()))
        return TemplateResponse(request, "admin/housing/round_preview.html", context)

    def _allocation_preview(self, plan) -> dict:
        compounds = Compound.objects.in_bulk()
        placed_ids, unplaced_ids = [], []
        for applicant in plan.applicants:
            target = placed_ids if applicant.key in plan.outcome.places else unplaced_ids
            if len(target) < PREVIEW_ROWS:
                target.append(applicant.key)
        shown = HousingApplication.objects.select_related("resident").in_bulk([*placed_ids, *unplaced_ids])
        places = Place.objects.select_related("room__building", "compound").in_bulk(
            [plan.outcome.places[pk] for pk in placed_ids]
        )
        order = [applicant.key for applicant in plan.applicants]

        def why_not(pk):
            reasons = []
            for compound_id, filled_at in plan.full_compounds(pk):
                name = compounds.get(compound_id, compound_id)
                if filled_at is None:
                    reasons.append(_("%(compound)s: nothing fitting free this round") % {"compound": name})
                else:
                    reasons.append(
                        _(
                            "%(compound)s: full at your turn (its last place went to #%(n)d in line, application %(app)s)"
                        )
                        % {"compound": name, "n": filled_at + 1, "app": order[filled_at]}
                    )
            return reasons or [_("no choice that can be offered")]

        return {
            "plan": plan,
            "by_compound": sorted(
                ((compounds[pk], row) for pk, row in plan.by_compound().items() if pk in compounds),
                key=lambda item: str(item[0]),
            ),
            "placements": [
                (
                    shown[pk],
                    plan.outcome.positions[pk] + 1,
                    places[plan.outcome.places[pk]],
                    why_not(pk),
                )
                for pk in placed_ids
            ],
            "unplaced": [(shown[pk], plan.outcome.positions[pk] + 1, why_not(pk)) for pk in unplaced_ids],
            "preview_rows": PREVIEW_ROWS,
        }

    def _transfer_preview(self, plan) -> dict:
        tenancies = Tenancy.objects.select_related("resident").in_bulk(
            [move.tenancy_id for move in plan.moves]
        )
        places = Place.objects.select_related("room__building", "compound").in_bulk(
            [p for move in plan.moves for p in (move.from_place, move.to_place)]
        )
        return {
            "considered": plan.considered,
            "moves": [
                (tenancies[move.tenancy_id].resident, places[move.from_place], places[move.to_place])
                for move in plan.moves
            ],
        }


# --- Offers and tenancies ------------------------------------------------------------------------


@admin.register(Offer)
class OfferAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [OfferResource]
    list_display = ("id", "application", "place", "monthly_cost", "deadline", "state", "round")
    list_filter = ("state", "round", "place__compound")
    list_select_related = ("application", "place__room__building", "place__compound", "round")
    search_fields = ("=id", "=application__id", "application__resident__name")
    readonly_fields = ("round", "application", "place", "rent", "utilities", "deadline", "state", "answered_at",
                       "created_at")  # fmt: skip
    fields = readonly_fields
    actions = ["lapse_overdue", "cancel"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Lapse every overdue offer now"), permissions=["change"])
    def lapse_overdue(self, request, queryset):
        n = services.offers_lapse_overdue()
        self.message_user(request, _("%(n)d overdue offers lapsed.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Cancel open offers…"), permissions=["change"])
    def cancel(self, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for offer in queryset.filter(state=Offer.State.OPEN):
                services.offer_cancel(offer=offer, actor=request.user, reason=form.cleaned_data["reason"])
                done += 1
            self.message_user(request, _("%(n)d offers cancelled.") % {"n": done}, messages.SUCCESS)
            return None
        return _actions_form_page(
            self, request, title=_("Cancel offers"), form=form, objects=list(queryset[:100]), action="cancel"
        )


class RentChangeInline(admin.TabularInline):
    model = RentChange
    extra = 0
    fields = ("effective_from", "old_rent", "new_rent", "note", "actor", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CurrentFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("current")), ("no", _("ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(end_date__isnull=True)
        if self.value() == "no":
            return queryset.filter(end_date__isnull=False)
        return queryset


class RentChangeForm(forms.Form):
    rent = forms.DecimalField(label=_("new monthly rent"), min_value=0, max_digits=12, decimal_places=2)
    effective_from = forms.DateField(label=_("effective from"), initial=timezone.localdate)
    note = forms.CharField(label=_("note"), required=False, max_length=200)


class MoveOutForm(forms.Form):
    end_date = forms.DateField(label=_("moved out on"), initial=timezone.localdate)
    note = forms.CharField(label=_("note to the tenant"), required=False, max_length=200)


@admin.register(Tenancy)
class TenancyAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [TenancyResource]
    list_display = ("id", "resident", "place", "start_date", "end_date", "rent", "utilities")
    list_filter = (CurrentFilter, "place__compound__kind", "place__compound")
    list_select_related = ("resident", "place__room__building", "place__compound")
    search_fields = ("=id", "resident__name", "=resident__card_number")
    readonly_fields = ("resident", "place", "application", "offer", "household_size", "start_date", "end_date",
                       "end_reason", "rent", "utilities")  # fmt: skip
    fields = readonly_fields
    inlines = [RentChangeInline]
    actions = ["change_rent", "move_out"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Change the rent…"), permissions=["change"])
    def change_rent(self, request, queryset):
        form = RentChangeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for tenancy in queryset:
                try:
                    services.tenancy_rent_change(tenancy=tenancy, actor=request.user, **form.cleaned_data)
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"#{tenancy.pk}: {exc}", messages.ERROR)
            self.message_user(request, _("%(n)d rents changed.") % {"n": done}, messages.SUCCESS)
            return None
        return _actions_form_page(
            self,
            request,
            title=_("Change the rent"),
            form=form,
            objects=list(queryset[:100]),
            action="change_rent",
        )

    @admin.action(description=_("Record the move-out…"), permissions=["change"])
    def move_out(self, request, queryset):
        form = MoveOutForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for tenancy in queryset:
                try:
                    services.tenancy_end(tenancy=tenancy, actor=request.user, **form.cleaned_data)
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"#{tenancy.pk}: {exc}", messages.ERROR)
            self.message_user(request, _("%(n)d move-outs recorded.") % {"n": done}, messages.SUCCESS)
            return None
        return _actions_form_page(
            self,
            request,
            title=_("Record the move-out"),
            form=form,
            objects=list(queryset[:100]),
            action="move_out",
        )


class TransferChoiceInline(admin.TabularInline):
    model = TransferChoice
    extra = 0
    fields = ("rank", "compound")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TransferRequest)
class TransferRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "tenancy", "state", "created_at", "fulfilled_by")
    list_filter = ("state",)
    list_select_related = ("tenancy", "fulfilled_by")
    readonly_fields = ("tenancy", "state", "fulfilled_by", "new_tenancy", "created_at")
    fields = readonly_fields
    inlines = [TransferChoiceInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

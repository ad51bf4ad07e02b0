"""The resident's and the employer's housing pages: they call services and selectors, nothing more."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from housing import selectors, services
from housing.forms import ApplicationForm, TransferForm
from housing.models import HousingApplication, Offer, TransferRequest
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_timeline
from kunshan_portal.pagecache import anonymous_page
from kunshan_portal.paging import ShortListPaginator
from residents.access import employer_required, resident_required

PAGE_SIZE = 20


def _form_error(form, exc: DomainError) -> None:
    """Put a service's refusal on the form: on its field when the form has it, else on top."""
    if isinstance(exc, services.IneligibleError):
        for reason in exc.reasons:
            form.add_error(None, reason)
        return
    field = exc.field
    if field == "compounds":
        field = "choice_1"
    form.add_error(field if field in form.fields else None, str(exc))


@resident_required
def home(request):
    """The resident's home, their open offer, their applications and their transfer request."""
    resident = request.resident
    applications = ShortListPaginator(selectors.applications_of_resident(resident), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "housing/home.html",
        {
            "tenancy": selectors.current_tenancy_of(resident),
            "offer": selectors.open_offer_of(resident),
            "page": applications,
            "transfer": selectors.open_transfer_request_of(resident),
            "has_open_application": any(application.is_open for application in applications),
        },
    )


@anonymous_page
def compound_list(request):
    """Every compound open for applications, with its rents and what is free now (public page)."""
    page = Paginator(selectors.compound_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_figures(page.object_list)
    rules = selectors.housing_rules()
    return render(request, "housing/compounds.html", {"page": page, "utilities": rules.dormitory_utilities})


@resident_required
def application_create(request):
    rules = selectors.housing_rules()
    cap_percent = f"{rules.affordability_cap_percent.normalize():f}"
    form = ApplicationForm(request.POST or None, cap_percent=cap_percent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.application_submit(
                resident=request.resident, household_size=data["household_size"],
                household_income=data["household_income"], current_housing=data["current_housing"],
                compounds=data["compounds"], actor=request.user,
            )  # fmt: skip
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("You are on the waiting list with %(points)d points.") % {"points": application.points},
            )
            return redirect(application.get_absolute_url())
    return render(request, "housing/apply.html", {"form": form, "resident": request.resident})


@resident_required
def application_detail(request, pk: int):
    application = get_object_or_404(
        HousingApplication.objects.select_related("employer"), pk=pk, resident=request.resident
    )
    labels = dict(HousingApplication.State.choices)
    return render(
        request,
        "housing/application_detail.html",
        {
            "application": application,
            "standing": selectors.application_standing(application),
            "points_lines": selectors.points_lines(application),
            "timeline": [
                (step, labels.get(step.to_state, step.to_state))
                for step in lifecycle_timeline(obj=application, include_internal=False)
            ],
            "offers": application.offers.select_related(*selectors.PLACE_RELATED),
        },
    )


@resident_required
@require_POST
def application_withdraw(request, pk: int):
    application = get_object_or_404(HousingApplication, pk=pk, resident=request.resident)
    try:
        services.application_withdraw(application=application, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect(application.get_absolute_url())


def _own_offer(request, pk: int) -> Offer:
    return get_object_or_404(Offer, pk=pk, application__resident=request.resident)


@resident_required
@require_POST
def offer_accept(request, pk: int):
    offer = _own_offer(request, pk)
    try:
        services.offer_accept(offer=offer, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Welcome home: your tenancy begins today."))
    return redirect("housing:home")


@resident_required
@require_POST
def offer_decline(request, pk: int):
    offer = _own_offer(request, pk)
    try:
        services.offer_decline(offer=offer, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("You declined the offer. You keep your points and your place on the list.")
        )
    return redirect("housing:home")


@resident_required
def transfer_request(request):
    tenancy = selectors.current_tenancy_of(request.resident)
    if tenancy is None:
        messages.error(request, _("Only tenants can ask for a transfer."))
        return redirect("housing:home")
    form = TransferForm(request.POST or None, exclude_compound_id=tenancy.place.compound_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_request_submit(
                tenancy=tenancy, compounds=form.cleaned_data["compounds"], actor=request.user
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your transfer request is recorded for the next transfer round."))
            return redirect("housing:home")
    return render(request, "housing/transfer.html", {"form": form, "tenancy": tenancy})


@resident_required
@require_POST
def transfer_withdraw(request, pk: int):
    transfer = get_object_or_404(TransferRequest, pk=pk, tenancy__resident=request.resident)
    try:
        services.transfer_request_withdraw(request=transfer, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your transfer request is withdrawn."))
    return redirect("housing:home")


@employer_required
def employer_dormitories(request):
    """The employer's own dormitories: places, places let and free, per compound and building."""
    return render(
        request,
        "housing/employer.html",
        {"employer": request.employer, "dormitories": selectors.dormitory_occupancy(request.employer)},
    )

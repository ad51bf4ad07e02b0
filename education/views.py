"""Parents' pages (their applications, offers and results) and the public pages (schools, cut-offs)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from education import selectors, services
from education.explain import cutoff_text, facts_text, reason_text
from education.forms import ApplicationForm, ChoicesForm, CutoffFilterForm, SchoolFilterForm
from education.models import Application, Offer, RoundCutoff
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_timeline
from kunshan_portal.pagecache import anonymous_page
from residents.access import resident_required


def _application_or_404(request, pk: int) -> Application:
    try:
        return selectors.application_for_parent(request.resident, pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def _offer_or_404(request, pk: int) -> Offer:
    try:
        return selectors.offer_for_parent(request.resident, pk)
    except Offer.DoesNotExist as exc:
        raise Http404 from exc


def _refusal_to_form(form, exc: DomainError) -> None:
    form.add_error(form.error_field(exc.field), str(exc))


@resident_required
def application_list(request):
    applications = selectors.application_list_for_parent(request.resident)
    page = Paginator(applications, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "education/application_list.html",
        {"page": page, "has_children": selectors.children_of(request.resident).exists()},
    )


@resident_required
def application_create(request):
    form = ApplicationForm(request.POST or None, parent=request.resident)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_submit(
                parent=request.resident,
                child=form.cleaned_data["child"],
                school_year=form.cleaned_data["school_year"],
                grade=form.cleaned_data["grade"],
                schools=form.ranked_schools(),
                actor=request.user,
            )
        except DomainError as exc:
            _refusal_to_form(form, exc)
        else:
            messages.success(request, _("Your application is received. Its lottery number is drawn."))
            return redirect(application.get_absolute_url())
    return render(request, "education/application_form.html", {"form": form, "editing": None})


@resident_required
def application_detail(request, pk: int):
    application = _application_or_404(request, pk)
    facts = selectors.application_facts(application)
    results = [
        {
            "round": result.round,
            "offer": result.offer,
            "refusals": [
                {
                    "school": refusal.school,
                    "reason": reason_text(refusal),
                    "mine": facts_text(refusal.child),
                    "last": facts_text(refusal.last_admitted),
                }
                for refusal in result.refusals
            ],
        }
        for result in selectors.application_results(application)
    ]
    offers = list(application.offers.select_related("school__town", "round").order_by("-created_at"))
    labels = dict(Application.State.choices)
    return render(
        request,
        "education/application_detail.html",
        {
            "application": application,
            "facts": facts,
            "results": results,
            "offers": offers,
            "timeline": [
                {"at": step.at, "state": labels.get(step.to_state, step.to_state), "note": step.note}
                for step in lifecycle_timeline(obj=application, include_internal=False)
            ],
            "editable": application.state in (Application.State.SUBMITTED, Application.State.WAITING)
            and not (facts.frozen_in and facts.frozen_in.state in selectors.ACTIVE_ROUND_STATES),
        },
    )


@resident_required
def application_edit(request, pk: int):
    application = _application_or_404(request, pk)
    current = [choice.school for choice in application.choices.select_related("school").order_by("rank")]
    form = ChoicesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_choices_update(
                application=application, schools=form.ranked_schools(), actor=request.user
            )
        except DomainError as exc:
            _refusal_to_form(form, exc)
        else:
            messages.success(request, _("The ranked schools are saved."))
            return redirect(application.get_absolute_url())
    return render(request, "education/application_form.html", {"form": form, "editing": application})


@resident_required
@require_POST
def application_withdraw(request, pk: int):
    application = _application_or_404(request, pk)
    try:
        services.application_withdraw(application=application, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect(application.get_absolute_url())


@resident_required
@require_POST
def offer_answer(request, pk: int, answer: str):
    offer = _offer_or_404(request, pk)
    try:
        if answer == "accept":
            services.offer_accept(offer=offer, actor=request.user)
            messages.success(request, _("You accepted the place: your child is enrolled."))
        else:
            services.offer_decline(offer=offer, actor=request.user)
            messages.success(request, _("You declined the place. Your application waits for the next round."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(offer.get_absolute_url())


@anonymous_page
def school_list(request):
    form = SchoolFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    schools = selectors.school_list(
        town=filters.get("town"), kind=filters.get("kind") or "", grade=filters.get("grade")
    )
    page = Paginator(schools, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "education/school_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def cutoff_list(request):
    years = list(
        RoundCutoff.objects.filter(round__state="done")
        .values_list("round__school_year_id", flat=True)
        .distinct()
        .order_by("-round__school_year_id")
    )
    form = CutoffFilterForm(request.GET or None, years=years)
    filters = form.cleaned_data if form.is_valid() else {}
    town = filters.get("town")
    found = selectors.cutoff_list(
        school_year=filters.get("school_year"), town=town.pk if town else None, grade=filters.get("grade")
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    rows = [{"cutoff": cutoff, "text": cutoff_text(cutoff)} for cutoff in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "education/cutoff_list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )

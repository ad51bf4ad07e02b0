"""The residents' pages (file and follow cases), the walk-in intake, document downloads and the figures."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import available_transitions
from legal_aid.forms import CaseForm, CaseStartForm, DocumentForm, IntakeForm, WithdrawForm
from legal_aid.models import Case, CaseDocument, Station
from legal_aid.selectors import (
    case_list_for_resident,
    case_stats,
    case_timeline_for_applicant,
    case_visible_to,
    default_station_for,
    legal_aid_overview,
    stations_for_intake,
)
from legal_aid.services import case_file, case_withdraw, document_add
from residents.access import resident_required
from residents.selectors import resident_by_id_number


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _own_case(request, pk: int) -> Case:
    return get_object_or_404(case_list_for_resident(resident=request.resident), pk=pk)


@resident_required
def case_list(request):
    page = Paginator(case_list_for_resident(resident=request.resident), 20).get_page(request.GET.get("page"))
    return render(request, "legal_aid/case_list.html", {"page": page})


@resident_required
def case_new(request):
    """The guided form: first what kind of help and about what, then only the questions that need."""
    start = CaseStartForm(request.GET or None)
    if not start.is_valid():
        return render(request, "legal_aid/case_start.html", {"form": start})
    kind, category = start.cleaned_data["kind"], start.cleaned_data["category"]
    resident = request.resident
    form_kwargs = {
        "kind": kind,
        "category": category,
        "resident": resident,
        "default_station": default_station_for(resident=resident),
    }
    if request.method == "POST":
        form = CaseForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = case_file(
                    applicant=resident,
                    kind=kind,
                    category=category,
                    facts=data["facts"],
                    actor=request.user,
                    station=data["station"],
                    respondent_employer=data["respondent_employer"],
                    respondent_name=data["respondent_name"],
                    amount_claimed=data.get("amount_claimed"),
                    documents=data["documents"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Your case %(reference)s was received. The station decides on it by %(due)s.")
                    % {"reference": case.reference, "due": case.examination_due.isoformat()},
                )
                return redirect(case.get_absolute_url())
    else:
        form = CaseForm(**form_kwargs)
    return render(
        request,
        "legal_aid/case_form.html",
        {
            "form": form,
            "kind_label": dict(Case.Kind.choices)[kind],
            "category_label": dict(Case.Category.choices)[category],
        },
    )


@resident_required
def case_detail(request, pk: int):
    case = _own_case(request, pk)
    return render(
        request,
        "legal_aid/case_detail.html",
        {
            "case": case,
            "timeline": case_timeline_for_applicant(case=case),
            "documents": case.documents.all(),
            "hearings": case.hearings.filter(cancelled=False),
            "time_limits": case.time_limits.all(),
            "document_form": DocumentForm(),
            "withdraw_form": WithdrawForm(),
            "can_withdraw": "withdraw" in available_transitions(case, request.user),
            "can_upload": case.state not in Case.ENDED,
        },
    )


@resident_required
def document_upload(request, pk: int):
    case = _own_case(request, pk)
    posted = request.method == "POST"
    form = DocumentForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            document_add(
                case=case,
                upload=form.cleaned_data["file"],
                actor=request.user,
                description=form.cleaned_data["description"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The document was added to your case."))
            return redirect(case.get_absolute_url())
    return render(
        request,
        "legal_aid/document_form.html",
        {"case": case, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@resident_required
@require_POST
def case_withdraw_view(request, pk: int):
    case = _own_case(request, pk)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        case_withdraw(case=case, actor=request.user, note=note)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You withdrew the case."))
    return redirect(case.get_absolute_url())


@login_required
def document_download(request, case_pk: int, pk: int):
    """A case's document, only to the applicant and the staff who may see the case; never cached."""
    document = get_object_or_404(
        CaseDocument.objects.select_related("case__applicant"), pk=pk, case_id=case_pk
    )
    if not case_visible_to(case=document.case, user=request.user):
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@permission_required("legal_aid.add_case", raise_exception=True)
def intake(request):
    """A caseworker takes in the case of a resident who came to the station."""
    stations = stations_for_intake(user=request.user)
    if not stations.exists():
        raise PermissionDenied
    posted = request.method == "POST"
    form = IntakeForm(request.POST if posted else None, request.FILES if posted else None, stations=stations)
    if posted and form.is_valid():
        data = form.cleaned_data
        applicant = resident_by_id_number(data["id_number"])
        if applicant is None:
            form.add_error("id_number", _("No resident is registered with this identity number."))
        else:
            try:
                case = case_file(
                    applicant=applicant,
                    kind=data["kind"],
                    category=data["category"],
                    facts=data["facts"],
                    actor=request.user,
                    station=data["station"],
                    respondent_employer=data["respondent_employer"],
                    respondent_name=data["respondent_name"],
                    amount_claimed=data["amount_claimed"],
                    documents=data["documents"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request, _("Case %(reference)s was taken in.") % {"reference": case.reference}
                )
                return redirect(reverse("admin:legal_aid_case_change", args=[case.pk]))
    return render(request, "legal_aid/intake.html", {"form": form})


@login_required
@permission_required("kunshan_portal.view_dashboard", raise_exception=True)
def figures(request):
    """Officials' figures: cases, decisions in time, days to decision and amounts, by month, station, category."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), today.year + 1)
    station_id = request.GET.get("station") or None
    category = request.GET.get("category") or None
    if category not in Case.Category.values:
        category = None
    stations = Station.objects.filter(parent__isnull=True).order_by("id")
    if station_id and not stations.filter(pk=station_id).exists():
        station_id = None
    rows = case_stats(
        date_from=date(year, 1, 1),
        date_to=date(year, 12, 31),
        station_id=int(station_id) if station_id else None,
        category=category,
    )
    categories = dict(Case.Category.choices)
    for row in rows:
        row["category_label"] = categories.get(row["category"], "")
        row["station_name"] = (
            row["station_name_en"] if request.LANGUAGE_CODE == "en" else row["station_name_zh"]
        )
    return render(
        request,
        "legal_aid/figures.html",
        {
            "rows": rows,
            "overview": legal_aid_overview(year=year),
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "stations": stations,
            "station_id": int(station_id) if station_id else None,
            "categories": Case.Category.choices,
            "category": category,
        },
    )

"""Pages of social insurance: the public calculator, the resident's statement and the employer's area."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insurance import selectors, services
from insurance.contributions import format_period
from insurance.forms import (
    CalculatorForm,
    EndForm,
    EnrolForm,
    PayrollUploadForm,
    WageChangeForm,
    add_domain_error,
)
from insurance.models import Enrolment, Scheme
from kunshan_portal.errors import DomainError
from residents.access import employer_required, resident_required
from residents.selectors import resident_by_id_number

PAGE_SIZE = 25


def calculator(request):
    """Anyone may see what a wage owes in a month: the same numbers as the API's preview."""
    data = request.GET if "wage" in request.GET else None
    form = CalculatorForm(data, initial={"period": format_period(selectors.current_period())})
    context = {"form": form, "result": None}
    if form.is_bound and form.is_valid():
        try:
            result = selectors.contribution_preview(**form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            rows = [
                {"label": Scheme(line.scheme).label, "employer": line.employer, "employee": line.employee,
                 "pool": line.pool, "personal_account": line.personal_account}
                for line in result.lines
            ]  # fmt: skip
            context.update(result=result, rows=rows, period_label=format_period(result.period_start))
    return render(request, "insurance/calculator.html", context)


@resident_required
def me(request):
    """The resident's enrolments, personal-account balances and monthly lines, newest month first."""
    resident = request.resident
    page = Paginator(selectors.resident_periods(resident), 12).get_page(request.GET.get("page"))
    context = {
        "enrolments": selectors.enrolment_list_for_resident(resident),
        "balances": selectors.resident_balances(resident),
        "page": page,
        "statements": selectors.resident_statements(resident, list(page.object_list)),
    }
    return render(request, "insurance/me.html", context)


# --- The employer's area ----------------------------------------------------------------------------


@employer_required
def employer_home(request):
    employer = request.employer
    search = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    if state not in Enrolment.State.values:
        state = ""
    enrolments = selectors.enrolment_list_for_employer(employer=employer, search=search, state=state)
    page = Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in (("q", search), ("state", state)) if value})
    context = {
        "employer": employer,
        "page": page,
        "query": query,
        "search": search,
        "state": state,
        "states": Enrolment.State.choices,
        "owed": selectors.employer_owed(employer)[:6],
        "arrears_count": selectors.employer_arrears_count(employer),
    }
    return render(request, "insurance/employer/home.html", context)


@employer_required
def employer_enrol(request):
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = resident_by_id_number(form.cleaned_data["id_number"])
        if resident is None:
            form.add_error("id_number", _("No registered resident has this identity number."))
        else:
            try:
                enrolment = services.enrolment_create(
                    resident=resident,
                    employer=request.employer,
                    start_date=form.cleaned_data["start_date"],
                    wage=form.cleaned_data["wage"],
                    actor=request.user,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("%(name)s is enrolled.") % {"name": resident.name})
                return redirect("insurance:employer-enrolment", pk=enrolment.pk)
    return render(request, "insurance/employer/enrol.html", {"form": form})


def _employer_enrolment(request, pk) -> Enrolment:
    enrolment = selectors.enrolment_for_employer(employer=request.employer, pk=pk)
    if enrolment is None:
        raise Http404
    return enrolment


def _enrolment_page(request, enrolment, *, wage_form=None, end_form=None, status=200):
    context = {
        "enrolment": enrolment,
        "wages": selectors.enrolment_wages(enrolment),
        "wage_form": wage_form
        or WageChangeForm(initial={"period": format_period(selectors.current_period())}),
        "end_form": end_form or EndForm(),
    }
    return render(request, "insurance/employer/enrolment.html", context, status=status)


@employer_required
def employer_enrolment(request, pk):
    return _enrolment_page(request, _employer_enrolment(request, pk))


@employer_required
@require_POST
def employer_wage(request, pk):
    enrolment = _employer_enrolment(request, pk)
    form = WageChangeForm(request.POST)
    if form.is_valid():
        try:
            services.enrolment_wage_change(
                enrolment=enrolment,
                wage=form.cleaned_data["wage"],
                valid_from=form.cleaned_data["period"],
                actor=request.user,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The wage is changed."))
            return redirect("insurance:employer-enrolment", pk=pk)
    return _enrolment_page(request, enrolment, wage_form=form, status=400)


@employer_required
@require_POST
def employer_end(request, pk):
    enrolment = _employer_enrolment(request, pk)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.enrolment_end(
                enrolment=enrolment,
                end_date=form.cleaned_data["end_date"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The enrolment is ended."))
            return redirect("insurance:employer-enrolment", pk=pk)
    return _enrolment_page(request, enrolment, end_form=form, status=400)


@employer_required
def employer_payroll(request):
    form = PayrollUploadForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            saved = services.payroll_upload(
                employer=request.employer, file_name=upload.name, content=upload.read(), actor=request.user
            )
        except services.PayrollFileRejected as exc:
            row_errors = exc.errors
            add_domain_error(form, exc)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Payroll saved: %(rows)d rows, %(changed)d new or changed wages.")
                % {"rows": saved.rows, "changed": saved.changed},
            )
            return redirect("insurance:employer-payroll")
    status = 400 if form.errors else 200
    return render(
        request, "insurance/employer/payroll.html", {"form": form, "row_errors": row_errors}, status=status
    )


@employer_required
def employer_statement(request):
    page = Paginator(selectors.employer_owed(request.employer), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insurance/employer/statement.html", {"employer": request.employer, "page": page})


@employer_required
def employer_arrears(request):
    page = Paginator(selectors.employer_arrears(request.employer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "insurance/employer/arrears.html", {"employer": request.employer, "page": page})

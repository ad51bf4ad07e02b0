"""The resident's pages: registration, their own page, profile, family, their data and who saw it."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_timeline
from kunshan_portal.models import Language
from kunshan_portal.paging import ShortListPaginator
from kunshan_portal.registry import applications_of, closure_obstacles
from residents import services
from residents.access import resident_required
from residents.forms import (
    FamilyMemberForm,
    FamilyMemberNameForm,
    ProfileForm,
    RegistrationForm,
    add_domain_error,
)
from residents.idcard import PROVINCES
from residents.models import Gender, Resident
from residents.selectors import (
    ON_THE_PAGE,
    own_page_lists,
    resident_access_log,
    resident_family,
    resident_for_user,
    resident_personal_data,
    staff_display_name,
)

PAGE_SIZE = 20


def _with_language_cookie(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )  # fmt: skip
    return response


def _derived_facts(values: dict) -> dict:
    """What the identity number says, in the reader's language, for the confirmation page."""
    zh, en = PROVINCES.get(values["home_province_code"], ("", ""))
    return {
        "birth_date": values["birth_date"],
        "gender": Gender(values["gender"]).label,
        "home_province": en if translation.get_language() == "en" else zh,
        "id_number_masked": values["id_number_masked"],
    }


def _registration_details_page(request, form):
    return render(request, "residents/register.html", {"form": form})


def _registration_confirm_page(request, form, facts):
    hidden = [(name, value) for name in RegistrationForm.DETAILS for value in form.data.getlist(name)]
    return render(
        request, "residents/register_confirm.html", {"form": form, "facts": facts, "hidden": hidden}
    )


def register(request):
    """Register in two steps: the details, checked and shown back with what the identity number says;
    then a password and consent. Every error comes back on its field with everything typed kept."""
    if resident_for_user(request.user) is not None:
        return redirect("residents:me")
    if request.method != "POST":
        language = Language.EN if translation.get_language() == "en" else Language.ZH_HANS
        return _registration_details_page(
            request, RegistrationForm(final=False, initial={"language": language})
        )
    step = request.POST.get("step", "details")
    final = step == "confirm"
    form = RegistrationForm(request.POST, final=final)
    details_wrong = not form.is_valid() and (not final or set(form.errors) - set(form.FINAL))
    if step == "edit" or details_wrong:
        return _registration_details_page(request, form)
    try:
        facts = _derived_facts(services.resident_register_check(**form.details()))
    except DomainError as error:
        add_domain_error(form, error)
        return _registration_details_page(request, form)
    if not final or form.errors:
        return _registration_confirm_page(request, form, facts)
    data = form.cleaned_data
    try:
        resident = services.resident_register(
            **form.details(), password=data["password1"], skills=list(data["skills"]),
            certificates=list(data["certificates"]), language=data["language"], consent=data["consent"],
        )  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        if error.field in form.FINAL:
            return _registration_confirm_page(request, form, facts)
        return _registration_details_page(request, form)
    login(request, resident.user, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override(data["language"]):
        messages.success(
            request,
            _(
                "Welcome, %(name)s. Your registration is waiting for a caseworker to check your documents: "
                "you will get a notice when it is done."
            )
            % {"name": resident.name},
        )
    return _with_language_cookie(redirect("residents:me"), data["language"])


@never_cache
@resident_required
def me(request):
    """The resident's own page: status, profile, family, applications, notices, their data and its log."""
    return _me_page(request, reveal=False)


@never_cache
@require_POST
@resident_required
def me_reveal(request):
    """The resident's own full identity number, on their own page, after a click (never in a link)."""
    return _me_page(request, reveal=True)


def _me_page(request, *, reveal: bool):
    resident = request.resident
    applications = applications_of(resident)
    lists = own_page_lists(resident)
    access_log = lists["access_log"]
    states = dict(Resident.State.choices)
    context = {
        "resident": resident,
        "full_id_number": resident.id_number if reveal else None,
        "timeline": [
            {
                "at": step.at,
                "from": states.get(step.from_state, step.from_state),
                "to": states.get(step.to_state, step.to_state),
                "note": step.note,
            }
            for step in lifecycle_timeline(obj=resident, include_internal=False)
        ],
        "skills": lists["skills"],
        "certificates": lists["certificates"],
        "family": lists["family"],
        "applications": applications[:ON_THE_PAGE],
        "more_applications": len(applications) > ON_THE_PAGE,
        "notices": lists["notices"],
        "access_log": [(staff_display_name(a), a) for a in access_log[:ON_THE_PAGE]],
        "more_access_log": len(access_log) > ON_THE_PAGE,
        "language": request.user.get_language_display(),
    }
    return render(request, "residents/me.html", context)


@require_POST
@resident_required
def me_resubmit(request):
    try:
        services.resident_resubmit(resident=request.resident, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your registration was sent for a new check. You will get a notice."))
    return redirect("residents:me")


@resident_required
def me_edit(request):
    resident = request.resident
    if request.method != "POST":
        return render(request, "residents/profile_form.html", {"form": ProfileForm(resident=resident)})
    form = ProfileForm(request.POST, resident=resident)
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("residents:me")
        try:
            services.resident_update_profile(resident=resident, actor=request.user, **changes)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            language = changes.get("language")
            with translation.override(language or translation.get_language()):
                messages.success(request, _("Your profile was saved."))
            response = redirect("residents:me")
            return _with_language_cookie(response, language) if language else response
    return render(request, "residents/profile_form.html", {"form": form})


@never_cache
@resident_required
def me_data(request):
    """All the resident's own data as a JSON download (full identity numbers: it is theirs)."""
    response = JsonResponse(
        resident_personal_data(request.resident),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    filename = f"kunshan-my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@resident_required
def me_applications(request):
    page = Paginator(applications_of(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "residents/applications.html", {"page": page})


@resident_required
def me_access_log(request):
    page = ShortListPaginator(resident_access_log(request.resident), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    entries = [(staff_display_name(a), a) for a in page.object_list]
    return render(request, "residents/access_log.html", {"page": page, "entries": entries})


@resident_required
def family_add(request):
    form = FamilyMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.family_member_add(
                resident=request.resident, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(name)s was added to your family.") % {"name": member.name})
            return redirect("residents:me")
    return render(request, "residents/family_form.html", {"form": form, "member": None})


@resident_required
def family_edit(request, pk: int):
    member = get_object_or_404(resident_family(request.resident), pk=pk)
    form = FamilyMemberNameForm(request.POST or None, initial={"name": member.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.family_member_update(member=member, actor=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The name was corrected."))
            return redirect("residents:me")
    return render(request, "residents/family_form.html", {"form": form, "member": member})


@resident_required
def family_remove(request, pk: int):
    member = get_object_or_404(resident_family(request.resident), pk=pk)
    if request.method == "POST":
        try:
            services.family_member_remove(member=member, actor=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(name)s was removed from your family.") % {"name": member.name})
        return redirect("residents:me")
    return render(request, "residents/family_remove.html", {"member": member})


# --- Account closure ---
class _ClosureConfirmForm(forms.Form):
    password = forms.CharField(
        label=_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=_lazy("I understand that my details will be erased and I will no longer be able to log in.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_lazy("That is not your password."))
        return password


@never_cache
@resident_required
def me_close(request):
    """Ask for the account to be closed (after re-entering the password), see the request, or cancel it."""
    from residents.models import AccountClosure

    pending = request.resident.closures.filter(state=AccountClosure.State.REQUESTED).first()
    form = _ClosureConfirmForm(user=request.user)
    if request.method == "POST":
        if request.POST.get("action") == "cancel" and pending is not None:
            try:
                services.account_closure_cancel(closure=pending, actor=request.user)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Your request was cancelled. Your account stays open."))
            return redirect("residents:me-close")
        form = _ClosureConfirmForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.account_closure_request(resident=request.resident, actor=request.user)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("Your request was received. You can cancel it until the date shown.")
                )
                return redirect("residents:me-close")
    context = {
        "form": form,
        "pending": pending,
        "obstacles": closure_obstacles(request.resident),
        "grace_days": settings.KUNSHAN_CLOSURE_GRACE_DAYS,
    }
    return render(request, "residents/close_account.html", context)

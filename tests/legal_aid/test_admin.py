"""The staff's admin: cases scoped across stations, lawyers limited to their cases, actions through the
services, inlines, exports; overdue cases first."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from kunshan_portal import roles
from kunshan_portal.models import Notice
from legal_aid.models import Case, Hearing, StationStaff
from tests.factories import make_user
from tests.legal_aid.factories import PDF, advance, file_case, make_staff, upload

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:legal_aid_case_changelist")


def change_url(case):
    return reverse("admin:legal_aid_case_change", args=[case.pk])


def act_url(case, action):
    return reverse("admin:legal_aid_case_act", args=[case.pk, action])


def listed(client, user, query="") -> set[str]:
    client.force_login(user)
    response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return {case.reference for case in response.context["cl"].result_list}


@pytest.fixture
def cases_at_three_places(caseworker, lawyer):
    yushan = advance(file_case(), "assigned", caseworker=caseworker, lawyer=lawyer)
    sub = file_case(station_code="yushan-chengbei")
    bacheng = file_case(station_code="bacheng")
    return yushan, sub, bacheng


def test_staff_see_their_stations_and_sub_stations_lawyers_their_own_cases(
    client, cases_at_three_places, caseworker, lawyer
):
    yushan, sub, bacheng = cases_at_three_places
    bacheng_caseworker = make_staff("bacheng", StationStaff.Role.CASEWORKER)
    admin = make_user("root", is_staff=True, is_superuser=True)
    assert listed(client, caseworker.user) == {yushan.reference, sub.reference}
    assert listed(client, bacheng_caseworker.user) == {bacheng.reference}
    assert listed(client, lawyer.user) == {yushan.reference}
    assert listed(client, make_staff("yushan", StationStaff.Role.LAWYER).user) == set()
    assert listed(client, admin) == {yushan.reference, sub.reference, bacheng.reference}
    # a legal-aid caseworker who belongs to no station sees nothing
    nobody = make_user(None, roles.CASEWORKER_GROUPS["legal_aid"], is_staff=True)
    assert listed(client, nobody) == set()


def test_a_case_out_of_reach_cannot_be_opened_or_acted_on(client, cases_at_three_places, caseworker):
    _yushan, sub, bacheng = cases_at_three_places
    client.force_login(caseworker.user)
    response = client.get(change_url(bacheng))
    assert response.status_code == 302 and bacheng.facts not in response.content.decode()
    assert client.get(act_url(bacheng, "examine")).status_code == 404
    assert client.get(change_url(sub)).status_code == 200


def test_other_domains_caseworkers_and_officials_have_no_access(client, cases_at_three_places, official_user):
    housing = make_user("cw_housing", roles.CASEWORKER_GROUPS["housing"], is_staff=True)
    client.force_login(housing)
    assert client.get(CHANGELIST).status_code == 403
    client.force_login(official_user)
    assert client.get(CHANGELIST).status_code == 302  # not staff: the admin sends them to log in


def test_the_lawyer_group_holds_only_case_work_permissions(db):
    codes = set(Group.objects.get(name=roles.LAWYER).permissions.values_list("codename", flat=True))
    assert {
        "view_case",
        "change_case",
        "conduct_case",
        "add_hearing",
        "add_timelimit",
        "add_casedocument",
    } <= codes
    assert not codes & {
        "examine_case",
        "assign_case",
        "add_case",
        "delete_case",
        "view_station",
        "change_stationstaff",
        "view_deadlinerule",
        "view_caseevent",
    }


def test_the_lawyer_sees_only_case_work_in_the_admin(client, cases_at_three_places, lawyer):
    client.force_login(lawyer.user)
    index = client.get(reverse("admin:index"))
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert models == {"Case"}
    assert client.get(reverse("admin:legal_aid_station_changelist")).status_code == 403


def test_the_case_page_offers_the_actions_the_person_may_take(
    client, cases_at_three_places, caseworker, lawyer
):
    yushan, sub, _bacheng = cases_at_three_places
    client.force_login(caseworker.user)
    page = client.get(change_url(sub), HTTP_ACCEPT_LANGUAGE="en")
    assert [name for name, _label in page.context["case_actions"]] == ["examine"]
    client.force_login(lawyer.user)
    page = client.get(change_url(yushan))
    assert [name for name, _label in page.context["case_actions"]] == [
        "mediate",
        "arbitrate",
        "litigate",
        "close",
    ]
    assert client.get(act_url(yushan, "reassign")).status_code == 403


def test_examining_from_the_admin_records_the_means_test_and_shows_errors(client, caseworker):
    case = file_case(category=Case.Category.LABOUR_CONTRACT)
    client.force_login(caseworker.user)
    form_page = client.get(act_url(case, "examine"))
    assert "means_test" in form_page.context["form"].fields
    missing = client.post(act_url(case, "examine"), {"note": "ok"})
    assert missing.status_code == 200 and missing.context["form"].errors
    done = client.post(
        act_url(case, "examine"), {"means_test": "yes", "note": "payslips seen", "internal": "on"}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.means_test) == ("examined", "passed")


def test_refusing_from_the_admin_needs_a_reason(client, caseworker):
    case = file_case()
    client.force_login(caseworker.user)
    client.post(act_url(case, "examine"), {})
    assert client.post(act_url(case, "refuse"), {"note": ""}).context["form"].errors
    client.post(act_url(case, "refuse"), {"note": "Not a labour matter."})
    case.refresh_from_db()
    assert (case.state, case.decision_note) == ("refused", "Not a labour matter.")


def test_bulk_examine_accept_and_assign(client, caseworker, lawyer):
    cases = [file_case() for _ in range(3)]
    ids = [str(c.pk) for c in cases]
    client.force_login(caseworker.user)
    client.post(CHANGELIST, {"action": "examine_selected", ACTION_CHECKBOX_NAME: ids})
    client.post(CHANGELIST, {"action": "accept_selected", ACTION_CHECKBOX_NAME: ids})
    page = client.post(CHANGELIST, {"action": "assign_selected", ACTION_CHECKBOX_NAME: ids})
    assert page.status_code == 200 and lawyer in page.context["form"].fields["staff"].queryset
    done = client.post(
        CHANGELIST, {"action": "assign_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1", "staff": lawyer.pk}
    )
    assert done.status_code == 302
    assert set(Case.objects.values_list("state", "assignee")) == {("assigned", lawyer.user_id)}


def test_overdue_cases_come_first(client, caseworker):
    plain = file_case()
    late = file_case()
    Case.objects.filter(pk=late.pk).update(overdue_since=date(2025, 3, 4))
    client.force_login(caseworker.user)
    response = client.get(CHANGELIST)
    assert [c.reference for c in response.context["cl"].result_list] == [late.reference, plain.reference]
    assert listed(client, caseworker.user, "?overdue=yes") == {late.reference}


def test_the_case_list_takes_a_fixed_number_of_queries(client, caseworker, django_assert_max_num_queries):
    for _ in range(12):
        file_case()
    client.force_login(caseworker.user)
    with django_assert_max_num_queries(20):
        assert client.get(CHANGELIST).status_code == 200


def inline_post_data(page, **changes) -> dict:
    """The change page's inline formsets as posted back unchanged, with some forms filled in."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, field in formset.management_form.fields.items():
            data[f"{formset.prefix}-{name}"] = formset.management_form.initial.get(name, field.initial)
        for form in formset.forms:
            for name in form.fields:
                value = form.initial.get(name)
                if (value is not None and name != "id") or (name == "id" and form.instance.pk):
                    data[f"{form.prefix}-{name}"] = value.pk if hasattr(value, "pk") else value
    data.update(changes)
    return data


def test_hearings_and_documents_added_in_the_admin_go_through_the_services(client, caseworker, lawyer):
    case = advance(file_case(), "arbitration", caseworker=caseworker, lawyer=lawyer)
    client.force_login(lawyer.user)
    page = client.get(change_url(case))
    prefixes = {
        inline.formset.model.__name__ + str(i): inline.formset.prefix
        for i, inline in enumerate(page.context["inline_admin_formsets"])
    }
    hearing_prefix = next(p for k, p in prefixes.items() if k.startswith("Hearing"))
    document_prefix = [p for k, p in prefixes.items() if k.startswith("CaseDocument")][-1]
    when = (timezone.localtime() + timedelta(days=7)).replace(hour=9, minute=30, second=0, microsecond=0)
    data = inline_post_data(
        page,
        **{
            f"{hearing_prefix}-TOTAL_FORMS": "1",
            f"{hearing_prefix}-0-kind": "arbitration",
            f"{hearing_prefix}-0-starts_at_0": when.strftime("%Y-%m-%d"),
            f"{hearing_prefix}-0-starts_at_1": when.strftime("%H:%M:%S"),
            f"{hearing_prefix}-0-place": "Kunshan Labour Arbitration Court, room 3",
            f"{document_prefix}-0-file": upload(PDF, "award-draft.pdf"),
            f"{document_prefix}-0-description": "draft",
        },
    )
    response = client.post(change_url(case), data)
    assert response.status_code == 302, response.context and [
        f.errors for i in response.context["inline_admin_formsets"] for f in i.formset.forms
    ]
    hearing = Hearing.objects.get(case=case)
    assert hearing.recorded_by == lawyer.user and hearing.place.startswith("Kunshan Labour")
    assert case.documents.get().uploaded_by == lawyer.user
    assert Notice.objects.filter(recipient=case.applicant.user, subject__startswith="Hearing set").exists()


def test_the_export_holds_only_the_cases_in_reach(client, cases_at_three_places, caseworker):
    yushan, sub, _bacheng = cases_at_three_places
    client.force_login(caseworker.user)
    export_url = reverse("admin:legal_aid_case_export")
    form = client.get(export_url).context["form"]
    csv_index = next(value for value, label in form.fields["format"].choices if str(label).lower() == "csv")
    data = {"format": csv_index, "resource": "0"}
    data.update(
        {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}
    )
    response = client.post(export_url, data)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["reference"] for row in rows} == {yushan.reference, sub.reference}

import pytest
import tablib
from django.urls import reverse

from education.models import Application, Offer, Round, School, SchoolSeats
from education.resources import ApplicationResource, SchoolResource, SchoolSeatsResource
from kunshan_portal import roles
from tests.education.factories import (
    make_application,
    make_caseworker,
    make_school,
    make_school_year,
    make_seats,
    run_round,
)
from tests.factories import make_user


@pytest.fixture
def caseworker(db):
    return make_caseworker()


@pytest.fixture
def admin_client(client, caseworker):
    client.force_login(caseworker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def placed(caseworker):
    """A finished round: one child offered a place, one waiting."""
    school = make_school(town="bacheng")
    make_seats(school, 1)
    applications = [make_application(schools=[school]) for _ in range(2)]
    return run_round(caseworker), school, applications


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("school", {}), ("schoolseats", {}), ("schoolyear", {}), ("placementpolicy", {}), ("round", {}),
        ("roundcutoff", {}), ("offer", {"state": "open"}), ("enrolment", {}),
        ("application", {}), ("application", {"state__exact": "waiting", "grade__exact": "1"}),
        ("application", {"town": "1"}), ("application", {"school": "1"}),
    ],
)  # fmt: skip
def test_the_caseworker_screens_open(admin_client, placed, model, query):
    response = admin_client.get(reverse(f"admin:education_{model}_changelist"), query)
    assert response.status_code == 200


def test_the_application_list_counts_few_queries(admin_client, placed, django_assert_max_num_queries):
    for _ in range(10):
        make_application(schools=[placed[1]])
    with django_assert_max_num_queries(25):
        assert admin_client.get(reverse("admin:education_application_changelist")).status_code == 200


def test_an_application_page_shows_the_priority_facts_and_results(admin_client, placed):
    applications = placed[2]
    for application in applications:
        page = admin_client.get(reverse("admin:education_application_change", args=[application.pk]))
        assert page.status_code == 200
        assert "months of contributions" in page.content.decode()


@pytest.mark.parametrize("role", [roles.CASEWORKER_GROUPS["housing"], roles.OFFICIAL, roles.RESIDENT])
def test_other_roles_do_not_reach_the_education_admin(client, db, role):
    user = make_user(None, role, is_staff=role in roles.STAFF_ROLES)
    client.force_login(user)
    response = client.get(reverse("admin:education_application_changelist"))
    assert response.status_code in (302, 403)
    if user.is_staff:
        assert response.status_code == 403


def test_a_round_through_the_admin_freeze_preview_confirm_run(
    admin_client, caseworker, django_capture_on_commit_callbacks
):
    # given
    school = make_school()
    make_seats(school, 1)
    make_application(schools=[school])
    make_application(schools=[school])
    admin_client.post(
        reverse("admin:education_round_add"), {"school_year": make_school_year().pk, "note": "spring"}
    )
    round_ = Round.objects.get()
    assert (round_.number, round_.note) == (1, "spring")

    # when
    admin_client.post(reverse("admin:education_round_freeze", args=[round_.pk]))
    preview = admin_client.get(reverse("admin:education_round_preview", args=[round_.pk]))
    confirm = admin_client.get(reverse("admin:education_round_run", args=[round_.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:education_round_run", args=[round_.pk]), {"confirm": "yes"})

    # then
    assert "1 would be offered a place, 1 would wait" in preview.content.decode()
    assert "Running the round writes 1 offers" in confirm.content.decode()
    round_.refresh_from_db()
    assert round_.state == Round.State.DONE and Offer.objects.count() == 1
    page = admin_client.get(reverse("admin:education_round_change", args=[round_.pk])).content.decode()
    assert "2 applications · 1 offers (1 open" in page and "2 families told" in page


def test_a_second_open_round_is_refused_with_a_message(admin_client):
    year = make_school_year()
    admin_client.post(reverse("admin:education_round_add"), {"school_year": year.pk})
    response = admin_client.post(reverse("admin:education_round_add"), {"school_year": year.pk}, follow=True)
    assert "is not finished yet" in response.content.decode()
    assert Round.objects.count() == 1


def test_only_those_who_run_rounds_may_freeze(client, db):
    round_ = Round.objects.create(school_year=make_school_year(), number=1)
    client.force_login(make_user(None, roles.CASEWORKER_GROUPS["housing"], is_staff=True))
    assert client.post(reverse("admin:education_round_freeze", args=[round_.pk])).status_code == 403


def test_the_caseworker_answers_for_a_parent(admin_client, placed):
    offer = Offer.objects.get()
    admin_client.post(
        reverse("admin:education_offer_changelist"),
        {"action": "accept_for_parent", "_selected_action": [offer.pk]},
    )
    offer.refresh_from_db()
    assert offer.state == Offer.State.ACCEPTED


def test_applications_export_with_their_ranked_schools(placed):
    school = placed[1]
    dataset = ApplicationResource().export(Application.objects.all())
    assert dataset.headers[:4] == ["id", "school_year", "grade", "state"]
    assert {row[dataset.headers.index("schools")] for row in dataset} == {school.code}
    assert "*" in dataset[0][dataset.headers.index("child_id_number")]


def test_schools_and_seats_import_by_code(db):
    make_school_year(2027)
    schools = tablib.Dataset(headers=["code", "name_zh", "name_en", "kind", "town", "address", "first_grade",
                                      "last_grade", "active"])  # fmt: skip
    schools.append(["new-school", "新学校", "New School", "public", "lujia", "陆家镇 1 号", 1, 6, "1"])
    assert not SchoolResource().import_data(schools, dry_run=False).has_errors()
    seats = tablib.Dataset(headers=["school", "school_year", "grade", "seats", "taken"])
    seats.append(["new-school", 2027, 1, 45, 40])

    assert not SchoolSeatsResource().import_data(seats, dry_run=False).has_errors()

    imported = SchoolSeats.objects.get(school__code="new-school")
    assert (imported.seats, imported.taken) == (45, 0)
    assert School.objects.get(code="new-school").town.code == "lujia"


def test_the_seeded_schools_include_the_nine_dedicated_ones(db):
    assert School.objects.filter(kind="dedicated").count() == 9
    assert School.objects.filter(kind="public").values("town").distinct().count() == 13

import pytest
from django.urls import reverse

from education.models import Application, Enrolment, Offer
from kunshan_portal import roles
from tests.education.factories import (
    make_application,
    make_caseworker,
    make_parent,
    make_school,
    make_school_child,
    make_school_year,
    make_seats,
    run_round,
)
from tests.factories import make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def schools(db):
    return [make_school(town="yushan"), make_school(town="bacheng")]


@pytest.fixture
def parent(db):
    return make_parent()


@pytest.fixture
def parent_client(client, parent):
    client.force_login(parent.user)
    return client


def test_the_parent_lists_their_applications_in_few_queries(parent_client, parent, schools,
                                                             django_assert_max_num_queries):  # fmt: skip
    for _ in range(5):
        make_application(schools=schools, parent=parent)
    make_application(schools=schools)  # another family's

    with django_assert_max_num_queries(12):
        page = parent_client.get(reverse("education:applications"), **EN)

    assert page.status_code == 200
    assert page.content.decode().count('class="card"') == 5


def test_the_apply_form_has_labelled_fields(parent_client, parent, schools):
    make_school_child(parent)
    make_school_year()
    page = parent_client.get(reverse("education:apply"), **EN).content.decode()
    for field in ("child", "school_year", "grade", "choice_1", "choice_6"):
        assert f'<label for="id_{field}">' in page


def test_applying_on_the_page(parent_client, parent, schools):
    child = make_school_child(parent)
    year = make_school_year()

    response = parent_client.post(
        reverse("education:apply"),
        {
            "child": child.pk,
            "school_year": year.pk,
            "grade": 1,
            "choice_1": schools[1].pk,
            "choice_2": schools[0].pk,
        },
        **EN,
    )

    application = Application.objects.get(parent=parent)
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    assert [c.school for c in application.choices.order_by("rank")] == [schools[1], schools[0]]
    detail = parent_client.get(response["Location"], **EN).content.decode()
    assert str(application.lottery) in detail and "Priority facts" in detail


def test_a_refused_application_keeps_what_was_entered_and_says_why(parent_client, parent, schools):
    child = make_school_child(parent, grade=1)
    year = make_school_year()

    response = parent_client.post(
        reverse("education:apply"),
        {"child": child.pk, "school_year": year.pk, "grade": 3, "choice_1": schools[1].pk},
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "too young for grade 3" in page
    assert f'<option value="{schools[1].pk}" selected>' in page
    assert '<option value="3" selected>' in page
    assert not Application.objects.exists()


def test_another_familys_application_and_offer_answer_404(client, schools):
    caseworker = make_caseworker()
    make_seats(schools[0], 1)
    application = make_application(schools=schools[:1])
    run_round(caseworker)
    offer = Offer.objects.get()
    client.force_login(make_parent().user)

    assert client.get(application.get_absolute_url()).status_code == 404
    assert client.post(reverse("education:offer-accept", args=[offer.pk])).status_code == 404
    assert client.post(reverse("education:application-withdraw", args=[application.pk])).status_code == 404


@pytest.mark.parametrize("role", [roles.EMPLOYER, roles.OFFICIAL])
def test_the_parents_pages_are_for_residents(client, db, role):
    client.force_login(make_user(None, role))
    assert client.get(reverse("education:applications")).status_code == 403
    assert client.get(reverse("education:apply")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("education:applications"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_family_reads_the_cutoff_and_why_and_accepts_the_offer(client, schools):
    # given: the first school has one seat, two Bacheng children want it
    caseworker = make_caseworker()
    make_seats(schools[0], 1)
    make_seats(schools[1], 2)
    winner = make_application(schools=schools, town="bacheng")
    loser = make_application(schools=schools, town="bacheng")
    for application, lottery in ((winner, 1), (loser, 2)):
        Application.objects.filter(pk=application.pk).update(lottery=lottery)
    run_round(caseworker)
    client.force_login(loser.parent.user)

    # when
    page = client.get(loser.get_absolute_url(), **EN).content.decode()

    # then
    assert "Why the schools ranked higher did not take your child" in page
    assert "outside the catchment, no sibling, 0 months of contributions, lottery 1" in page
    assert "the lower lottery number comes first" in page
    offer = Offer.objects.get(application=loser)
    response = client.post(reverse("education:offer-accept", args=[offer.pk]), **EN)
    assert response.status_code == 302
    assert Enrolment.objects.get(offer=offer).school == schools[1]
    assert "You accepted the place" in client.get(response["Location"], **EN).content.decode()


def test_declining_on_the_page(client, schools):
    make_seats(schools[0], 1)
    application = make_application(schools=schools[:1])
    run_round(make_caseworker())
    client.force_login(application.parent.user)

    client.post(reverse("education:offer-decline", args=[Offer.objects.get().pk]))

    application.refresh_from_db()
    assert application.state == Application.State.WAITING


def test_changing_the_schools_and_withdrawing(parent_client, parent, schools):
    application = make_application(schools=schools[:1], parent=parent)
    edit = reverse("education:application-edit", args=[application.pk])
    assert f'<option value="{schools[0].pk}" selected>' in parent_client.get(edit).content.decode()

    parent_client.post(edit, {"choice_1": schools[1].pk, "choice_2": schools[0].pk})
    assert [c.school for c in application.choices.order_by("rank")] == [schools[1], schools[0]]

    parent_client.post(reverse("education:application-withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.state == Application.State.WITHDRAWN


def test_schools_are_public_and_filtered(client, schools, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        page = client.get(reverse("education:schools"), {"town": schools[1].town_id}, **EN).content.decode()
    assert "Test School" in page and "Bacheng" in page
    assert schools[0].name_en not in page


def test_cutoffs_are_published_for_everyone(client, schools, django_assert_max_num_queries):
    make_seats(schools[0], 1)
    for _ in range(3):
        make_application(schools=schools[:1])
    run_round(make_caseworker())
    client.logout()

    with django_assert_max_num_queries(6):
        page = client.get(reverse("education:cutoffs"), **EN).content.decode()

    assert schools[0].name_en in page and "2026, round 1" in page
    assert "no sibling" in page

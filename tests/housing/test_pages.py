from decimal import Decimal

import pytest
from django.urls import reverse

from housing import services
from housing.models import HousingApplication, Offer, TransferRequest
from kunshan_portal.registry import applications_of
from tests.factories import make_employer, make_user
from tests.housing.factories import apply, let, make_applicant, make_beds, make_compound, make_unit

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def compound():
    compound = make_compound()
    make_beds(compound, 2, rent="300.00")
    return compound


@pytest.fixture
def resident():
    return make_applicant()


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_housing", "caseworker_housing")


def offer_for(application, caseworker):
    round = services.round_create(name="r", kind="allocation", actor=caseworker)
    services.round_run(round=round, actor=caseworker)
    return Offer.objects.get(application=application)


def test_the_housing_home_shows_the_tenancy_and_its_rent(
    client, resident, compound, caseworker, django_assert_max_num_queries
):
    tenancy = let(compound.places.first(), resident)
    client.force_login(resident.user)
    first = client.get(reverse("housing:home"), **EN).content.decode()
    services.tenancy_rent_change(
        tenancy=tenancy, rent="320.00", effective_from=tenancy.start_date, actor=caseworker
    )
    other = make_compound()
    services.transfer_request_submit(tenancy=tenancy, compounds=[other], actor=resident.user)

    with django_assert_max_num_queries(16):
        response = client.get(reverse("housing:home"), **EN)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Your home" in body and "320.00 yuan" in body and "was 300.00 yuan" in body
    assert "Ask to move to another compound" in first
    assert "You asked to move to:" in body and str(other) in body


def test_applying_puts_the_resident_on_the_list(client, resident, compound):
    client.force_login(resident.user)
    data = {
        "household_size": 1,
        "household_income": "5000",
        "current_housing": "shed",
        "choice_1": compound.pk,
    }

    response = client.post(reverse("housing:apply"), data, **EN)

    application = HousingApplication.objects.get(resident=resident)
    assert response.status_code == 302 and response.url == application.get_absolute_url()
    page = client.get(response.url, **EN).content.decode()
    assert "You live in a temporary shed" in page and "Your priority: 30 points" in page
    assert "a place is free for you in the next round" in page


def test_an_ineligible_application_shows_every_reason_and_keeps_the_input(client, compound):
    resident = make_applicant(employer=None)
    client.force_login(resident.user)
    data = {
        "household_size": 1,
        "household_income": "1234.50",
        "current_housing": "shed",
        "choice_1": compound.pk,
    }

    response = client.post(reverse("housing:apply"), data, **EN)

    body = response.content.decode()
    assert response.status_code == 200
    assert "employed in Kunshan" in body
    assert 'value="1234.50"' in body
    assert not HousingApplication.objects.exists()


def test_choosing_a_compound_twice_is_a_form_error(client, resident, compound):
    client.force_login(resident.user)
    data = {"household_size": 1, "household_income": "5000", "current_housing": "shed", "choice_1": compound.pk,
            "choice_2": compound.pk}  # fmt: skip

    response = client.post(reverse("housing:apply"), data, **EN)

    assert "Choose each compound only once." in response.content.decode()


def test_another_residents_application_and_offer_are_not_found(client, compound, caseworker):
    application = apply(None, compound)
    offer = offer_for(application, caseworker)
    client.force_login(make_applicant().user)

    assert client.get(reverse("housing:application-detail", args=[application.pk])).status_code == 404
    assert client.post(reverse("housing:offer-accept", args=[offer.pk])).status_code == 404
    assert client.post(reverse("housing:application-withdraw", args=[application.pk])).status_code == 404


def test_the_resident_accepts_an_offer_from_their_page(client, compound, caseworker):
    application = apply(None, compound)
    offer = offer_for(application, caseworker)
    client.force_login(application.resident.user)

    home = client.get(reverse("housing:home"), **EN).content.decode()
    response = client.post(reverse("housing:offer-accept", args=[offer.pk]), **EN)

    assert "A place is offered to you" in home and "Answer by" in home
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "housed"


def test_the_resident_declines_and_stays_on_the_list(client, compound, caseworker):
    application = apply(None, compound)
    offer = offer_for(application, caseworker)
    client.force_login(application.resident.user)

    client.post(reverse("housing:offer-decline", args=[offer.pk]), **EN)

    application.refresh_from_db()
    assert application.state == "waiting"


def test_a_tenant_asks_for_a_transfer(client, resident, compound):
    other = make_compound()
    make_beds(other, 1)
    let(compound.places.first(), resident)
    client.force_login(resident.user)

    response = client.post(reverse("housing:transfer"), {"choice_1": other.pk}, **EN)

    assert response.status_code == 302
    assert TransferRequest.objects.get().tenancy.resident == resident


@pytest.mark.parametrize("name", ["housing:home", "housing:apply", "housing:transfer"])
def test_resident_pages_are_for_residents(client, name):
    assert client.get(reverse(name)).status_code == 302  # to the login page
    client.force_login(make_user("employer-hr"))
    assert client.get(reverse(name)).status_code == 403


def test_the_compound_list_is_public_and_paginated(client, compound, django_assert_max_num_queries):
    for _ in range(3):
        make_unit(make_compound())

    # the count, the page, its rents and its free places: as many for 4 compounds as for 3,000
    with django_assert_max_num_queries(5):
        response = client.get(reverse("housing:compound-list"), **EN)

    assert response.status_code == 200
    assert str(compound) in response.content.decode()


def test_an_employer_sees_its_dormitories_occupancy(client, django_assert_max_num_queries):
    employer = make_employer()
    hr = make_user("hr")
    employer.accounts.add(hr)
    dormitory = make_compound(kind="dormitory", owner=employer)
    beds = make_beds(dormitory, 4, rent="0")
    let(beds[0])
    make_compound(kind="dormitory")  # another employer's
    client.force_login(hr)

    with django_assert_max_num_queries(14):  # 5 of them the page's own, the rest session, user and menu
        response = client.get(reverse("housing:employer-dormitories"), **EN)

    body = response.content.decode()
    assert response.status_code == 200
    assert "1 of 4 places let (25.0%)" in body
    assert Decimal(beds[0].rent) == 0


def test_a_resident_cannot_see_dormitories(client, resident):
    client.force_login(resident.user)
    assert client.get(reverse("housing:employer-dormitories")).status_code == 403


def test_the_officials_dashboard_shows_housing_occupancy_waiting_list_and_wait(
    client, official_user, compound, caseworker, django_assert_max_num_queries
):
    application = apply(None, compound)
    offer = offer_for(application, caseworker)
    services.offer_accept(offer=offer, actor=None)
    apply(None, compound)
    client.force_login(official_user)

    with django_assert_max_num_queries(40):  # every app's section; housing's own take 7
        response = client.get(reverse("dashboard"), **EN)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Applicants on the waiting list" in body
    assert "50.0% let of 2 · 1 waiting · average wait 0.0 days" in body


def test_housing_applications_are_listed_among_the_residents_applications(compound):
    application = apply(None, compound)

    summaries = applications_of(application.resident)

    assert [(s.kind, s.url) for s in summaries] == [("Housing application", application.get_absolute_url())]

import pytest

from housing import services
from housing.models import Offer
from tests.factories import make_employer, make_user
from tests.housing.factories import apply, let, make_applicant, make_beds, make_compound

pytestmark = pytest.mark.django_db
API = "/api/v1/housing"


@pytest.fixture
def compound():
    compound = make_compound()
    make_beds(compound, 2, rent="300.00")
    return compound


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_housing", "caseworker_housing")


def test_a_resident_applies_and_reads_points_rank_and_wait(client, compound):
    resident = make_applicant()
    client.force_login(resident.user)

    response = client.post(
        f"{API}/applications/",
        {
            "household_size": 1,
            "household_income": "5000.00",
            "current_housing": "overcrowded",
            "compounds": [compound.pk],
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["points"] == 20
    assert body["points_breakdown"] == [{"reason": "You live in overcrowded housing", "points": 20}]
    assert body["position"] == 1
    assert body["standing"] == [
        {"compound": compound.pk, "rank": 1, "free_now": 2, "vacated_last_year": 0, "expected_wait_months": 0}
    ]
    listed = client.get(f"{API}/applications/").json()
    assert listed["count"] == 1 and listed["results"][0]["choices"][0]["can_be_offered"] is True


def test_an_ineligible_application_answers_400_with_the_reasons(client, compound):
    resident = make_applicant(employer=None)
    client.force_login(resident.user)

    response = client.post(
        f"{API}/applications/",
        {
            "household_size": 1,
            "household_income": "5000",
            "current_housing": "adequate",
            "compounds": [compound.pk],
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "employed in Kunshan" in response.json()["detail"]


def test_another_residents_application_is_not_found_and_employers_are_forbidden(client, compound):
    application = apply(None, compound)
    client.force_login(make_applicant().user)
    assert client.get(f"{API}/applications/{application.pk}/").status_code == 404
    assert client.post(f"{API}/applications/{application.pk}/withdraw/").status_code == 404

    employer_account = make_user("hr")
    make_employer().accounts.add(employer_account)
    client.force_login(employer_account)
    assert client.get(f"{API}/applications/").status_code == 403


def test_a_resident_accepts_an_offer_through_the_api(client, compound, caseworker):
    application = apply(None, compound)
    services.round_run(
        round=services.round_create(name="r", kind="allocation", actor=caseworker), actor=caseworker
    )
    offer = Offer.objects.get()
    client.force_login(application.resident.user)

    listed = client.get(f"{API}/offers/").json()
    response = client.post(f"{API}/offers/{offer.pk}/accept/")
    again = client.post(f"{API}/offers/{offer.pk}/accept/")

    assert listed["results"][0]["monthly_cost"] == "300.00"
    assert response.status_code == 201 and response.json()["rent"] == "300.00"
    assert again.status_code == 400 and again.json()["detail"] == "This offer is no longer open."
    tenancies = client.get(f"{API}/tenancies/").json()
    assert tenancies["results"][0]["place"]["compound"] == compound.pk


def test_the_compound_list_and_an_employers_dormitories(client, compound):
    employer = make_employer()
    hr = make_user("hr")
    employer.accounts.add(hr)
    dormitory = make_compound(kind="dormitory", owner=employer)
    let(make_beds(dormitory, 2, rent="0")[0])
    client.force_login(hr)

    compounds = client.get(f"{API}/compounds/", {"kind": "public"}).json()
    dormitories = client.get(f"{API}/dormitories/").json()

    assert [c["id"] for c in compounds["results"]] == [compound.pk]
    assert compounds["results"][0]["bed_rent_from"] == "300.00"
    assert dormitories == [
        {
            "compound": dormitory.pk, "name": str(dormitory), "places": 2, "occupied": 1, "offered": 0, "free": 1,
            "occupancy_percent": "50.0", "buildings": [{"building": "1", "places": 2, "occupied": 1, "free": 1}],
        }
    ]  # fmt: skip


def test_a_resident_sees_no_dormitories(client):
    client.force_login(make_applicant().user)
    assert client.get(f"{API}/dormitories/").status_code == 403

import pytest
from rest_framework.test import APIClient

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

API = "/api/v1/education"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def schools(db):
    return [make_school(town="yushan"), make_school(town="bacheng", kind="dedicated")]


def test_schools_and_cutoffs_are_public(api, schools):
    response = api.get(f"{API}/schools/", {"town": "bacheng", "kind": "dedicated", "grade": 1})
    assert response.status_code == 200
    codes = [s["code"] for s in response.json()["results"]]
    assert schools[1].code in codes and schools[0].code not in codes
    assert codes == ["bacheng-chunlei", schools[1].code]  # the seeded dedicated school of Bacheng, and ours
    assert api.get(f"{API}/cut-offs/").status_code == 200


def test_a_parent_applies_through_the_api_and_sees_the_facts(api, schools):
    # given
    parent = make_parent()
    child = make_school_child(parent)
    api.force_authenticate(parent.user)

    # when
    response = api.post(
        f"{API}/applications/",
        {
            "child": child.pk,
            "school_year": make_school_year().pk,
            "grade": 1,
            "schools": [schools[1].pk, schools[0].pk],
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "submitted" and body["lottery"] > 0
    assert [c["school"]["id"] for c in body["choices"]] == [schools[1].pk, schools[0].pk]
    assert body["facts"]["choices"] == [
        {"rank": 1, "school": schools[1].pk, "catchment": False, "sibling": False},
        {"rank": 2, "school": schools[0].pk, "catchment": True, "sibling": False},
    ]
    assert body["facts"]["frozen_in_round"] is None


def test_a_refusal_is_a_400_with_the_field(api, schools):
    parent = make_parent()
    child = make_school_child(parent, grade=1)
    api.force_authenticate(parent.user)

    response = api.post(
        f"{API}/applications/",
        {"child": child.pk, "school_year": make_school_year().pk, "grade": 2, "schools": [schools[0].pk]},
        format="json",
    )

    assert response.status_code == 400
    assert "too young" in response.json()["detail"] and "grade" in response.json()["errors"]


def test_another_familys_child_is_not_a_choice(api, schools):
    parent = make_parent()
    api.force_authenticate(parent.user)
    response = api.post(
        f"{API}/applications/",
        {"child": make_school_child(make_parent()).pk, "school_year": make_school_year().pk, "grade": 1,
         "schools": [schools[0].pk]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "child" in response.json()["errors"]


def test_lists_hold_only_the_callers_own_and_others_answer_404(api, schools):
    mine = make_application(schools=schools)
    theirs = make_application(schools=schools)
    api.force_authenticate(mine.parent.user)

    listed = api.get(f"{API}/applications/").json()
    assert [a["id"] for a in listed["results"]] == [mine.pk]
    assert api.get(f"{API}/applications/{theirs.pk}/").status_code == 404
    assert api.post(f"{API}/applications/{theirs.pk}/withdraw/").status_code == 404


@pytest.mark.parametrize("role", [roles.EMPLOYER, roles.OFFICIAL])
def test_applications_are_for_residents_only(api, db, role):
    api.force_authenticate(make_user(None, role))
    assert api.get(f"{API}/applications/").status_code == 403
    assert api.get(f"{API}/offers/").status_code == 403


def test_anonymous_callers_get_401_or_403(api, db):
    assert api.get(f"{API}/applications/").status_code in (401, 403)


def test_the_parent_answers_an_offer_and_reads_the_results(api, schools):
    # given
    make_seats(schools[0], 1)
    make_seats(schools[1], 1)
    first = make_application(schools=schools)
    second = make_application(schools=schools)
    Application.objects.filter(pk=first.pk).update(lottery=1)
    Application.objects.filter(pk=second.pk).update(lottery=2)
    run_round(make_caseworker())
    api.force_authenticate(second.parent.user)

    # when
    (offer,) = api.get(f"{API}/offers/").json()["results"]
    accepted = api.post(f"{API}/offers/{offer['id']}/accept/")
    detail = api.get(f"{API}/applications/{second.pk}/").json()

    # then
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert Enrolment.objects.get(offer_id=offer["id"]).school == schools[1]
    (result,) = detail["results"]
    assert result["school"] == schools[1].pk
    assert result["refusals"][0]["reason"] == "lottery"
    assert "lottery 1" in result["refusals"][0]["cutoff"]
    assert detail["state"] == "placed"
    assert api.post(f"{API}/offers/{Offer.objects.get(application=first).pk}/decline/").status_code == 404


def test_changing_the_schools_through_the_api(api, schools):
    application = make_application(schools=schools[:1])
    api.force_authenticate(application.parent.user)

    response = api.put(
        f"{API}/applications/{application.pk}/schools/", {"schools": [schools[1].pk]}, format="json"
    )

    assert response.status_code == 200
    assert [c["school"]["id"] for c in response.json()["choices"]] == [schools[1].pk]

"""The residents' API: own profile and family only; session and token authentication."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from kunshan_portal import roles
from residents.models import FamilyMember
from tests.factories import make_child, make_employer, make_resident, new_id_number

ME = "/api/v1/residents/me/"
FAMILY = "/api/v1/residents/me/family/"


@pytest.fixture
def resident(db):
    return make_resident(name="李娜", birth_date=date(1990, 5, 17))


@pytest.fixture
def api(resident):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(resident.user)
    return client


def test_the_profile_shows_the_number_masked_with_what_it_says(api, resident):
    data = api.get(ME).json()
    assert data["id_number"] == resident.id_number_masked and resident.id_number not in str(data)
    assert data["birth_date"] == "1990-05-17" and data["gender"] in ("male", "female")
    assert data["home_province_code"] == resident.id_number[:2] and data["home_province"]
    assert (data["name"], data["state"], data["town"]) == ("李娜", "verified", "yushan")


def test_the_editable_details_are_changed_through_the_service(api, resident):
    employer = make_employer()
    response = api.patch(
        ME,
        {"address": "花桥镇 5 号", "town": "huaqiao", "employer": employer.uscc, "skills": ["forklift"],
         "language": "en"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    resident.refresh_from_db()
    assert (resident.address, resident.town.code, resident.employer) == ("花桥镇 5 号", "huaqiao", employer)
    assert response.json()["skills"] == ["forklift"] and resident.user.language == "en"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "Someone else"}, "name", "cannot be changed here"),
        ({"id_number": new_id_number()}, "id_number", "cannot be changed here"),
        ({"phone": "123"}, "phone", "Enter a mainland mobile number"),
        ({"arrival_date": "2999-01-01"}, "arrival_date", "future"),
        ({"employer": "91320583MA00000000"}, "employer", "credit code"),
    ],
)
def test_bad_changes_answer_400_with_the_field_and_change_nothing(api, resident, change, field, message):
    response = api.patch(ME, change, format="json")
    assert response.status_code == 400
    body = response.json()
    assert message in " ".join(body["errors"][field]) and body["detail"]
    resident.refresh_from_db()
    assert resident.name == "李娜" and resident.phone != "123"


def test_unauthenticated_callers_are_refused(db):
    for url in (ME, FAMILY):
        assert APIClient().get(url).status_code in (401, 403)


def test_accounts_without_a_resident_record_are_refused(make_user, db):
    client = APIClient()
    client.force_authenticate(make_user("hr", roles.EMPLOYER))
    assert client.get(ME).status_code == 403 and client.get(FAMILY).status_code == 403


def test_family_members_are_listed_created_renamed_and_removed(api, resident):
    make_child(resident, name="李一")
    make_child(make_resident(), name="别人家的孩子")
    # list: only the caller's own
    listed = api.get(FAMILY).json()
    assert [m["name"] for m in listed["results"]] == ["李一"] and listed["count"] == 1
    # create
    number = new_id_number(date(2019, 3, 1))
    created = api.post(FAMILY, {"relation": "child", "name": "李二", "id_number": number}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (
        body["birth_date"] == "2019-03-01"
        and body["id_number"] != number
        and body["id_number"].endswith(number[-4:])
    )
    # rename
    renamed = api.patch(f"{FAMILY}{body['id']}/", {"name": "李贰"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "李贰"
    # remove
    assert api.delete(f"{FAMILY}{body['id']}/").status_code == 204
    assert not FamilyMember.objects.filter(pk=body["id"]).exists()


def test_a_wrong_family_member_answers_400(api):
    response = api.post(FAMILY, {"relation": "child", "name": "李二", "id_number": "123"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["id_number"] == ["An identity number has 18 characters."]


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_residents_family_member_answers_404(api, method):
    stranger = make_child(make_resident(), name="别人家的孩子")
    response = getattr(api, method)(f"{FAMILY}{stranger.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.name == "别人家的孩子"


def test_a_token_for_the_phone_and_password_opens_the_api_and_can_be_revoked(resident):
    anonymous = APIClient()
    wrong = anonymous.post("/api/v1/residents/token/", {"phone": resident.phone, "password": "nope"})
    assert wrong.status_code in (401, 403)
    response = anonymous.post(
        "/api/v1/residents/token/", {"phone": resident.phone, "password": "Kunshan-2026!"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    app = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert app.get(ME).json()["name"] == "李娜"
    assert app.delete("/api/v1/residents/token/").status_code == 204
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(ME).status_code in (401, 403)


def test_a_revoked_token_or_an_inactive_account_is_refused_with_the_reason(resident):
    # given: a token, then the account made inactive
    token = (
        APIClient()
        .post("/api/v1/residents/token/", {"phone": resident.phone, "password": "Kunshan-2026!"})
        .json()["token"]
    )
    type(resident.user).objects.filter(pk=resident.user_id).update(is_active=False)

    # when
    inactive = APIClient(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en").get(ME)
    unknown = APIClient(HTTP_AUTHORIZATION=f"Token {token[::-1]}", HTTP_ACCEPT_LANGUAGE="en").get(ME)
    chinese = APIClient(HTTP_AUTHORIZATION=f"Token {token[::-1]}").get(ME)

    # then: refused (403, as for any call the session scheme refuses first), saying why
    assert inactive.status_code == 403 and inactive.json()["detail"] == "User inactive or deleted."
    assert unknown.status_code == 403 and unknown.json()["detail"] == "Invalid token."
    assert chinese.status_code == 403 and chinese.json()["detail"] == "认证令牌无效。"


def test_a_logged_in_session_gets_its_token_without_the_password(client, resident):
    client.force_login(resident.user)
    response = client.post("/api/v1/residents/token/")
    assert response.status_code == 200 and len(response.json()["token"]) == 40


@pytest.mark.parametrize("mfa_on", [True, False])
def test_staff_cannot_take_an_api_token_when_a_second_factor_guards_them(client, make_user, settings, mfa_on):
    settings.KUNSHAN_STAFF_MFA = mfa_on
    make_user("cw_token", "caseworker_residents")
    response = client.post(
        "/api/v1/residents/token/",
        {"phone": "cw_token", "password": "Kunshan-2026!"},
        content_type="application/json",
    )
    assert response.status_code == (403 if mfa_on else 200)

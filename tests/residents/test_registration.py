"""Registration as a browser does it: the details, the confirmation with what the number says, the account."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kunshan_portal.models import User
from residents.idcard import make_id_number
from residents.models import Resident, Skill, Town
from tests.factories import make_employer, make_resident, new_id_number

URL = "/residents/register/"
NUMBER = make_id_number("340121", date(1990, 5, 17), 123)  # Anhui, a man
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def details(**overrides) -> dict:
    data = {
        "step": "details",
        "phone": "13700000001",
        "name": "李娜",
        "id_number": NUMBER,
        "arrival_date": "2021-03-01",
        "town": str(Town.objects.get(code="zhoushi").pk),
        "address": "周市镇长江北路 8 号",
        "employer": "",
        "education": "vocational",
        "skills": [str(Skill.objects.get(code="forklift").pk)],
        "certificates": [],
        "language": "en",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def final(**overrides) -> dict:
    values = {
        "step": "confirm",
        "password1": "Blue-river-2026",
        "password2": "Blue-river-2026",
        "consent": "on",
    }
    return details(**{**values, **overrides})


def page(response) -> str:
    return response.content.decode()


def test_the_form_is_labelled_and_says_what_an_identity_number_looks_like(client, db):
    html = page(client.get(URL, **EN))
    for name in ("phone", "name", "id_number", "arrival_date", "town", "address", "employer", "education"):
        assert f'<label for="id_{name}">' in html
    assert "17 digits, then a digit or X" in html
    assert 'aria-describedby="id_id_number_helptext"' in html
    assert "<legend>Skills" in html and "Yushan" in html and "forklift driving" in html
    assert 'name="password1"' not in html  # chosen on the confirmation step


def test_registration_as_a_browser_posts_it(client, db):
    # when the details are sent
    response = client.post(URL, details(), **EN)
    # then they are shown back with what the identity number says, and nothing is written yet
    html = page(response)
    assert response.status_code == 200
    assert "1990-05-17" in html and ">male<" in html and "Anhui" in html and "3401**********1236" in html
    assert f'type="hidden" name="id_number" value="{NUMBER}"' in html
    assert 'name="password1"' in html and "stated uses" not in html
    assert "only to verify my registration" in html  # the consent text
    assert not Resident.objects.exists()
    # when they are confirmed with a password and consent
    response = client.post(URL, final(), **EN)
    # then the resident is registered, logged in and sent to their page with a message
    assert response.status_code == 302 and response.url == reverse("residents:me")
    resident = Resident.objects.get()
    assert (resident.name, resident.state, resident.user.username) == ("李娜", "pending", "13700000001")
    assert resident.user.language == "en" and response.cookies["django_language"].value == "en"
    html = page(client.get(response.url))
    assert "Welcome, 李娜" in html and "pending verification" in html


def test_a_wrong_number_comes_back_on_its_field_with_everything_typed_kept(client, db):
    wrong = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
    html = page(client.post(URL, details(id_number=wrong), **EN))
    assert "The last character (the check character) does not match" in html
    assert 'aria-invalid="true"' in html and 'id="id_id_number_error"' in html
    assert f'value="{wrong}"' in html and 'value="李娜"' in html and 'value="周市镇长江北路 8 号"' in html
    assert 'value="2021-03-01"' in html
    forklift = Skill.objects.get(code="forklift").pk
    assert f'value="{forklift}" id="id_skills_' in html and "checked" in html
    assert not Resident.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": NUMBER[:10]}, "An identity number has 18 characters."),
        ({"phone": "0512-555"}, "Enter a mainland mobile number"),
        ({"arrival_date": "1985-01-01"}, "cannot be before the date of birth"),
        ({"arrival_date": "2999-01-01"}, "cannot be in the future"),
        ({"town": ""}, "This field is required."),
        ({"employer": "91320583MA0000000X"}, "credit code does not match"),
        ({"employer": "No Such Company"}, "No registered employer has this name"),
    ],
)
def test_details_errors_are_shown_on_the_page(client, db, overrides, message):
    html = page(client.post(URL, details(**overrides), **EN))
    assert message in html
    assert "Register as a new resident" in html and not Resident.objects.exists()


def test_the_employer_is_found_by_credit_code_or_by_name(client, db):
    employer = make_employer(name="Kunshan Bright Bikes")
    client.post(URL, details(employer=employer.uscc.lower()), **EN)
    html = page(client.post(URL, details(employer="kunshan bright bikes"), **EN))
    assert "Kunshan Bright Bikes" in html
    client.post(URL, final(employer=employer.uscc), **EN)
    assert Resident.objects.get().employer == employer


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password2": "Other-river-2026"}, "The two passwords differ."),
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password1": "13700000001", "password2": "13700000001"}, "too similar"),
        ({"consent": None}, "Registration needs your consent"),
    ],
)
def test_password_and_consent_errors_stay_on_the_confirmation_step(client, db, overrides, message):
    html = page(client.post(URL, final(**overrides), **EN))
    assert message in html
    assert "Check your details" in html and f'name="id_number" value="{NUMBER}"' in html
    assert 'value="Blue-river-2026"' not in html and 'value="password"' not in html  # passwords never echoed
    assert not Resident.objects.exists()


def test_going_back_from_the_confirmation_keeps_everything(client, db):
    html = page(client.post(URL, details(step="edit"), **EN))
    assert "Register as a new resident" in html and 'value="李娜"' in html and f'value="{NUMBER}"' in html
    assert "This field is required" not in html


def test_a_number_already_registered_gets_a_clear_message_and_no_second_row(client, db):
    make_resident(id_number=NUMBER)
    html = page(client.post(URL, details(), **EN))
    assert "This identity number is already registered" in html
    html = page(client.post(URL, final(), **EN))
    assert "This identity number is already registered" in html
    assert Resident.objects.count() == 1 and not User.objects.filter(username="13700000001").exists()


def test_a_mobile_number_with_an_account_is_told_to_log_in(client, db, make_user):
    make_user("13700000001")
    assert "Log in instead" in page(client.post(URL, details(), **EN))


def test_a_registered_resident_is_sent_to_their_page(client, db):
    resident = make_resident()
    client.force_login(resident.user)
    assert client.get(URL).url == reverse("residents:me")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_confirming_one_number_at_once_get_one_registration_and_one_clear_message():
    # given two browsers on the confirmation step with the same identity number
    number, start, responses = new_id_number(), threading.Barrier(2), {}

    def confirm(phone):
        try:
            browser = Client()
            start.wait(10)
            responses[phone] = browser.post(URL, final(id_number=number, phone=phone), **EN)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(phone,)) for phone in ("13700000001", "13700000002")]
    # when both confirm at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # then exactly one is registered and the other reads that the number is registered already
    codes = sorted(r.status_code for r in responses.values())
    assert codes == [200, 302]
    refused = next(r for r in responses.values() if r.status_code == 200)
    assert "This identity number is already registered" in page(refused)
    assert Resident.objects.count() == 1 and User.objects.count() == 1

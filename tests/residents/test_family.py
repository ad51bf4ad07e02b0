"""The resident's family pages: add a spouse or child, correct a name, remove; nobody reaches another's."""

from datetime import date

import pytest
from django.urls import reverse

from residents.models import FamilyMember
from tests.factories import make_child, make_resident, new_id_number

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def resident(db):
    return make_resident(birth_date=date(1988, 4, 1))


@pytest.fixture
def browser(client, resident):
    client.force_login(resident.user)
    return client


def test_a_child_is_added_with_the_birth_date_read_from_the_number(browser, resident):
    number = new_id_number(date(2016, 9, 3))
    form = browser.get(reverse("residents:family-add"), **EN).content.decode()
    assert '<label for="id_id_number">' in form and "<legend>Relation" in form
    # when
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    response = browser.post(
        reverse("residents:family-add"), {"relation": "child", "name": "李小明", "id_number": spaced}
    )
    # then
    assert response.status_code == 302
    child = FamilyMember.objects.get(resident=resident)
    assert (child.relation, child.name, child.birth_date, child.id_number) == (
        "child", "李小明", date(2016, 9, 3), number,
    )  # fmt: skip
    html = browser.get(reverse("residents:me"), **EN).content.decode()
    assert "李小明" in html and "2016-09-03" in html and child.id_number_masked in html and number not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"relation": "child", "id_number": "123"}, "An identity number has 18 characters."),
        ({"relation": "child", "id_number": new_id_number(date(1980, 1, 1))}, "after the parent"),
        ({"relation": "", "id_number": new_id_number(date(2015, 1, 1))}, "This field is required."),
    ],
)
def test_a_wrong_family_member_is_refused_with_what_was_typed_kept(browser, resident, data, message):
    html = browser.post(reverse("residents:family-add"), {"name": "李小明", **data}, **EN).content.decode()
    assert message in html and 'value="李小明"' in html
    assert not FamilyMember.objects.exists()


def test_a_second_spouse_is_refused(browser, resident):
    url = reverse("residents:family-add")
    browser.post(url, {"relation": "spouse", "name": "王强", "id_number": new_id_number(date(1987, 1, 1))})
    html = browser.post(
        url, {"relation": "spouse", "name": "赵六", "id_number": new_id_number(date(1987, 2, 1))}, **EN
    ).content.decode()
    assert "A spouse is already recorded." in html
    assert FamilyMember.objects.filter(relation="spouse").count() == 1


def test_a_name_is_corrected_and_a_member_removed(browser, resident):
    child = make_child(resident, name="李小名")
    response = browser.post(reverse("residents:family-edit", args=[child.pk]), {"name": "李小明"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.name == "李小明"
    confirm = browser.get(reverse("residents:family-remove", args=[child.pk]), **EN).content.decode()
    assert "Remove 李小明" in confirm
    assert FamilyMember.objects.filter(pk=child.pk).exists()  # asking is not removing
    browser.post(reverse("residents:family-remove", args=[child.pk]))
    assert not FamilyMember.objects.filter(pk=child.pk).exists()


@pytest.mark.parametrize("name", ["residents:family-edit", "residents:family-remove"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_residents_family_member_answers_404(browser, name, method):
    stranger = make_child(make_resident())
    response = getattr(browser, method)(reverse(name, args=[stranger.pk]), {"name": "x"})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.name != "x"

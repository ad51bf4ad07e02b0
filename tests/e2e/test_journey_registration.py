"""A new resident registers on their phone: a mistyped identity number is refused with a clear message, the
right one goes through; they log in again and add their child; the family page reads in English too."""

from datetime import date

from residents.models import FamilyMember, Resident
from tests.factories import new_id_number

from .journeys import PASSWORD, button, en, log_out, messages, submit, switch_language, zh

PHONE = "13912340001"


def test_registration_resident_registers_logs_in_and_adds_a_child(page, shoot, axe_check, login):
    own_number = new_id_number(date(1994, 8, 12), region="340121")  # Anhui, Hefei
    mistyped = own_number[:-1] + ("1" if own_number[-1] != "1" else "2")
    child_number = new_id_number(date(2019, 3, 2), region="340121")

    page.goto("/")
    submit(page, page.get_by_role("link", name=zh("Register"), exact=True))
    assert page.locator("h1").inner_text() == zh("Register as a new resident")
    axe_check(page)
    page.fill("#id_name", "李娜")
    page.fill("#id_id_number", mistyped)
    page.fill("#id_phone", PHONE)
    page.fill("#id_arrival_date", "2021-03-15")
    page.get_by_label(zh("Town or zone where you live")).select_option(label="周市镇")
    page.fill("#id_address", "周市镇青阳北路 8 号 3 幢 201 室")
    page.get_by_label(zh("Education")).select_option("senior")
    page.get_by_label("电子装配").check()
    shoot(page, "details")
    submit(page, button(page, zh("Next: check your details")))

    # the mistyped number comes back on its field, with everything else kept
    error = zh("The last character (the check character) does not match the number: please check it.")
    assert page.locator("#id_id_number_error").inner_text() == error
    assert page.input_value("#id_address") == "周市镇青阳北路 8 号 3 幢 201 室"
    assert page.get_by_label("电子装配").is_checked()
    shoot(page, "bad-id-refused")
    assert not Resident.objects.exists()

    page.fill("#id_id_number", own_number)
    submit(page, button(page, zh("Next: check your details")))
    assert page.locator("h1").inner_text() == zh("Check your details")
    derived = page.locator("#derived-heading + dl").inner_text()
    assert "1994-08-12" in derived and "安徽" in derived and own_number not in derived
    axe_check(page)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("#id_consent").check()
    shoot(page, "confirm")
    submit(page, button(page, zh("Register")))

    assert page.locator("h1").inner_text() == zh("My page: %(name)s", name="李娜")
    welcome = zh(
        "Welcome, %(name)s. Your registration is waiting for a caseworker to check your documents: "
        "you will get a notice when it is done.",
        name="李娜",
    )
    assert welcome in messages(page)
    assert page.locator("#status .status").inner_text() == zh("pending verification")
    shoot(page, "my-page-pending")
    resident = Resident.objects.get(phone=PHONE)
    assert resident.state == Resident.State.PENDING and resident.id_number == own_number

    # log out, and back in with the mobile number
    log_out(page)
    login(page, PHONE, PASSWORD)
    assert page.locator("h1").inner_text() == zh("My page: %(name)s", name="李娜")

    submit(page, page.get_by_role("link", name=zh("Add a family member"), exact=True))
    axe_check(page)
    page.get_by_label(zh("child"), exact=True).check()
    page.fill("#id_name", "王小宝")
    page.fill("#id_id_number", child_number)
    shoot(page, "add-child")
    submit(page, button(page, zh("Add")))
    assert zh("%(name)s was added to your family.", name="王小宝") in messages(page)
    family = page.locator("#family")
    assert "王小宝" in family.inner_text() and "2019-03-02" in family.inner_text()
    assert child_number not in family.inner_text()  # shown masked
    axe_check(page)
    shoot(page, "family")
    child = FamilyMember.objects.get(resident=resident)
    assert (child.relation, child.birth_date) == ("child", date(2019, 3, 2))

    switch_language(page, "en")
    assert page.locator("h1").inner_text() == en("My page: %(name)s", name="李娜")
    assert page.locator("#family-heading").inner_text() == "My family"
    assert "王小宝" in page.locator("#family").inner_text()
    shoot(page, "family-en")

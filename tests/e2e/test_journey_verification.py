"""A residents caseworker finds a pending registration in the admin and verifies it; the resident logs in
and reads the notice, and their page shows the resident card number."""

from kunshan_portal import roles
from residents.models import Resident
from tests.factories import make_resident, make_user

from .journeys import button, log_out, messages, open_notices, submit, zh


def test_verification_caseworker_verifies_resident_reads_the_notice(page, shoot, axe_check, login):
    resident = make_resident(
        verified=False, name="赵磊", user=make_user("13912340002", roles.RESIDENT, language="zh-hans")
    )
    make_resident(verified=False, name="钱芳")  # another registration waiting in the same list
    make_user("cw-residents", roles.CASEWORKER_GROUPS["residents"], is_staff=True, language="zh-hans")

    login(page, "cw-residents")
    assert "/admin/" in page.url
    submit(page, page.locator("#content-main a[href$='/residents/resident/']").first)
    page.fill("#searchbar", "赵")
    submit(page, page.locator("#changelist-search [type=submit]"))
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "赵磊" in rows.first.inner_text()
    assert zh("pending verification") in rows.first.inner_text()
    axe_check(page)  # the caseworkers' admin is held to the same accessibility rules as the portal
    shoot(page, "admin-list")
    submit(page, rows.first.get_by_role("link", name="赵磊"))
    axe_check(page)
    shoot(page, "admin-resident")
    submit(page, button(page, zh("Verify and issue a card number")))

    resident.refresh_from_db()
    assert resident.state == Resident.State.VERIFIED and resident.card_number
    done = zh(
        "%(name)s is verified; resident card number %(card)s. The resident has been told.",
        name="赵磊",
        card=resident.card_number,
    )
    assert done in page.locator(".messagelist").inner_text()
    assert page.locator("#verify-form").count() == 0  # decided once, the button is gone
    shoot(page, "admin-verified")
    log_out(page)

    login(page, resident.user.username)
    assert page.locator(".badge").inner_text() == "1"
    assert page.locator("#status .status").inner_text() == zh("verified")
    assert resident.card_number in page.locator("#status").inner_text()
    shoot(page, "my-page-verified")
    open_notices(page)
    notice = page.locator(".notice").first
    assert zh("verified") in notice.inner_text() and zh("registration") in notice.inner_text()
    axe_check(page)
    shoot(page, "notice")
    submit(page, notice.get_by_role("button", name=zh("Mark as read")))
    assert page.locator(".badge").count() == 0
    assert "赵磊" not in messages(page)

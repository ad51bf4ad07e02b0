"""A worker asks for legal aid over unpaid wages and attaches the labour contract; the station's caseworker
examines, accepts and assigns the case to a lawyer in the admin; the lawyer closes it with the amount
recovered; the worker follows every step on the case's timeline."""

from decimal import Decimal

from kunshan_portal import roles
from legal_aid.models import Case, StationStaff
from tests.factories import make_employer, make_resident, make_user
from tests.legal_aid.factories import PDF, make_staff, station

from .journeys import log_out, messages, nav, submit, zh


def _act(page, action: str, fill=None) -> None:
    """On the admin's case page: follow an action link, fill its form, confirm."""
    submit(page, page.locator(".object-tools").get_by_role("link", name=zh(action), exact=True))
    if fill:
        fill()
    submit(page, page.locator("#content form input[type=submit]"))
    assert zh("%(action)s: done.", action=zh(action)) in page.locator(".messagelist").inner_text()


def test_legal_aid_resident_files_case_staff_accept_assign_close(page, shoot, axe_check, login):
    employer = make_employer(name="昆山宏达电子有限公司")
    resident = make_resident(name="冯亮", user=make_user("13912340007", roles.RESIDENT, language="zh-hans"))
    caseworker = make_staff("yushan", StationStaff.Role.CASEWORKER).user
    lawyer = make_staff("yushan", StationStaff.Role.LAWYER).user

    login(page, resident.user.username)
    nav(page, zh("Legal aid"))
    submit(page, page.get_by_role("link", name=zh("Ask for help or file a complaint")))
    axe_check(page)
    page.locator("input[name=kind][value=aid]").check()
    page.locator("input[name=category][value=unpaid_wages]").check()
    submit(page, page.get_by_role("button", name=zh("Next")))
    assert zh("Wage and work-injury claims need no proof of your income.") in page.content()
    page.locator("#id_station").select_option(str(station("yushan").pk))
    page.get_by_label(zh("Employer's unified social credit code")).fill(employer.uscc)
    page.locator("#id_amount_claimed").fill("12800")
    page.get_by_label(zh("What happened")).fill("2026 年 9 月和 10 月的工资一直没有发，共 12800 元。")
    page.locator("#id_documents").set_input_files(
        files=[{"name": "劳动合同.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    axe_check(page)
    shoot(page, "case-form")
    submit(page, page.get_by_role("button", name=zh("Send")))
    case = Case.objects.get(applicant=resident)
    assert case.reference in messages(page)
    assert "劳动合同.pdf" in page.content()
    shoot(page, "case-filed")
    log_out(page)

    # the station's caseworker examines, accepts and assigns it
    login(page, caseworker.username)
    page.goto("/admin/legal_aid/case/")
    submit(page, page.get_by_role("link", name=case.reference))
    assert "劳动合同.pdf" in page.content()
    shoot(page, "admin-case")
    _act(page, "Examine")
    _act(page, "Accept")
    _act(page, "Assign", lambda: page.locator("#id_staff").select_option(index=1))
    case.refresh_from_db()
    assert (case.state, case.assignee) == (Case.State.ASSIGNED, lawyer)
    shoot(page, "admin-assigned")
    log_out(page)

    # the lawyer settles it and records what was recovered
    login(page, lawyer.username)
    page.goto("/admin/legal_aid/case/")
    submit(page, page.get_by_role("link", name=case.reference))

    def outcome():
        page.locator("#id_outcome").select_option("settled")
        page.locator("#id_amount_recovered").fill("12800")
        page.locator("#id_note").fill("双方调解达成一致，工资已全额支付。")

    _act(page, "Close with the outcome", outcome)
    case.refresh_from_db()
    assert (case.state, case.amount_recovered) == (Case.State.CLOSED, Decimal("12800.00"))
    shoot(page, "admin-closed")
    log_out(page)

    # the worker follows the timeline
    login(page, resident.user.username)
    nav(page, zh("Legal aid"))
    submit(page, page.get_by_role("link", name=case.reference))
    assert zh("closed") in page.locator(".status").first.inner_text()
    timeline = page.locator(".timeline").inner_text()
    for state in ("examined", "accepted", "assigned", "closed"):
        assert zh(state) in timeline
    assert "双方调解达成一致，工资已全额支付。" in timeline
    axe_check(page)
    shoot(page, "timeline")

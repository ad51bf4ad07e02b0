"""An employer enrols a worker in social insurance; an insurance caseworker runs last month's contributions
in the admin (workers compute the lines); the worker sees the month's lines and their account balances."""

from datetime import date

from insurance.models import ContributionRun, Enrolment
from insurance.selectors import last_closed_period
from kunshan_portal import roles
from tests.factories import make_resident, make_user
from tests.insurance.factories import make_employer_account

from .journeys import log_out, messages, nav, reload_until, submit, zh


def test_insurance_employer_enrols_run_completes_resident_sees_lines(page, shoot, axe_check, login, workers):
    employer, hr = make_employer_account(language="zh-hans")
    employer.name = "昆山精密电子有限公司"
    employer.save(update_fields=["name"])
    resident = make_resident(
        name="郑浩", birth_date=date(1990, 5, 17),
        user=make_user("13912340006", roles.RESIDENT, language="zh-hans"),
    )  # fmt: skip
    make_user("cw-insurance", roles.CASEWORKER_GROUPS["insurance"], is_staff=True, language="zh-hans")
    month = last_closed_period()

    login(page, hr.username)
    nav(page, zh("Insurance of our staff"))
    axe_check(page)
    submit(page, page.get_by_role("link", name=zh("Enrol an employee")).first)
    page.get_by_label(zh("Employee's identity number")).fill(resident.id_number)
    page.get_by_label(zh("Start date")).fill(month.isoformat())
    page.get_by_label(zh("Monthly wage (yuan)")).fill("6000")
    axe_check(page)
    shoot(page, "enrol")
    submit(page, page.locator("main form button[type=submit]").last)
    assert zh("%(name)s is enrolled.", name="郑浩") in messages(page)
    shoot(page, "enrolled")
    assert Enrolment.objects.get(resident=resident).employer == employer
    log_out(page)

    # the caseworker runs last month: choose it, read what the run will do, confirm
    login(page, "cw-insurance")
    page.goto("/admin/insurance/contributionrun/")
    submit(page, page.get_by_role("link", name=zh("Run a month")))
    assert page.locator("input[name=period]").input_value() == month.strftime("%Y-%m")
    submit(page, page.locator("input[type=submit]"))
    assert "1" in page.locator("#content").inner_text()  # one enrolment owes the month
    shoot(page, "run-confirm")
    submit(page, page.locator("input[type=submit]").first)
    assert page.locator(".messagelist .success").count() == 1  # the run is queued
    reload_until(page, lambda p: ContributionRun.objects.filter(finished_at__isnull=False).exists())
    page.reload()
    shoot(page, "run-done")
    log_out(page)

    # the worker sees the month's lines and the balances: 8% of 6,000 to the pension account, and 4.5%
    # (age 35 to 44) to the medical account
    login(page, resident.user.username)
    nav(page, zh("Social insurance"))
    balances = page.locator("section[aria-labelledby=balances-heading]").inner_text()
    assert "480.00" in balances and "270.00" in balances
    months = page.locator("section[aria-labelledby=months-heading]").inner_text()
    assert month.strftime("%Y-%m") in months
    # pension: employer 18% and employee 8% of 6,000; all five schemes: 1,758.00 and 660.00
    assert "1080.00\t480.00" in months and "1758.00\t660.00" in months
    assert "昆山精密电子有限公司" in page.locator("section[aria-labelledby=enrolments-heading]").inner_text()
    axe_check(page)
    shoot(page, "my-insurance")

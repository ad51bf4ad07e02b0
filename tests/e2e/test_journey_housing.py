"""A resident applies for a bed in a blue-collar compound; a housing caseworker previews and runs an
allocation round in the admin (a worker makes the offers); the resident accepts the offer and moves in."""

from housing.models import AllocationRound, Tenancy
from kunshan_portal import roles
from tests.factories import make_employer, make_resident, make_user
from tests.housing.factories import make_beds, make_compound

from .journeys import button, log_out, messages, nav, reload_until, submit, zh


def test_housing_resident_applies_round_runs_resident_accepts(page, shoot, axe_check, login, workers):
    compound = make_compound(name_zh="花桥蓝领公寓", name_en="Huaqiao Blue-collar Apartments")
    make_beds(compound, 2, rent="280.00")
    make_compound(name_zh="陆家人才公寓", name_en="Lujia Talent Apartments")
    resident = make_resident(
        name="周敏",
        employer=make_employer(),
        user=make_user("13912340004", roles.RESIDENT, language="zh-hans"),
    )
    make_user("cw-housing", roles.CASEWORKER_GROUPS["housing"], is_staff=True, language="zh-hans")

    login(page, resident.user.username)
    nav(page, zh("Housing"))
    submit(page, page.get_by_role("link", name=zh("Apply for a place")))
    axe_check(page)
    page.get_by_label(zh("People in your household")).fill("1")
    page.get_by_label(zh("Household monthly income (yuan)")).fill("5200")
    page.locator("input[name=current_housing][value=overcrowded]").check()
    page.get_by_label(zh("First choice")).select_option(str(compound.pk))
    shoot(page, "apply")
    submit(page, button(page, zh("Apply")))
    application = resident.housing_applications.get()
    assert zh("You are on the waiting list with %(points)d points.", points=application.points) in messages(
        page
    )
    assert application.points >= 20  # overcrowded
    shoot(page, "waiting-list")
    log_out(page)

    # the caseworker creates a round, reads the preview and runs it
    login(page, "cw-housing")
    page.goto("/admin/housing/allocationround/add/")
    page.fill("#id_name", "十二月第一轮")
    submit(page, page.locator("input[name=_save]"))
    preview = page.locator("#content").inner_text()
    assert "周敏" in preview and "花桥蓝领公寓" in preview
    shoot(page, "round-preview")
    submit(
        page,
        page.locator("input[type=submit]")
        .filter(has_text=zh("Run this round"))
        .or_(page.get_by_role("button", name=zh("Run this round"))),
    )
    reload_until(page, lambda p: zh("The offers of this round") in p.content())
    assert AllocationRound.objects.get().placed == 1
    shoot(page, "round-run")
    log_out(page)

    # the resident is told, accepts, and has a home
    login(page, resident.user.username)
    assert page.locator(".badge").count() == 1
    nav(page, zh("Housing"))
    offer = page.locator("section.offer")
    assert "花桥蓝领公寓" in offer.inner_text() and "280.00" in offer.inner_text()
    axe_check(page)
    shoot(page, "offer")
    submit(page, offer.get_by_role("button", name=zh("Accept this place")))
    assert zh("Welcome home: your tenancy begins today.") in messages(page)
    home = page.locator("section[aria-labelledby=home-heading]").inner_text()
    assert "花桥蓝领公寓" in home and "280.00" in home
    shoot(page, "tenancy")
    tenancy = Tenancy.objects.get(resident=resident)
    assert tenancy.place.compound == compound

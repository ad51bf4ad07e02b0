"""A parent ranks two schools for their daughter; an education caseworker freezes and runs the placement
round in the admin (a worker places the children); the parent sees the place, why the first school did not
take her and the published cut-offs, and accepts the place."""

from education.models import Application
from kunshan_portal import roles
from tests.education.factories import (
    make_application,
    make_parent,
    make_school,
    make_school_child,
    make_school_year,
    make_seats,
)
from tests.factories import make_user

from .journeys import button, log_out, messages, nav, reload_until, submit, zh


def test_schools_parent_applies_round_runs_parent_sees_result_and_cutoffs(
    page, shoot, axe_check, login, workers
):
    school_year = make_school_year()
    first = make_school(name_zh="玉山实验小学", name_en="Yushan Experimental Primary", town="yushan")
    second = make_school(
        name_zh="周市新昆山人子弟学校", name_en="Zhoushi School for New Residents", town="zhoushi",
        kind="dedicated",
    )  # fmt: skip
    make_seats(first, 1)
    make_seats(second, 30)
    make_application(schools=[first], town="yushan")  # a child of the first school's catchment
    parent = make_parent(
        "zhoushi", name="吴静", user=make_user("13912340005", roles.RESIDENT, language="zh-hans")
    )
    child = make_school_child(parent, name="吴欣怡")
    make_user("cw-education", roles.CASEWORKER_GROUPS["education"], is_staff=True, language="zh-hans")

    login(page, parent.user.username)
    nav(page, zh("School places"))
    submit(page, page.get_by_role("link", name=zh("Apply for a school place")))
    axe_check(page)
    assert "吴欣怡" in page.locator("#id_child").inner_text()
    page.locator("#id_child").select_option(str(child.pk))
    page.locator("#id_school_year").select_option(str(school_year.pk))
    page.locator("#id_grade").select_option("1")
    assert zh("School ranked %(n)d", n=1) in page.locator("label[for=id_choice_1]").inner_text()
    page.locator("#id_choice_1").select_option(str(first.pk))
    page.locator("#id_choice_2").select_option(str(second.pk))
    shoot(page, "apply")
    submit(page, page.locator("main form button[type=submit]").last)
    assert zh("Your application is received. Its lottery number is drawn.") in messages(page)
    assert "玉山实验小学" in page.content() and "周市新昆山人子弟学校" in page.content()
    shoot(page, "applied")
    application = Application.objects.get(child__name="吴欣怡")
    log_out(page)

    # the caseworker opens a round, freezes the applications, previews and runs it
    login(page, "cw-education")
    page.goto("/admin/education/round/add/")
    page.locator("#id_school_year").select_option(str(school_year.pk))
    submit(page, page.locator("input[name=_save]"))
    submit(page, page.locator("#result_list tbody tr a").first)
    submit(page, button(page, zh("Freeze the applications")))
    submit(page, page.get_by_role("link", name=zh("Preview"), exact=True))
    assert "周市新昆山人子弟学校" in page.locator("#content").inner_text()  # where she would be placed
    shoot(page, "round-preview")
    page.go_back()
    submit(page, page.get_by_role("link", name=zh("Run the round…")))
    submit(page, page.locator("input[type=submit]"))
    reload_until(page, lambda p: p.get_by_role("link", name=zh("Cut-offs"), exact=True).count() > 0)
    shoot(page, "round-done")
    log_out(page)

    # the parent reads the result, why the first school did not take her, and the cut-offs
    login(page, parent.user.username)
    assert page.locator(".badge").count() == 1
    page.goto(application.get_absolute_url())
    offer = page.locator("main section.card")
    assert zh("A place is offered at %(school)s", school="周市新昆山人子弟学校") in offer.inner_text()
    refusals = page.get_by_role("table", name=zh("Why the schools ranked higher did not take your child"))
    assert "玉山实验小学" in refusals.inner_text()
    axe_check(page)
    shoot(page, "result")
    submit(page, offer.get_by_role("button", name=zh("Accept the place")))
    assert zh("You accepted the place: your child is enrolled.") in messages(page)
    shoot(page, "accepted")

    submit(page, page.get_by_role("link", name=zh("All your school applications")))
    submit(page, page.get_by_role("link", name=zh("Published cut-offs")))
    table = page.locator("main table").inner_text()
    assert "玉山实验小学" in table and "周市新昆山人子弟学校" in table
    axe_check(page)
    shoot(page, "cutoffs")

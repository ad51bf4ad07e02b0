"""A resident finds a job recommended for their skills and applies; the employer, told by a notice,
shortlists, offers and hires; the resident follows every step and sees the job no longer open."""

from employment.models import Application, Job
from kunshan_portal import roles
from tests.employment.factories import certificates, make_hr, make_job, make_seeker, skills
from tests.factories import make_user

from .journeys import button, log_out, messages, nav, open_notices, submit, zh


def test_jobs_resident_applies_for_a_recommended_job_and_is_hired(page, shoot, axe_check, login):
    employer, hr = make_hr(name="昆山精密电子有限公司")
    hr.language = "zh-hans"
    hr.save(update_fields=["language"])
    job = make_job(employer=employer, account=hr, title="SMT 贴片操作工", openings=1)
    make_job(
        employer=employer, account=hr, title="叉车司机", essential_skills=skills("forklift"),
        required_certificates=certificates("forklift-special"),
    )  # fmt: skip
    resident = make_seeker(
        skill_codes=["assembly"], name="孙强", user=make_user("13912340003", roles.RESIDENT)
    )
    type(resident.user).objects.filter(pk=resident.user_id).update(language="zh-hans")

    login(page, resident.user.username)
    nav(page, zh("Jobs"))
    submit(page, page.get_by_role("link", name=zh("Jobs for you"), exact=True))
    recommended = page.locator("section[aria-labelledby=recommended-heading]")
    assert "SMT 贴片操作工" in recommended.inner_text()
    assert "叉车司机" not in recommended.inner_text()  # needs a certificate the resident lacks
    axe_check(page)
    shoot(page, "recommended")
    submit(page, recommended.get_by_role("link", name="SMT 贴片操作工"))
    assert zh("How you match this job") in page.content()
    page.get_by_label(zh("Note to the employer (optional)")).fill("做过三年手机主板贴片，下周一可以上班。")
    axe_check(page)
    shoot(page, "job")
    submit(page, button(page, zh("Send my application")))
    assert zh("Your application was sent. You will be told of every step.") in messages(page)
    assert page.locator(".status").first.inner_text() == zh("submitted")
    shoot(page, "applied")
    log_out(page)

    # the employer reads the notice, opens the application and moves it to the end
    login(page, hr.username)
    open_notices(page)
    notice = page.locator(".notice").filter(has_text="孙强").first
    submit(page, notice.get_by_role("link", name=zh("Open")))
    assert "孙强" in page.locator("h1").inner_text()
    assert "做过三年手机主板贴片" in page.content()
    axe_check(page)
    shoot(page, "employer-application")
    steps = [
        ("Shortlist", "The applicant was shortlisted and told.", "shortlisted"),
        ("Offer the job", "The job was offered; the applicant was told.", "offered the job"),
        ("Hire", "The applicant is hired. Welcome them!", "hired"),
    ]
    for action, done, state in steps:
        if action == "Offer the job":
            page.locator("#decision-form").get_by_label(zh("Note (optional)")).fill("月薪 6000 元，包住宿。")
        submit(page, button(page, zh(action)))
        assert zh(done) in messages(page)
        assert page.locator("p .status").first.inner_text() == zh(state)
    assert "月薪 6000 元，包住宿。" in page.locator(".timeline").inner_text()
    shoot(page, "employer-hired")
    application = Application.objects.get(job=job, resident=resident)
    job.refresh_from_db()
    assert application.state == Application.State.HIRED and job.state == Job.State.FILLED
    log_out(page)

    # the resident sees every step and the notices
    login(page, resident.user.username)
    open_notices(page)
    assert page.locator(".notice").count() >= 4  # sent, shortlisted, offered, hired
    hired = page.locator(".notice").first
    assert zh("hired") in hired.inner_text()
    submit(page, hired.get_by_role("link", name=zh("Open")))
    timeline = page.locator(".timeline").inner_text()
    for state in ("submitted", "shortlisted", "offered the job", "hired"):
        assert zh(state) in timeline
    assert "月薪 6000 元，包住宿。" in timeline
    axe_check(page)
    shoot(page, "resident-hired")

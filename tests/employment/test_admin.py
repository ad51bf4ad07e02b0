"""The employment caseworkers' admin, the dashboard section, the placement figures, the application source."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from employment.models import Application, Job, JobSeekerProfile, Placement
from employment.selectors import employment_stats, placements_by_month_and_town
from employment.services import application_hire, application_offer, application_shortlist
from kunshan_portal import roles
from kunshan_portal.models import Notice
from kunshan_portal.registry import applications_of
from residents.models import Town
from tests.employment.factories import make_application, make_job, make_seeker

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_employment", roles.CASEWORKER_GROUPS["employment"])


@pytest.fixture
def cw_client(client, caseworker):
    client.force_login(caseworker)
    return client


def hire(application):
    hr = application.job.employer.accounts.first()
    application = application_offer(
        application=application_shortlist(application=application, actor=hr), actor=hr
    )
    return application_hire(application=application, actor=hr)


@pytest.mark.parametrize("model", ["job", "application", "placement", "occupation", "jobseekerprofile"])
def test_the_caseworker_lists_take_few_queries(cw_client, model, django_assert_max_num_queries):
    for _ in range(3):
        hire(make_application())

    with django_assert_max_num_queries(18):
        response = cw_client.get(reverse(f"admin:employment_{model}_changelist"), **EN)

    assert response.status_code == 200


@pytest.mark.parametrize("model", ["job", "application", "placement"])
def test_other_staff_cannot_open_the_employment_admin(client, make_user, model):
    client.force_login(make_user("cw_housing", roles.CASEWORKER_GROUPS["housing"]))

    assert client.get(reverse(f"admin:employment_{model}_changelist")).status_code == 403


def test_the_job_change_page_shows_the_state_read_only(cw_client):
    job = make_job()

    page = cw_client.get(reverse("admin:employment_job_change", args=[job.pk]), **EN).content.decode()

    assert 'name="title"' in page and 'name="state"' not in page and 'name="openings"' not in page


def test_closing_jobs_from_the_admin_goes_through_the_service(cw_client):
    # given
    job = make_job()
    application = make_application(job=job)
    Notice.objects.all().delete()

    # when
    response = cw_client.post(
        reverse("admin:employment_job_changelist"),
        {"action": "close_jobs", "_selected_action": [job.pk]},
        **EN,
    )

    # then
    assert response.status_code == 302
    job.refresh_from_db()
    application.refresh_from_db()
    assert (job.state, application.state) == (Job.State.CLOSED, Application.State.REJECTED)
    assert Notice.objects.filter(recipient=application.resident.user).exists()


def test_declining_applications_from_the_admin_reports_refusals(cw_client):
    open_one = make_application()
    hired = hire(make_application())

    cw_client.post(
        reverse("admin:employment_application_changelist"),
        {"action": "reject_applications", "_selected_action": [open_one.pk, hired.pk]},
        **EN,
    )

    open_one.refresh_from_db()
    hired.refresh_from_db()
    assert (open_one.state, hired.state) == (Application.State.REJECTED, Application.State.HIRED)


def test_jobs_export_with_formulas_neutralised(cw_client):
    make_job(title='=HYPERLINK("http://evil")')

    response = cw_client.post(
        reverse("admin:employment_job_changelist"),
        {"action": "export_admin_action", "_selected_action": list(Job.objects.values_list("pk", flat=True))},
        **EN,
    )
    export = cw_client.post(
        reverse("admin:employment_job_export"),
        {"format": "0", "export_items": list(Job.objects.values_list("pk", flat=True)),
         **{f"jobresource_{name}": "on" for name in ("id", "title", "employer", "state")}},
        **EN,
    )  # fmt: skip

    assert response.status_code == 200
    content = export.content.decode("utf-8-sig")
    assert export.status_code == 200 and "'=HYPERLINK" in content and "\n=HYPERLINK" not in content


def test_exporting_selected_jobs_reads_only_those_not_the_whole_table(cw_client):
    """The export form checks the chosen rows; with the city's 100,000 applications or 25 million
    contribution lines, reading every key of the table for that would take the server down."""
    chosen, _other, _third = make_job(title="Welder"), make_job(title="Cook"), make_job(title="Driver")
    columns = {f"jobresource_{name}": "on" for name in ("id", "title")}

    with CaptureQueriesContext(connection) as queries:
        export = cw_client.post(
            reverse("admin:employment_job_export"),
            {"format": "0", "export_items": [chosen.pk], **columns},
            **EN,
        )
    whole_table = [
        q["sql"] for q in queries if 'FROM "employment_job"' in q["sql"] and "WHERE" not in q["sql"]
    ]
    refused = cw_client.post(
        reverse("admin:employment_job_export"), {"format": "0", "export_items": ["x1"], **columns}, **EN
    )

    content = export.content.decode("utf-8-sig")
    assert export.status_code == 200 and "Welder" in content and "Cook" not in content
    assert whole_table == []
    assert refused.status_code == 200 and refused["Content-Type"].startswith("text/html")  # the form, again


def test_placements_export(cw_client):
    hire(make_application())

    export = cw_client.post(
        reverse("admin:employment_placement_export"),
        {
            "format": "0",
            **{f"placementresource_{name}": "on" for name in ("id", "month", "town", "employer")},
        },
        **EN,
    )

    assert export.status_code == 200
    assert "month" in export.content.decode("utf-8-sig").splitlines()[0]


def test_the_profile_rebuild_runs_in_the_background(cw_client):
    resident = make_seeker(skill_codes=["assembly"])
    JobSeekerProfile.objects.filter(resident=resident).update(skills_lo=0)

    cw_client.post(
        reverse("admin:employment_jobseekerprofile_changelist"),
        {"action": "rebuild_profiles", "_selected_action": [resident.pk]},
    )

    assert JobSeekerProfile.objects.get(resident=resident).skills_lo != 0


# --- Figures -----------------------------------------------------------------------------------------


def test_placements_by_month_and_town(django_assert_max_num_queries):
    # given: placements in two months (Shanghai time) and two towns
    bacheng = Town.objects.get(code="bacheng")
    for town, when in [
        ("yushan", datetime(2026, 1, 31, 23, 30, tzinfo=SHANGHAI)),
        ("yushan", datetime(2026, 2, 1, 0, 30, tzinfo=SHANGHAI)),
        ("bacheng", datetime(2026, 2, 10, 12, 0, tzinfo=SHANGHAI)),
        ("bacheng", datetime(2026, 2, 11, 12, 0, tzinfo=SHANGHAI)),
    ]:
        placement = Placement.objects.get(
            application=hire(make_application(job=make_job(town=Town.objects.get(code=town))))
        )
        Placement.objects.filter(pk=placement.pk).update(hired_at=when)

    # when
    with django_assert_max_num_queries(1):
        rows = placements_by_month_and_town(since=datetime(2026, 1, 1, tzinfo=SHANGHAI))

    # then
    assert [(str(r["month"]), r["town_code"], r["placements"]) for r in rows] == [
        ("2026-01-01", "yushan", 1),  # 23:30 on 31 January in Kunshan is January, whatever UTC says
        ("2026-02-01", "yushan", 1),
        ("2026-02-01", "bacheng", 2),
    ]
    assert bacheng.pk in {r["town_id"] for r in rows}


def test_the_dashboard_section_counts_jobs_applications_and_placements(
    client, official_user, django_assert_max_num_queries
):
    # given
    make_job(openings=4)
    make_application()
    hire(make_application())

    # when
    title, figures = employment_stats()
    client.force_login(official_user)
    page = client.get(reverse("dashboard"), **EN).content.decode()

    # then
    values = dict(figures)
    assert title == "Employment"
    assert values["Placements this month"] == 1 and values["Job applications in progress"] == 1
    assert values["Open job postings"] == 3 and values["Openings still to fill"] == 4 + 3 + 2
    assert "Placements this month, Yushan" in values
    assert "Placements in the last 12 months" in page


def test_the_residents_page_lists_their_job_applications():
    resident = make_seeker()
    application = make_application(resident=resident)

    summaries = applications_of(resident)

    assert [(s.kind, s.state, s.url) for s in summaries] == [
        ("Job application", "submitted", application.get_absolute_url())
    ]

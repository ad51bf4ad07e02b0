"""The residents' job pages and the employers' area: wiring, scoping and permissions."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from employment.models import Application, Job, JobSeekerProfile, Occupation
from employment.selectors import Explanation, TrainingOffer
from employment.services import application_offer, application_shortlist
from employment.templatetags.jobs import match_explanation
from kunshan_portal.models import Notice, StateTransition
from residents.models import Town
from tests.employment.factories import certificates, make_application, make_hr, make_job, make_seeker, skills

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def resident(client):
    resident = make_seeker(skill_codes=["assembly", "quality-inspection"])
    client.force_login(resident.user)
    return resident


@pytest.fixture
def hr(client):
    _employer, account = make_hr()
    client.force_login(account)
    return account


# --- Residents ---------------------------------------------------------------------------------------


def test_the_residents_page_shows_recommendations_with_their_explanation(
    client, resident, django_assert_max_num_queries
):
    # given
    for _ in range(25):
        make_job()
    make_job(title="Far away", town=Town.objects.get(code="jinxi"))

    # when
    with django_assert_max_num_queries(20):
        response = client.get(reverse("employment:home"), **EN)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["recommendations"]) == 20
    assert "Fit: 100 of 100" in page and "Far away" not in page


@pytest.mark.parametrize(
    ("who", "goes_to"),
    [("anonymous", "employment:job-list"), ("employer", "employment:employer-home")],
)
def test_the_employment_page_sends_others_where_they_belong(client, who, goes_to):
    if who == "employer":
        client.force_login(make_hr()[1])

    response = client.get(reverse("employment:home"))

    assert response.status_code == 302 and response.url == reverse(goes_to)


def test_the_job_search_filters_and_pages(client, django_assert_max_num_queries):
    # given
    bacheng = Town.objects.get(code="bacheng")
    for number in range(23):
        make_job(title=f"Picker {number}", town=bacheng, dormitory=True, shifts=["day"])
    make_job(title="Night picker", town=bacheng, shifts=["night"])
    make_job(title="Yushan packer")
    make_job(title="Draft picker", town=bacheng, publish=False)

    # when
    query = {"town": bacheng.pk, "dormitory": "yes", "shifts": ["day"], "q": "pick"}
    with django_assert_max_num_queries(8):
        first = client.get(reverse("employment:job-list"), query, **EN)
    second = client.get(reverse("employment:job-list"), {**query, "page": 2}, **EN)

    # then
    assert first.context["page"].paginator.count == 23
    assert len(first.context["page"]) == 20 and len(second.context["page"]) == 3
    assert "Night picker" not in first.content.decode() and "Draft picker" not in first.content.decode()
    assert "page=2" in first.content.decode() and "dormitory=yes" in first.content.decode()


def test_a_bad_filter_is_shown_and_the_other_filters_kept(client):
    response = client.get(reverse("employment:job-list"), {"wage": "lots", "q": "welder"}, **EN)

    assert response.status_code == 200
    assert response.context["form"].errors["wage"]
    assert 'value="welder"' in response.content.decode()


def test_an_open_job_is_public_and_a_draft_is_not(client):
    open_job, draft = make_job(), make_job(publish=False)

    assert client.get(reverse("employment:job-detail", args=[open_job.pk])).status_code == 200
    assert client.get(reverse("employment:job-detail", args=[draft.pk])).status_code == 404


def test_the_job_page_lists_skills_certificates_and_towns_in_order_without_reading_the_lists(client, db):
    job = make_job(
        essential_skills=skills("cnc-machining", "assembly"), optional_skills=skills("carpentry"),
        required_certificates=certificates("welder-special"),
        commute_towns=list(Town.objects.filter(code__in=("zhoushi", "bacheng"))),
    )  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("employment:job-detail", args=[job.pk]), **EN).content.decode()
    lists_read = [q["sql"] for q in queries if "employment_job_" in q["sql"]]

    assert "<dd>electronics assembly, CNC machining</dd>" in page
    assert "<dd>carpentry</dd>" in page
    assert "<dd>welder special operation certificate</dd>" in page
    assert "<dd>Bacheng, Zhoushi</dd>" in page
    assert lists_read == []


def test_a_jobs_shifts_are_named_in_each_readers_language(client, db):
    make_job(title="Night packer", shifts=["weekend", "night"])
    job_list = reverse("employment:job-list")

    chinese = client.get(job_list, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(job_list, **EN).content.decode()
    chinese_again = client.get(job_list, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert " · 夜班, 周末班" in chinese and "night shift" not in chinese
    assert " · night shift, weekend shift" in english and "夜班" not in english
    assert " · 夜班, 周末班" in chinese_again


def test_a_jobs_line_of_facts_is_written_in_the_readers_language_and_escaped(client, db):
    employer, _account = make_hr(name="Lumen <Optics> & Co")
    job = make_job(employer=employer, wage_min=4800, wage_max=7250, shifts=["day", "night"], dormitory=True)
    page = reverse("employment:job-detail", args=[job.pk])

    english = client.get(page, **EN).content.decode()
    chinese = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert (
        '<p class="meta">Lumen &lt;Optics&gt; &amp; Co · Yushan · 4800–7250 yuan a month'
        " · day shift, night shift · dormitory provided</p>"
    ) in english
    assert (
        '<p class="meta">Lumen &lt;Optics&gt; &amp; Co · 玉山镇 · 每月 4800–7250 元 · 白班, 夜班 · 提供宿舍</p>'
        in chinese
    )


def test_an_explanation_shows_what_is_missing_and_the_training_for_it_escaped():
    explanation = Explanation(
        score=42.4, eligible=False, reasons=["Wage below <your> floor"], skills_matched=[],
        skills_missing_essential=["forklift & crane"], skills_missing_optional=[], certificates_missing=["welder"],
        training={"forklift": [
            TrainingOffer(title="Forklift <basic>", provider="Yushan school", starts_on=date(2027, 1, 5), url="/t/1/"),
            TrainingOffer(title="Crane", provider="A&B", starts_on=None, url=""),
        ]},
    )  # fmt: skip

    with translation.override("en"):
        html = match_explanation(explanation)

    assert '<strong>Fit: 42 of 100</strong> <span class="status">not a match</span>' in html
    assert '<ul class="reasons"><li>Wage below &lt;your&gt; floor</li></ul>' in html
    assert "<p>Certificates missing: welder</p>" in html and "<p>Skills matched: none</p>" in html
    assert "<p>Essential skills missing: forklift &amp; crane</p>" in html and "Optional" not in html
    assert (
        '<li><a href="/t/1/">Forklift &lt;basic&gt;</a> <span class="meta">Yushan school, Jan. 5, 2027</span></li>'
        in html
    )
    assert '<li>Crane <span class="meta">A&amp;B</span></li>' in html
    # and the same explanation for a reader in Chinese next, then in English again: the words each time
    # in the reader's language (they are looked up once per language)
    with translation.override("zh-hans"):
        chinese = match_explanation(explanation)
    with translation.override("en"):
        again = match_explanation(explanation)
    assert '<strong>匹配度：42分（满分100）</strong> <span class="status">不匹配</span>' in chinese
    assert (
        "<p>缺少的证书： welder</p>" in chinese and "<p>缺少的必备技能： forklift &amp; crane</p>" in chinese
    )
    assert "Fit:" not in chinese and again == html


def test_the_job_page_explains_the_match_to_the_resident(client, resident):
    job = make_job(essential_skills=skills("assembly", "forklift"))

    page = client.get(reverse("employment:job-detail", args=[job.pk]), **EN).content.decode()

    assert "How you match this job" in page
    assert "forklift driving" in page and "Essential skills missing" in page
    assert '<label for="id_note">' in page


def test_a_resident_applies_from_the_job_page(client, resident):
    job = make_job()

    response = client.post(reverse("employment:job-apply", args=[job.pk]), {"note": "Available now"}, **EN)

    application = Application.objects.get()
    assert response.status_code == 302 and response.url == application.get_absolute_url()
    assert (application.resident, application.note) == (resident, "Available now")


def test_the_certificate_refusal_is_shown_on_the_page_with_the_note_kept(client, resident):
    job = make_job(employer=make_hr(sector="construction")[0])

    response = client.post(reverse("employment:job-apply", args=[job.pk]), {"note": "I built houses"}, **EN)

    page = response.content.decode()
    assert response.status_code == 400
    assert "construction safety certificate" in page and "I built houses" in page
    assert not Application.objects.exists()


def test_an_employer_cannot_apply(client, hr):
    job = make_job()

    response = client.post(reverse("employment:job-apply", args=[job.pk]), {"note": ""})

    assert response.status_code == 403


def test_a_resident_sees_and_withdraws_their_own_application(client, resident, django_assert_max_num_queries):
    # given
    application = make_application(resident=resident)
    for _ in range(4):
        make_application(resident=resident)

    # when
    with django_assert_max_num_queries(10):
        listing = client.get(reverse("employment:application-list"), **EN)
    detail = client.get(application.get_absolute_url(), **EN)
    withdrawn = client.post(
        reverse("employment:application-withdraw", args=[application.pk]), {"note": "Found work"}
    )

    # then
    assert listing.status_code == 200 and len(listing.context["page"]) == 5
    assert detail.status_code == 200 and "submitted" in detail.content.decode()
    assert withdrawn.status_code == 302
    application.refresh_from_db()
    assert application.state == Application.State.WITHDRAWN


def test_another_residents_application_answers_404(client, resident):
    others = make_application()

    assert client.get(others.get_absolute_url()).status_code == 404
    assert client.post(reverse("employment:application-withdraw", args=[others.pk])).status_code == 404
    others.refresh_from_db()
    assert others.state == Application.State.SUBMITTED


@pytest.mark.parametrize("name", ["employment:application-list", "employment:preferences"])
def test_residents_pages_refuse_other_roles(client, hr, name):
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["employment:application-list", "employment:preferences", "employment:employer-home"]
)
def test_pages_ask_anonymous_visitors_to_log_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and reverse("login") in response.url


def test_preferences_are_saved_and_errors_keep_what_was_typed(client, resident):
    bacheng = Town.objects.get(code="bacheng")
    url = reverse("employment:preferences")
    assert client.get(url).status_code == 200

    bad = client.post(url, {"open_to_work": "on", "acceptable_shifts": ["day"], "wage_floor": "-5"}, **EN)
    assert bad.status_code == 400 and bad.context["form"].errors["wage_floor"]
    assert 'value="day" checked' in bad.content.decode() or "checked" in bad.content.decode()

    good = client.post(
        url, {"acceptable_shifts": ["day", "night"], "wage_floor": "5200", "willing_towns": [bacheng.pk]}
    )
    assert good.status_code == 302
    profile = JobSeekerProfile.objects.get(resident=resident)
    assert (profile.open_to_work, profile.acceptable_shifts, str(profile.wage_floor)) == (
        False,
        {"day", "night"},
        "5200.00",
    )
    assert profile.willing_town_ids == [bacheng.pk]


# --- Employers ---------------------------------------------------------------------------------------


def test_the_employer_area_lists_the_companys_jobs_only(client, hr, django_assert_max_num_queries):
    employer = hr.employers.get()
    for _ in range(3):
        make_job(employer=employer, account=hr)
    make_job(title="Someone else's")

    with django_assert_max_num_queries(12):
        response = client.get(reverse("employment:employer-home"), **EN)

    assert response.status_code == 200 and len(response.context["page"]) == 3
    assert (
        employer.uscc in response.content.decode() and "Someone else&#x27;s" not in response.content.decode()
    )


def test_an_employer_posts_a_job_and_an_error_keeps_the_form(client, hr):
    url = reverse("employment:employer-job-create")
    data = {
        "title": "Forklift driver", "occupation": Occupation.objects.get(code="forklift-driver").pk,
        "sector": "logistics", "wage_min": "6000", "wage_max": "5000", "town": Town.objects.get(code="lujia").pk,
        "openings": "2", "shifts": ["day"], "essential_skills": [s.pk for s in skills("forklift")],
    }  # fmt: skip
    assert client.get(url).status_code == 200

    bad = client.post(url, data, **EN)
    assert bad.status_code == 400
    assert (
        "cannot be below the minimum" in bad.content.decode()
        and 'value="Forklift driver"' in bad.content.decode()
    )

    good = client.post(url, {**data, "wage_max": "7000"})
    job = Job.objects.get()
    assert good.status_code == 302 and good.url == reverse("employment:employer-job", args=[job.pk])
    assert (job.state, job.employer) == (Job.State.DRAFT, hr.employers.get())

    client.post(reverse("employment:employer-job-action", args=[job.pk, "publish"]))
    job.refresh_from_db()
    assert job.state == Job.State.OPEN

    edited = client.post(reverse("employment:employer-job-edit", args=[job.pk]), {**data, "wage_max": "7500"})
    job.refresh_from_db()
    assert edited.status_code == 302 and str(job.wage_max) == "7500.00"


def test_the_employers_job_page_shows_applicants_with_their_fit_and_the_best_candidates(
    client, hr, django_assert_max_num_queries
):
    # given
    job = make_job(employer=hr.employers.get(), account=hr, essential_skills=skills("assembly"))
    for _ in range(3):
        make_application(job=job)
    for _ in range(4):
        make_seeker(skill_codes=["assembly"])

    # when
    with django_assert_max_num_queries(30):
        response = client.get(reverse("employment:employer-job", args=[job.pk]), **EN)

    # then
    assert response.status_code == 200
    assert len(response.context["applicants"]) == 3
    assert len(response.context["candidates"]) == 7
    assert "Fit: 80 of 100" in response.content.decode()


def test_another_employers_job_and_application_answer_404(client, hr):
    job = make_job()
    application = make_application(job=job)

    for url in (
        reverse("employment:employer-job", args=[job.pk]),
        reverse("employment:employer-job-edit", args=[job.pk]),
        reverse("employment:employer-application", args=[application.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("employment:employer-job-action", args=[job.pk, "close"])).status_code == 404
    assert (
        client.post(
            reverse("employment:employer-application-action", args=[application.pk, "reject"])
        ).status_code
        == 404
    )
    job.refresh_from_db()
    assert job.state == Job.State.OPEN


def test_residents_cannot_enter_the_employer_area(client, resident):
    job = make_job()
    assert client.get(reverse("employment:employer-home")).status_code == 403
    assert client.get(reverse("employment:employer-job", args=[job.pk])).status_code == 403


def test_an_employer_moves_an_application_to_hire_through_the_pages(client, hr):
    # given
    job = make_job(employer=hr.employers.get(), account=hr)
    application = make_application(job=job)
    url = reverse("employment:employer-application", args=[application.pk])
    act = lambda name, data=None: client.post(  # noqa: E731
        reverse("employment:employer-application-action", args=[application.pk, name]), data or {}, **EN
    )

    # when / then
    assert client.get(url, **EN).status_code == 200
    assert act("shortlist").status_code == 302
    past = act(
        "invite", {"interview-interview_at": "2001-01-01T09:00", "interview-interview_place": "Gate 3"}
    )
    assert past.status_code == 400 and "must be in the future" in past.content.decode()
    when = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert (
        act("invite", {"interview-interview_at": when, "interview-interview_place": "Gate 3"}).status_code
        == 302
    )
    assert act("offer", {"decision-note": "From Monday"}).status_code == 302
    assert StateTransition.objects.filter(
        object_id=application.pk, to_state="offered", note="From Monday"
    ).exists()
    assert act("hire").status_code == 302
    application.refresh_from_db()
    assert application.state == Application.State.HIRED
    assert "hired" in client.get(url, **EN).content.decode()


def test_a_step_out_of_order_is_shown_as_an_error(client, hr):
    application = make_application(job=make_job(employer=hr.employers.get(), account=hr))

    response = client.post(
        reverse("employment:employer-application-action", args=[application.pk, "hire"]), {}, **EN
    )

    assert response.status_code == 400 and "not allowed" in response.content.decode()


def test_an_employer_of_several_companies_is_scoped_to_the_first(client):
    _employer, hr = make_hr()
    other_employer, _ = make_hr()
    other_job = make_job(employer=other_employer)
    client.force_login(hr)

    assert client.get(reverse("employment:employer-job", args=[other_job.pk])).status_code == 404


def test_a_resident_with_an_offer_sees_it(client, resident):
    employer, account = make_hr()
    application = make_application(job=make_job(employer=employer, account=account), resident=resident)
    application_offer(
        application=application_shortlist(application=application, actor=account), actor=account
    )

    page = client.get(application.get_absolute_url(), **EN).content.decode()

    assert "offered the job" in page and "shortlisted" in page


def test_an_employer_closes_a_posting_with_a_note_and_the_applicants_are_told(client, hr):
    job = make_job(employer=hr.employers.get(), account=hr)
    application = make_application(job=job)

    response = client.post(
        reverse("employment:employer-job-action", args=[job.pk, "close"]), {"close-note": "Budget cut"}
    )

    job.refresh_from_db()
    application.refresh_from_db()
    assert response.status_code == 302
    assert (job.state, application.state) == (Job.State.CLOSED, Application.State.REJECTED)
    assert StateTransition.objects.filter(object_id=job.pk, to_state="closed", note="Budget cut").exists()
    assert Notice.objects.filter(
        recipient=application.resident.user, subject__startswith="Application ended"
    ).exists()


def test_the_residents_page_marks_recommended_jobs_already_applied_for(client, resident):
    job = make_job()
    make_application(job=job, resident=resident)

    response = client.get(reverse("employment:home"), **EN)

    assert response.context["applied"] == {job.pk}


# The cards as the page's template loop drew them before they were written in Python.
CARDS_AS_A_TEMPLATE = """{% load i18n jobs %}<ol class="cards">
    {% for match in recommendations %}
    <li class="card">
      <h3><a href="{% url 'employment:job-detail' match.job.pk %}">{{ match.job.title }}</a>{% if match.job.pk in applied %} <span class="status">{% translate "applied" %}</span>{% endif %}</h3>
      {% job_summary match.job %}
      {% match_explanation match.explanation %}
    </li>
    {% endfor %}
  </ol>"""  # fmt: skip


@pytest.mark.parametrize(("language", "applied"), [("en", "applied"), ("zh-hans", "已申请")])
def test_the_recommended_jobs_are_the_cards_the_template_drew(client, resident, language, applied):
    # given: a job applied for, with a title to escape, among others
    job = make_job(title="<Assembly> & packing")
    make_application(job=job, resident=resident)
    for _ in range(3):
        make_job()

    # when
    response = client.get(reverse("employment:home"), HTTP_ACCEPT_LANGUAGE=language)

    # then
    with translation.override(language):
        drawn = Template(CARDS_AS_A_TEMPLATE).render(
            Context({name: response.context[name] for name in ("recommendations", "applied")})
        )
    page = " ".join(response.content.decode().split())
    assert len(response.context["recommendations"]) == 4
    assert " ".join(drawn.split()) in page
    assert f'&lt;Assembly&gt; &amp; packing</a> <span class="status">{applied}</span></h3>' in page


def test_an_employer_keeps_its_contact_details_current_and_a_bad_number_changes_nothing(client, hr):
    # given
    employer = hr.employers.get()
    url = reverse("employment:employer-contact")
    assert 'for="id_contact_phone"' in client.get(url, **EN).content.decode()
    assert "<h1>联系信息</h1>" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    # when: a wrong number, then a landline with its area code
    wrong = client.post(url, {"contact_name": "王经理", "contact_phone": "12345"}, **EN)
    employer.refresh_from_db()
    kept = (employer.contact_name, employer.contact_phone)
    saved = client.post(url, {"contact_name": " 王经理 ", "contact_phone": "0512 5777 1234"}, **EN)

    # then
    assert wrong.status_code == 400 and "area code" in wrong.content.decode()
    assert 'value="王经理"' in wrong.content.decode()  # what was typed stays in the form
    assert kept != ("王经理", "051257771234")
    assert saved.status_code == 302
    employer.refresh_from_db()
    assert (employer.contact_name, employer.contact_phone) == ("王经理", "051257771234")
    assert "051257771234" in client.get(reverse("employment:employer-home"), **EN).content.decode()


def test_only_the_companys_own_accounts_change_its_contact_details(hr):
    from kunshan_portal.errors import DomainError
    from residents.services import employer_contact_update

    other_employer, _other_account = make_hr()
    with pytest.raises(DomainError) as refused:
        employer_contact_update(
            employer=other_employer, actor=hr, contact_name="X", contact_phone="13800000000"
        )
    assert refused.value.code == "forbidden"

import pytest
from django.urls import reverse

from education import selectors, services
from education.models import Offer
from kunshan_portal.registry import applications_of
from tests.education.factories import (
    make_application,
    make_caseworker,
    make_parent,
    make_school,
    make_school_child,
    make_school_year,
    make_seats,
    run_round,
)


@pytest.fixture
def placed_year(db):
    """2026: a Yushan public school (2 seats) and a Bacheng dedicated school (3 seats); three children
    placed, two in the public school."""
    caseworker = make_caseworker()
    public, dedicated = make_school(town="yushan"), make_school(town="bacheng", kind="dedicated")
    make_seats(public, 2)
    make_seats(dedicated, 3)
    applications = [make_application(schools=[public, dedicated], town="yushan") for _ in range(3)]
    run_round(caseworker)
    for offer in Offer.objects.all():
        services.offer_accept(offer=offer, actor=offer.application.parent.user)
    return public, dedicated, applications


def test_placement_figures_in_total_by_town_and_by_school(placed_year):
    public, dedicated, _ = placed_year

    total = selectors.placement_totals(school_year=2026)
    by_town = {f.label: f for f in selectors.placement_by_town(school_year=2026)}
    by_school = {f.label: f for f in selectors.placement_by_school(school_year=2026)}

    assert (total.placed, total.public, total.seats, total.seats_left) == (3, 2, 5, 2)
    assert total.public_share == pytest.approx(2 / 3)
    assert {label: (f.placed, f.public, f.seats_left) for label, f in by_town.items()} == {
        str(public.town): (2, 2, 0), str(dedicated.town): (1, 0, 2)
    }  # fmt: skip
    assert by_school[str(dedicated)].placed == 1 and by_school[str(public)].public == 2


def test_the_dashboard_section_in_few_queries(placed_year, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        title, rows = selectors.dashboard_section()
    figures = dict(rows)
    assert title == "Education"
    assert figures["Children placed"] == 3 and figures["Share in public schools"] == "67%"
    assert figures["Seats left"] == 2


def test_the_dashboard_page_shows_education(client, placed_year, official_user):
    client.force_login(official_user)
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Share in public schools" in page


def test_the_parents_applications_appear_among_all_their_applications(db):
    parent = make_parent()
    make_school_year()
    application = make_application(schools=[make_school()], parent=parent)

    (summary,) = [s for s in applications_of(parent) if s.kind == "School place application"]

    assert summary.url == application.get_absolute_url()
    assert summary.state == "submitted"


def test_live_sibling_facts_count_a_brother_still_at_the_school(db):
    caseworker = make_caseworker()
    parent = make_parent()
    middle = make_school(first_grade=1, last_grade=9)
    primary = make_school(first_grade=1, last_grade=6)
    older = make_school_child(parent, grade=6)
    services.enrolment_record(child=older, school=middle, school_year=make_school_year(2025), grade=5,
                              actor=caseworker)  # fmt: skip
    services.enrolment_record(child=older, school=primary, school_year=make_school_year(2024), grade=6,
                              actor=caseworker)  # fmt: skip

    application = make_application(schools=[primary, middle], parent=parent)

    facts = selectors.application_facts(application)
    assert [(c.school, c.sibling) for c in facts.choices] == [(primary, False), (middle, True)]

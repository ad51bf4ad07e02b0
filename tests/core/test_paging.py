"""A person's own lists are paged as Django pages them, without counting a list that fits on one page."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kunshan_portal.models import Notice
from kunshan_portal.paging import ShortListPaginator
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

PER_PAGE = 3


def _notices(count: int):
    user = make_resident().user
    for number in range(count):
        Notice.objects.create(recipient=user, subject=f"Notice {number}", body="…")
    return Notice.objects.filter(recipient=user).order_by("pk")


def _shown(page) -> tuple:
    return ([notice.subject for notice in page], page.number, page.paginator.count, page.paginator.num_pages,
            page.has_next(), page.has_previous())  # fmt: skip


@pytest.mark.parametrize("count", [0, 1, PER_PAGE, PER_PAGE + 1, 2 * PER_PAGE + 1])
@pytest.mark.parametrize("number", [None, "1", 1, "2", "3", "0", "-1", "x", "1.0", 99])
def test_every_page_is_the_one_djangos_paginator_gives(count, number):
    notices = _notices(count)
    assert _shown(ShortListPaginator(notices, PER_PAGE).get_page(number)) == _shown(
        Paginator(notices, PER_PAGE).get_page(number)
    )


@pytest.mark.parametrize(("count", "queries"), [(0, 1), (PER_PAGE, 1), (PER_PAGE + 1, 2)])
def test_a_list_that_fits_on_the_first_page_is_read_without_counting(count, queries):
    notices = _notices(count)

    with CaptureQueriesContext(connection) as sent:
        page = ShortListPaginator(notices, PER_PAGE).get_page(None)
        shown = _shown(page)

    assert len(sent.captured_queries) == queries
    assert shown[2] == count and len(shown[0]) == min(count, PER_PAGE)


def test_a_residents_notices_page_sends_no_count(client):
    resident = make_resident()
    Notice.objects.create(recipient=resident.user, subject="Welcome", body="…")
    client.force_login(resident.user)

    with CaptureQueriesContext(connection) as sent:
        response = client.get(reverse("notice-list"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200 and "Welcome" in response.content.decode()
    assert not [q["sql"] for q in sent.captured_queries if 'COUNT(*) AS "__count"' in q["sql"]]

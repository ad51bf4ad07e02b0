"""Reads compiled once per process: the same rows as their queryset, for any key, without building it again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from employment.models import Application
from kunshan_portal.compiled import CompiledQuery
from tests.employment.factories import make_application, make_job, make_seeker

pytestmark = pytest.mark.django_db


def _applications(resident_id):
    return (
        Application.objects.filter(resident_id=resident_id, state__in=["submitted", "shortlisted"])
        .order_by("-submitted_at", "-id")
        .values_list("pk", "state", "submitted_at", "job__title", "job__employer__name")
    )


def test_the_rows_are_the_querysets_for_every_key():
    # given: two residents with applications, one without
    first, second, none = (make_seeker(skill_codes=["assembly"]) for _ in range(3))
    for resident, count in ((first, 2), (second, 1)):
        for _ in range(count):
            make_application(job=make_job(), resident=resident)
    compiled = CompiledQuery(_applications)

    for resident in (first, second, none, first):
        # when
        rows = compiled.rows(resident.pk)
        # then
        assert rows == list(_applications(resident.pk))
    assert len(compiled.rows(first.pk)) == 2


def test_the_queryset_is_built_once_and_each_call_is_one_query():
    # given
    built = []

    def build(resident_id):
        built.append(resident_id)
        return _applications(resident_id)

    compiled = CompiledQuery(build)
    resident = make_application().resident

    # when
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            compiled.rows(resident.pk)

    # then
    assert len(built) == 1
    assert len(queries.captured_queries) == 3


def test_a_key_the_query_does_not_take_is_refused():
    compiled = CompiledQuery(lambda resident_id: Application.objects.values_list("pk"))
    with pytest.raises(ValueError, match="Each key"):
        compiled.rows(1)

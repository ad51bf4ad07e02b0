"""Pieces every app's admin shares: a paginator that never counts millions of rows, and a dry run of a
service that shows its refusal on a form without writing anything."""

import json

from django.core.paginator import Paginator
from django.db import connections, transaction
from django.utils.functional import cached_property

from kunshan_portal.errors import DomainError


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to a cap, then trusts PostgreSQL's estimate: no COUNT(*) over millions of rows."""

    exact_up_to = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        bounded = queryset.order_by().values("pk")[: self.exact_up_to + 1].count()
        if bounded <= self.exact_up_to:
            return bounded
        return max(bounded, planner_row_estimate(queryset))


def planner_row_estimate(queryset) -> int:
    """The number of rows PostgreSQL's planner expects the query to return (instant, approximate)."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class _DryRun(Exception):
    """Raised to roll back a savepoint in which a service was only asked, not obeyed."""


def service_refusal(call) -> DomainError | None:
    """Run a service in a savepoint that is always rolled back: its DomainError, or None if it agrees."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        return None
    except DomainError as exc:
        return exc

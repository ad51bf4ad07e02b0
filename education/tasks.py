"""Celery tasks of the education app: thin, ids in, one service call each, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 30, "max_retries": 5, "acks_late": True}


@shared_task(**RETRY)
def round_run_task(round_id: int) -> None:
    """Compute a running round and write its offers (nothing happens if it has run already)."""
    from education.services import round_run

    round_run(round_id=round_id)


@shared_task(**RETRY)
def round_notify_task(round_id: int) -> None:
    """Tell the next batch of families their result; queue itself again until every family is told."""
    from education.services import round_notify_batch

    if round_notify_batch(round_id=round_id):
        round_notify_task.delay(round_id)


@shared_task(**RETRY)
def offers_lapse_task() -> int:
    """Hourly (kunshan_portal/celery.py): offers past their deadline lapse and free their seats."""
    from education.services import offers_lapse_overdue

    return offers_lapse_overdue()

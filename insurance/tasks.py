"""Celery tasks of social insurance: thin, ids in, one service call each, safe to run twice."""

from celery import shared_task

CHUNK_MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=CHUNK_MAX_RETRIES)
def contribution_chunk_task(self, run_id: int, first_id: int, last_id: int) -> int:
    """Compute one chunk of a month's run; retried with back-off, then recorded as failed."""
    from insurance.services import contribution_chunk_compute, contribution_chunk_fail

    try:
        return contribution_chunk_compute(run_id=run_id, first_id=first_id, last_id=last_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            contribution_chunk_fail(run_id=run_id, first_id=first_id, last_id=last_id, error=repr(exc))
            raise
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 600)) from exc


@shared_task(acks_late=True)
def contributions_monthly_task() -> int:
    """On the 1st of each month (beat): run the month before."""
    from insurance.selectors import last_closed_period
    from insurance.services import contribution_run_start

    return contribution_run_start(period=last_closed_period(), actor=None).pk

from datetime import date

from celery import shared_task
from django.db import OperationalError


@shared_task(
    bind=True, acks_late=True, autoretry_for=(OperationalError,), max_retries=3, default_retry_delay=300
)
def cases_flag_overdue_task(self, day: str | None = None) -> dict:
    """Every morning (beat, 08:00): flag overdue cases and alert the station heads; non-working days skip."""
    from legal_aid.services import cases_flag_overdue

    return cases_flag_overdue(today=date.fromisoformat(day) if day else None)

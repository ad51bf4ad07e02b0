from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=300)
def account_closures_due_task(self) -> int:
    """Close the accounts whose grace period has ended (daily; safe to run twice)."""
    from residents.services import account_closures_due

    return account_closures_due()

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=None)
def notice_deliver_task(self, delivery_id: int) -> None:
    """Deliver one notice; the service counts the attempts and decides when to give up."""
    from kunshan_portal.notices import notice_delivery_attempt

    wait = notice_delivery_attempt(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait)

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=None)
def notice_deliver_task(self, delivery_id: int) -> None:
    """Deliver one notice; the service counts the attempts and decides when to give up."""
    from kunshan_portal.notices import notice_delivery_attempt

    wait = notice_delivery_attempt(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait)


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60)
def dashboard_refresh_task(self, reason: str = "") -> int | None:
    """Recompute the officials' dashboards (beat, every 10 minutes, and after the big runs)."""
    from kunshan_portal.dashboard import charts_warm, dashboard_refresh

    refresh = dashboard_refresh(reason=reason)
    if refresh is None:
        return None
    charts_warm(refresh)
    return refresh.rows

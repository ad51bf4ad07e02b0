from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=3)
def jobseeker_profiles_rebuild_task(self) -> int:
    """Rewrite every job seeker profile's copy of the registry (safe to run twice: it recomputes)."""
    from employment.services import jobseeker_profiles_rebuild

    return jobseeker_profiles_rebuild()


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=300)
def fairs_past_held_task(self) -> int:
    """Record the fairs whose day has passed as held (nightly; safe to run twice)."""
    from employment.services import fairs_past_held

    return fairs_past_held()

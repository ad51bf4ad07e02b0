from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=3)
def jobseeker_profiles_rebuild_task(self) -> int:
    """Rewrite every job seeker profile's copy of the registry (safe to run twice: it recomputes)."""
    from employment.services import jobseeker_profiles_rebuild

    return jobseeker_profiles_rebuild()

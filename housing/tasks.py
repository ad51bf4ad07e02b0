from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=5)
def offers_lapse_task(self) -> int:
    """Hourly (kunshan_portal.celery): lapse every open offer past its deadline; safe to run twice."""
    from housing.services import offers_lapse_overdue

    return offers_lapse_overdue()


@shared_task(bind=True, acks_late=True, max_retries=3)
def round_run_task(self, round_id: int, actor_id: int | None) -> int:
    """Run a confirmed round; a round that has run already is left as it is."""
    from housing.models import AllocationRound
    from housing.services import round_run
    from kunshan_portal.models import User

    round = AllocationRound.objects.get(pk=round_id)
    if round.state == AllocationRound.State.RUN:
        return round.placed
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return round_run(round=round, actor=actor).placed

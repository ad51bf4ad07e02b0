"""The monthly run on a real Celery worker over Redis (CI runs it; it skips locally without a broker)."""

from datetime import date

import pytest

from insurance import services
from insurance.models import ContributionLine, ContributionRun
from insurance.selectors import run_progress
from tests.conftest import wait_for
from tests.insurance.factories import make_enrolment

OCTOBER = date(2025, 10, 1)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_is_computed_by_a_real_worker_in_chunks(celery_worker_process, monkeypatch):
    # given: 7 enrolments in chunks of 3 (three tasks)
    enrolments = [make_enrolment() for _ in range(7)]
    monkeypatch.setattr(services, "CHUNK_SIZE", 3)

    # when
    started = services.contribution_run_start(period=OCTOBER, actor=None)

    # then
    wait_for(lambda: ContributionRun.objects.get(pk=started.pk).finished_at, timeout=90)
    lines = ContributionLine.objects.filter(period=OCTOBER, kind="regular")
    assert lines.count() == 35
    assert set(lines.values_list("enrolment_id", flat=True)) == {e.pk for e in enrolments}
    assert run_progress(started)["chunks_done"] == 3

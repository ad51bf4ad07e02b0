"""The employment app on a real Celery worker (Redis): the profile rebuild and the applicant's notices."""

import pytest

from employment.models import JobSeekerProfile
from employment.tasks import jobseeker_profiles_rebuild_task
from kunshan_portal.models import NoticeDelivery
from tests.conftest import wait_for
from tests.employment.factories import make_application, make_seeker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_profile_rebuild_runs_on_a_real_worker(celery_worker_process):
    # given: a profile damaged past the triggers
    resident = make_seeker(skill_codes=["assembly"])
    JobSeekerProfile.objects.filter(resident=resident).update(skills_lo=0, verified=False)

    # when
    jobseeker_profiles_rebuild_task.delay()

    # then
    profile = wait_for(
        lambda: JobSeekerProfile.objects.filter(resident=resident, verified=True).exclude(skills_lo=0).first()
    )
    assert profile.open_to_work


def test_an_applicants_notice_is_delivered_by_the_worker(celery_worker_process):
    application = make_application()

    delivered = wait_for(
        lambda: NoticeDelivery.objects.filter(
            notice__recipient=application.resident.user, state=NoticeDelivery.State.SENT
        ).count()
    )

    assert delivered >= 1

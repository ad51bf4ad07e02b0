"""A permit application: the smallest concrete model on the shared life-cycle, used by the tests."""

import pghistory
from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from kunshan_portal.models import LifecycleModel


def is_owner(instance, user) -> bool:
    return instance.applicant_id == user.pk


@pghistory.track()
class Permit(LifecycleModel):
    class State(models.TextChoices):
        SUBMITTED = "submitted", "submitted"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        WITHDRAWN = "withdrawn", "withdrawn"

    state = FSMField(max_length=32, choices=State.choices, default=State.SUBMITTED, protected=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    purpose = models.CharField(max_length=100)

    def lifecycle_recipient(self):
        return self.applicant

    @transition(
        field=state, source=State.SUBMITTED, target=State.APPROVED, permission="lifecycle_app.change_permit"
    )
    def approve(self):
        pass

    @transition(
        field=state, source=State.SUBMITTED, target=State.REJECTED, permission="lifecycle_app.change_permit"
    )
    def reject(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.WITHDRAWN, permission=is_owner)
    def withdraw(self):
        pass

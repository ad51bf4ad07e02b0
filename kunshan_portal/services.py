"""Writes of the shared core that are not notices or life-cycle steps."""

from django.conf import settings
from django.db import transaction

from kunshan_portal.errors import DomainError
from kunshan_portal.models import User


@transaction.atomic
def user_language_set(*, user: User, language: str) -> None:
    """A user's chosen language: pages and every later notice use it."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError("Unsupported language.", field="language")
    User.objects.filter(pk=user.pk).update(language=language)

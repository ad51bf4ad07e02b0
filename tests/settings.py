"""Test settings: the portal's own, plus a tiny app that proves the shared application life-cycle."""

from kunshan_portal.settings import *  # noqa: F403
from kunshan_portal.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.lifecycle_app"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests create many users
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the integration fixture switches a test to the real broker and worker.
CELERY_TASK_ALWAYS_EAGER = True

"""Test settings: the portal's own, plus a tiny app that proves the shared application life-cycle."""

from kunshan_portal.settings import *  # noqa: F403
from kunshan_portal.settings import INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.lifecycle_app"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests create many users
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the integration fixture switches a test to the real broker and worker.
CELERY_TASK_ALWAYS_EAGER = True
# The suite and the end-to-end journeys make many API calls from one address: throttling is tested on
# its own (tests/core/test_throttling.py) with small rates set by the test.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
# Public pages are not kept between requests in tests (each test sees its own data); the page cache has
# its own tests (tests/core/test_pagecache.py), which turn it on.
KUNSHAN_PAGE_CACHE_SECONDS = 0
# Likewise the kept rankings of recommended jobs (their tests turn it on).
KUNSHAN_RECOMMENDATION_SECONDS = 0

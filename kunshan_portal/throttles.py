"""API throttles: anonymous clients by address, logged-in ones by account, rates from the settings.

A throttled request answers 429 with the portal's error body and a Retry-After header. The counters live
in the cache: Redis in real runs, so every web process counts together.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RateFromSettings:
    """The rate is read from the settings on each request (DRF binds it once at import otherwise)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousThrottle(_RateFromSettings, AnonRateThrottle):
    """Anonymous API clients, counted by address (KUNSHAN_API_RATE_ANON)."""


class AccountThrottle(_RateFromSettings, UserRateThrottle):
    """Logged-in API clients, counted by account (KUNSHAN_API_RATE_USER)."""

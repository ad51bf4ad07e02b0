"""Fixtures the employment tests share."""

from datetime import datetime, time

import pytest
from django.utils import timezone


@pytest.fixture
def midday(monkeypatch):
    """The clock starts at noon today (local time) and runs on: a fair held all day today is under way,
    whatever the hour the suite runs at (its last minute included)."""
    real_now = timezone.now
    started = real_now()
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12, 0)))
    monkeypatch.setattr(timezone, "now", lambda: noon + (real_now() - started))
    return noon

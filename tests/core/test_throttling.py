"""API throttling: anonymous clients by address, logged-in ones by account, 429 in the portal's error body."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from kunshan_portal import roles
from tests.conftest import ROOT

SCHOOLS = "/api/v1/education/schools/"


@pytest.fixture
def small_rates(settings):
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }


def fresh_address() -> str:
    """Each test counts from zero even on a shared Redis cache."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}"


def test_anonymous_clients_are_throttled_by_address(client, db, small_rates):
    address = fresh_address()
    answers = [client.get(SCHOOLS, REMOTE_ADDR=address).status_code for _ in range(4)]
    assert answers[:3] == [200, 200, 200]
    throttled = client.get(SCHOOLS, REMOTE_ADDR=address)
    assert throttled.status_code == 429
    body = throttled.json()
    assert set(body) == {"detail", "errors"} and body["errors"] == {} and body["detail"]
    assert int(throttled["Retry-After"]) > 0
    # another address is not affected
    assert client.get(SCHOOLS, REMOTE_ADDR=fresh_address()).status_code == 200


def test_logged_in_clients_are_throttled_by_account_not_address(client, make_user, small_rates):
    first = make_user(f"throttle-{uuid.uuid4().hex[:8]}", roles.RESIDENT)
    second = make_user(f"throttle-{uuid.uuid4().hex[:8]}", roles.RESIDENT)
    client.force_login(first)
    answers = [client.get(SCHOOLS, REMOTE_ADDR=fresh_address()).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    # a colleague on the same address has their own allowance
    client.force_login(second)
    assert client.get(SCHOOLS).status_code == 200


def test_a_forged_forwarded_header_does_not_reset_the_count(client, db, small_rates):
    address = fresh_address()
    for n in range(3):
        client.get(SCHOOLS, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=f"10.1.0.{n}")
    assert client.get(SCHOOLS, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="10.1.0.99").status_code == 429


def test_the_rates_come_from_the_environment():
    probe = "import json; from django.conf import settings as s; print(json.dumps(s.REST_FRAMEWORK))"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kunshan_portal.settings",
        "KUNSHAN_API_RATE_ANON": "7/hour",
        "KUNSHAN_API_RATE_USER": "70/hour",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    api = json.loads(done.stdout.strip().splitlines()[-1])
    assert api["DEFAULT_THROTTLE_RATES"] == {"anon": "7/hour", "user": "70/hour"}
    assert len(api["DEFAULT_THROTTLE_CLASSES"]) == 2


def test_the_site_pages_are_not_throttled(client, db, small_rates):
    address = fresh_address()
    assert all(client.get(reverse("home"), REMOTE_ADDR=address).status_code == 200 for _ in range(5))

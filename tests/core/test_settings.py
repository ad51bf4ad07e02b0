"""Settings are resolved from the environment; each case imports them fresh in a subprocess."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = (
    "import json, django; from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'name': s.DATABASES['default']['NAME'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'hsts': getattr(s, 'SECURE_HSTS_SECONDS', 0), 'secure_cookie': s.SESSION_COOKIE_SECURE, "
    "'cache': s.CACHES['default']['BACKEND']}))"
)


def resolve(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "REDIS_URL",
            "KUNSHAN_ENV",
            "DJANGO_SECRET_KEY",
            "DJANGO_DEBUG",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="kunshan_portal.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_real_services_from_the_environment():
    result = resolve(
        DATABASE_URL="postgres://u:p@db.example:5432/portal",
        CELERY_BROKER_URL="redis://redis.example:6379/0",
        REDIS_URL="redis://redis.example:6379/1",
    )
    values = json.loads(result.stdout)
    assert values["name"] == "portal" and values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False
    assert values["cache"].endswith("RedisCache")
    assert values["debug"] is True


def test_production_requires_a_secret_key():
    result = resolve(KUNSHAN_ENV="production", DATABASE_URL="postgres://u:p@db.example/portal")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_production_hardening():
    result = resolve(
        KUNSHAN_ENV="production",
        DJANGO_SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://u:p@db/portal",
        KUNSHAN_ID_KEYS="k",
        KUNSHAN_ID_HASH_KEY="h",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hsts"] >= 31536000
    assert values["secure_cookie"] is True


def test_production_requires_the_identity_number_keys():
    result = resolve(
        KUNSHAN_ENV="production", DJANGO_SECRET_KEY="x" * 60, DATABASE_URL="postgres://u:p@db/portal"
    )
    assert result.returncode != 0
    assert "KUNSHAN_ID_KEYS and KUNSHAN_ID_HASH_KEY must be set in production" in result.stderr


@pytest.mark.parametrize("url", ["sqlite:///db.sqlite3", "mysql://u:p@h/db"])
def test_only_postgresql_is_accepted(url):
    result = resolve(DATABASE_URL=url)
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


STATEMENT_TIMEOUT_PROBE = (
    "import sys{wsgi}; import django; django.setup(); from django.db import connection; "
    "cursor = connection.cursor(); cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0])"
)


@pytest.mark.django_db
@pytest.mark.parametrize(("served", "expected"), [(True, "1min"), (False, "0")])
def test_the_web_servers_statements_end_with_its_request_timeout(served, expected):
    # given: the web server loads kunshan_portal.wsgi; workers and commands do not
    from django.db import connection

    from benchmarks.city import database_url

    env = {k: v for k, v in os.environ.items() if k != "KUNSHAN_STATEMENT_TIMEOUT_MS"}
    env.update(
        DATABASE_URL=database_url(connection.settings_dict), DJANGO_SETTINGS_MODULE="kunshan_portal.settings"
    )
    probe = STATEMENT_TIMEOUT_PROBE.format(wsgi="; import kunshan_portal.wsgi" if served else "")
    # when
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    # then
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected

"""Fixtures every test folder shares."""

import logging
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from kunshan_portal import roles
from kunshan_portal.models import User

ROOT = Path(__file__).resolve().parent.parent
PORTAL_APPS = {"kunshan_portal", "residents", "employment", "housing", "insurance", "education", "legal_aid"}


@contextmanager
def own_cache(location: str, **changed):
    """These settings, with an empty cache of the test's own (other tests see nothing of it); also a
    decorator."""
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": location}}
    with override_settings(CACHES=caches, **changed):
        cache.clear()
        yield


def pytest_collection_modifyitems(items):
    """A transactional test empties the database when it ends; with serialized rollback Django puts the
    reference data (towns, skills, roles, rate tables …) back, so the tests after it find them."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional and "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with its reference data (towns, skills, stations, rate tables …) put
    back when ``--reuse-db`` finds it emptied (a run that ends with a transactional test leaves every table
    empty, and the next run found no town), and kept for serialized rollback in every run: pytest-django
    keeps it only where a test asks through its marker, and a run of marked tests alone lost it."""
    from django.db import connection

    from residents.models import Town

    with django_db_blocker.unblock():
        emptied = not Town.objects.exists()  # (the roles come back by themselves: post_migrate makes them)
        if emptied:
            _put_back_reference_data()
        if emptied or not hasattr(connection, "_test_serialized_contents"):
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()


def _put_back_reference_data() -> None:
    """The portal's own migrations' data steps run again, in migration order, on today's models."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    with connection.schema_editor() as schema_editor:
        for key in _in_order(loader):
            for operation in loader.graph.nodes[key].operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, schema_editor)


def _in_order(loader) -> list:
    """The portal's migrations in an order that applies each after those it depends on."""
    seen, ordered = set(), []
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key not in seen and key[0] in PORTAL_APPS:
                seen.add(key)
                ordered.append(key)
    return ordered


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, as with a database of its own: with Redis as the cache, kept
    facts (a user's account facts, a count, a ranking) would reach the tests after it, and the next run,
    whose rows reuse the same numbers. The cache's Redis database holds nothing else (the broker has its own)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _english_for_services():
    """Services' messages are asserted in English; pages choose their language per request as users do."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_user(db):
    """Create a user in the given roles; caseworkers and lawyers get admin access like real staff."""

    def make(username: str, *role_names: str, **fields) -> User:
        fields.setdefault("is_staff", any(role in roles.STAFF_ROLES for role in role_names))
        # Tests read notices and messages in English; a test about Chinese asks for it explicitly.
        fields.setdefault("language", "en")
        user = User.objects.create_user(username=username, password="Kunshan-2026!", **fields)
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def resident_user(make_user):
    return make_user("13800000001", roles.RESIDENT, phone="13800000001", email="a@example.com")


@pytest.fixture
def official_user(make_user):
    return make_user("official", roles.OFFICIAL)


def _require_services_or_skip(reason: str):
    if settings.KUNSHAN_REQUIRE_SERVICES:
        pytest.fail(f"{reason} (KUNSHAN_REQUIRE_SERVICES is set, so this must not skip)")
    pytest.skip(reason)


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker on Redis, in its own process, pointed at the test database."""
    if not settings.CELERY_BROKER_URL:
        _require_services_or_skip("no CELERY_BROKER_URL: the integration test needs Redis and a worker")
    from kunshan_portal.celery import app

    db = settings.DATABASES["default"]
    host = f"{db['HOST']}:{db['PORT'] or 5432}"
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{host}/{db['NAME']}",
        "CELERY_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kunshan_portal", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--loglevel=WARNING", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"the Celery worker exited: {worker.stdout.read().decode(errors='replace')}")
            if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
                break
        else:
            pytest.fail("the Celery worker did not answer within 60 s")
        previous = app.conf.task_default_queue, app.conf.task_always_eager
        app.conf.task_default_queue, app.conf.task_always_eager = queue, False
        yield worker
        app.conf.task_default_queue, app.conf.task_always_eager = previous
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll until predicate() is truthy (a worker in another process is doing the work)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


# --- Personal data must never reach the logs ---------------------------------------------------
# Every log record written during the suite is checked at the end: an identity number or a full
# mobile number in any of them fails the run (the SMS sender, for one, logs numbers masked).
PERSONAL_DATA = {
    "identity number": re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"),
    "mobile number": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
}


class _LogGuard(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]}"
        for kind, pattern in PERSONAL_DATA.items():
            if pattern.search(text):
                self.leaks.append(
                    f"{kind} in a log record of {record.name}: {pattern.sub('<…>', text)[:200]}"
                )


_log_guard = _LogGuard()


def pytest_sessionstart(session):
    logging.getLogger().addHandler(_log_guard)


def pytest_sessionfinish(session, exitstatus):
    logging.getLogger().removeHandler(_log_guard)
    if _log_guard.leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.section("personal data in logs", sep="=", red=True)
            for leak in sorted(set(_log_guard.leaks))[:50]:
                reporter.write_line(leak)
        session.exitstatus = 1

"""The API against its own OpenAPI schema: schemathesis generates requests for every operation, sent
in-process to the WSGI application as a resident and as an official; no answer may be a server error,
and every documented answer must match the schema. The number of examples is bounded so the run takes
about a minute (KUNSHAN_FUZZ_EXAMPLES raises it for a longer hunt)."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kunshan_portal import roles
from tests.factories import make_child, make_employer, make_resident, make_user

EXAMPLES = int(os.environ.get("KUNSHAN_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def in_process(db):
    """The WSGI handler closes the database connection after each request, as a server must; inside a
    test that would end the test's transaction, so (as Django's test client does) it is kept open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _token_header(user) -> dict:
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


BOUNDED = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def fuzz(headers: dict) -> list[str]:
    """Every operation of the schema, a bounded number of generated requests each; the failures found."""
    from kunshan_portal.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @BOUNDED
        @given(case=operation.as_strategy())
        def call(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all are reported
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    return failures


def test_the_api_within_its_schema_as_a_resident(in_process):
    resident = make_resident(employer=make_employer())
    make_child(resident)
    failures = fuzz(_token_header(resident.user))
    assert failures == [], "\n\n".join(failures)


def test_the_api_within_its_schema_as_an_official(in_process):
    failures = fuzz(_token_header(make_user("fuzz-official", roles.OFFICIAL)))
    assert failures == [], "\n\n".join(failures)


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

"""/healthz: is the portal able to serve? Database and broker reachability, 503 when one is down."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "in-process"  # embedded default: tasks run in the web process, nothing to reach
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": _check_database, "broker": _check_broker}


@never_cache
def healthz(request):
    started = time.monotonic()
    result, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            result[name] = check()
        except Exception as exc:
            healthy = False
            result[name] = f"down: {exc.__class__.__name__}"
    body = {"status": "ok" if healthy else "unavailable", "checks": result}
    body["ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse(body, status=200 if healthy else 503)

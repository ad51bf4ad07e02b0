import pytest
from django.urls import reverse

from kunshan_portal import health


def test_healthy_portal_answers_ok(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] in {"ok", "in-process"}


@pytest.mark.parametrize("check", ["database", "broker"])
def test_a_service_down_answers_503_and_names_it(client, db, monkeypatch, check):
    def down():
        raise ConnectionError("refused")

    monkeypatch.setitem(health.CHECKS, check, down)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"][check] == "down: ConnectionError"


def test_unreachable_broker_is_reported(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("down")

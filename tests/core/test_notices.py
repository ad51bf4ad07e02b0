import logging

import pytest
from django.core import mail
from django.urls import reverse

from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, NoticeDelivery
from kunshan_portal.notices import notice_delivery_retry, notice_send, retry_delay
from tests.conftest import wait_for

FAILING = "kunshan_portal.senders.FailingSender"


@pytest.fixture
def send(resident_user, django_capture_on_commit_callbacks):
    def send_one(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return notice_send(recipient=resident_user, subject="Offer", body="You have an offer.", **kwargs)

    return send_one


def test_notice_lands_in_inbox_and_goes_out_by_sms_and_email(send, caplog):
    with caplog.at_level(logging.INFO, logger="kunshan_portal.notices"):
        notice = send()
    assert notice.read_at is None
    deliveries = {d.channel: d for d in NoticeDelivery.objects.filter(notice=notice)}
    assert {c: d.state for c, d in deliveries.items()} == {"sms": "sent", "email": "sent"}
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert deliveries["sms"].attempt_log.get().ok
    # the SMS log line never carries the full number
    assert "13800000001" not in caplog.text and "138****0001" in caplog.text


def test_failed_send_is_retried_with_backoff_then_kept_as_failed(send, settings):
    settings.NOTICE_SENDERS = {**settings.NOTICE_SENDERS, "sms": FAILING}
    settings.NOTICE_MAX_ATTEMPTS = 3
    notice = send(channels=("sms",))
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert delivery.state == NoticeDelivery.State.FAILED
    assert delivery.attempts == 3
    assert [a.ok for a in delivery.attempt_log.all()] == [False, False, False]
    assert delivery.last_error == "gateway unavailable"
    assert Notice.objects.filter(pk=notice.pk).exists()  # never lost: still in the inbox


def test_backoff_grows_exponentially_and_is_capped():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20) == 3600


def test_failed_delivery_can_be_retried_by_an_administrator(
    send, settings, make_user, django_capture_on_commit_callbacks
):
    settings.NOTICE_SENDERS = {**settings.NOTICE_SENDERS, "sms": FAILING}
    settings.NOTICE_MAX_ATTEMPTS = 1
    delivery = NoticeDelivery.objects.get(notice=send(channels=("sms",)))
    settings.NOTICE_SENDERS = {**settings.NOTICE_SENDERS, "sms": "kunshan_portal.senders.LogSmsSender"}
    admin = make_user("root", is_superuser=True, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        notice_delivery_retry(delivery=delivery, actor=admin)
    delivery.refresh_from_db()
    assert delivery.state == NoticeDelivery.State.SENT
    assert [a.ok for a in delivery.attempt_log.all()] == [False, True]
    with pytest.raises(DomainError):
        notice_delivery_retry(delivery=delivery, actor=admin)


def test_admin_retry_action(send, settings, client, make_user, django_capture_on_commit_callbacks):
    settings.NOTICE_SENDERS = {**settings.NOTICE_SENDERS, "sms": FAILING}
    settings.NOTICE_MAX_ATTEMPTS = 1
    delivery = NoticeDelivery.objects.get(notice=send(channels=("sms",)))
    settings.NOTICE_SENDERS = {**settings.NOTICE_SENDERS, "sms": "kunshan_portal.senders.LogSmsSender"}
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    url = reverse("admin:kunshan_portal_noticedelivery_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry_failed", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == NoticeDelivery.State.SENT


def test_inbox_shows_unread_count_and_marks_read(send, client, resident_user):
    send()
    send()
    client.force_login(resident_user)
    page = client.get(reverse("notice-list"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'aria-label="2 unread notices"' in page.content.decode()
    first = Notice.objects.filter(recipient=resident_user).first()
    client.post(reverse("notice-read", args=[first.pk]))
    assert Notice.objects.filter(recipient=resident_user, read_at__isnull=True).count() == 1
    client.post(reverse("notice-read-all"))
    assert not Notice.objects.filter(recipient=resident_user, read_at__isnull=True).exists()


def test_a_user_cannot_mark_another_users_notice(send, client, make_user):
    notice = send()
    client.force_login(make_user("13800000009"))
    client.post(reverse("notice-read", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_inbox_needs_login(client):
    response = client.get(reverse("notice-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.integration
def test_notice_travels_through_redis_to_a_real_worker(celery_worker_process, resident_user):
    # given a worker in its own process on the broker; when a notice is sent and its transaction commits
    notice = notice_send(
        recipient=resident_user, subject="Verified", body="You are verified.", channels=("sms",)
    )
    # then the worker delivers it and records the attempt
    delivery = NoticeDelivery.objects.get(notice=notice)
    wait_for(lambda: NoticeDelivery.objects.get(pk=delivery.pk).state == NoticeDelivery.State.SENT)
    assert NoticeDelivery.objects.get(pk=delivery.pk).attempt_log.get().ok

"""Services of the notice system: write to the inbox, queue SMS and e-mail, deliver with retries."""

from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, NoticeAttempt, NoticeDelivery, User
from kunshan_portal.senders import OutgoingMessage, SendError, sender_for


def _render(text, params: Mapping) -> str:
    values = {key: str(value) if isinstance(value, Promise) else value for key, value in params.items()}
    return str(text) % values if values else str(text)


@transaction.atomic
def notice_send(
    *,
    recipient: User,
    subject: str | Promise,
    body: str | Promise,
    params: Mapping | None = None,
    link: str = "",
    channels: tuple[str, ...] = ("sms", "email"),
) -> Notice:
    """Put a notice in the recipient's inbox, in their language, and queue it on every channel they have."""
    params = params or {}
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        notice = Notice.objects.create(
            recipient=recipient,
            subject=_render(subject, params)[:200],
            body=_render(body, params),
            link=link,
        )
    addresses = {"sms": recipient.phone, "email": recipient.email}
    deliveries = [
        NoticeDelivery(notice=notice, channel=channel, address=addresses[channel])
        for channel in channels
        if addresses.get(channel)
    ]
    NoticeDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        _schedule(delivery.pk)
    return notice


def _schedule(delivery_id: int, countdown: int = 0) -> None:
    from kunshan_portal.tasks import notice_deliver_task

    transaction.on_commit(lambda: notice_deliver_task.apply_async((delivery_id,), countdown=countdown))


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: exponential back-off, 30 s, 60 s, 120 s … capped at an hour."""
    return min(30 * 2 ** max(attempts - 1, 0), 3600)


@transaction.atomic
def notice_delivery_attempt(*, delivery_id: int) -> int | None:
    """Try a pending delivery once; record the attempt. Returns seconds to wait before a retry, or None."""
    delivery = (
        NoticeDelivery.objects.select_for_update().select_related("notice").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.state != NoticeDelivery.State.PENDING:
        return None  # sent already, given up, or gone: a duplicate task does nothing
    message = OutgoingMessage(
        address=delivery.address,
        subject=delivery.notice.subject,
        body=delivery.notice.body,
        reference=str(delivery.pk),
    )
    delivery.attempts += 1
    try:
        sender_for(delivery.channel).send(message)
    except SendError as exc:
        NoticeAttempt.objects.create(delivery=delivery, ok=False, error=str(exc))
        delivery.last_error = str(exc)
        if delivery.attempts >= settings.NOTICE_MAX_ATTEMPTS:
            delivery.state = NoticeDelivery.State.FAILED
        delivery.save(update_fields=["attempts", "last_error", "state"])
        return None if delivery.state == NoticeDelivery.State.FAILED else retry_delay(delivery.attempts)
    NoticeAttempt.objects.create(delivery=delivery, ok=True)
    delivery.state = NoticeDelivery.State.SENT
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["attempts", "state", "sent_at"])
    return None


@transaction.atomic
def notice_delivery_retry(*, delivery: NoticeDelivery, actor: User) -> NoticeDelivery:
    """Put a failed delivery back in the queue (an administrator's action); a fresh round of attempts."""
    delivery = NoticeDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state != NoticeDelivery.State.FAILED:
        raise DomainError(_("Only a failed delivery can be retried."))
    delivery.state = NoticeDelivery.State.PENDING
    delivery.attempts = 0
    delivery.save(update_fields=["state", "attempts"])
    _schedule(delivery.pk)
    return delivery


def notice_mark_read(*, recipient: User, notice_id: int | None = None) -> int:
    """Mark one of the recipient's notices (or all of them) as read; returns how many changed."""
    unread = Notice.objects.filter(recipient=recipient, read_at__isnull=True)
    if notice_id is not None:
        unread = unread.filter(pk=notice_id)
    return unread.update(read_at=timezone.now())


def notice_unread_count(*, user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()

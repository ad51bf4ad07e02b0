"""Senders of notices by SMS and e-mail, behind one interface; settings.NOTICE_SENDERS picks them."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("kunshan_portal.notices")


class SendError(Exception):
    """The sender could not hand the message over; the delivery will be retried."""


@dataclass(frozen=True)
class OutgoingMessage:
    address: str
    subject: str
    body: str
    reference: str  # the delivery's id, for the gateway's records


class Sender:
    def send(self, message: OutgoingMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class EmailSender(Sender):
    """Sends through Django's configured e-mail backend (SMTP in production)."""

    def send(self, message: OutgoingMessage) -> None:
        try:
            send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.address])
        except Exception as exc:
            raise SendError(f"e-mail backend refused the message: {exc.__class__.__name__}") from exc


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "***"


class LogSmsSender(Sender):
    """The default SMS sender: writes a log line (number masked) instead of calling a gateway."""

    def send(self, message: OutgoingMessage) -> None:
        logger.info("SMS %s to %s: %s", message.reference, mask_phone(message.address), message.subject)


class FailingSender(Sender):
    """Always fails: for drills and tests of the retry path."""

    def send(self, message: OutgoingMessage) -> None:
        raise SendError("gateway unavailable")


def sender_for(channel: str) -> Sender:
    return import_string(settings.NOTICE_SENDERS[channel])()

"""Second factor: TOTP authenticator apps with one-time recovery codes (django-otp).

Staff accounts (caseworkers, lawyers, officials, administrators) must pass it when
KUNSHAN_STAFF_MFA is on (always in production); residents and employers may turn it on. The
middleware also ends idle staff sessions.
"""

import time

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kunshan_portal.accountcache import has_second_factor, prime
from kunshan_portal.errors import DomainError

RECOVERY_CODES = 10


def is_staff_account(user) -> bool:
    """Accounts that see other people's data: they need a second factor and expire when idle."""
    return bool(
        user.is_authenticated
        and (user.is_staff or user.is_superuser or user.has_perm("kunshan_portal.view_dashboard"))
    )


def mfa_required(user) -> bool:
    return has_second_factor(user) or (settings.KUNSHAN_STAFF_MFA and is_staff_account(user))


@transaction.atomic
def mfa_setup_start(*, user) -> TOTPDevice:
    """An unconfirmed authenticator for the user to scan; a new one each time set-up starts over."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def mfa_setup_confirm(*, user, device_id: int, token: str) -> list[str]:
    """The user proves the authenticator works; returns the recovery codes, shown once."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        raise DomainError(_("Start the set-up again."), field="token")
    if not device.verify_token((token or "").strip()):
        raise DomainError(
            _("That code is not right. Check the time on your phone and try the newest code."), field="token"
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return mfa_recovery_codes_renew(user=user)


@transaction.atomic
def mfa_recovery_codes_renew(*, user) -> list[str]:
    """Replace the user's recovery codes with fresh ones (each works once)."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def mfa_verify(*, request, token: str) -> None:
    """Check a code from the authenticator or a recovery code and mark the session as verified."""
    device = match_token(request.user, (token or "").strip().replace(" ", ""))
    if device is None:
        raise DomainError(_("That code is not right."), field="token")
    otp_login(request, device)


@transaction.atomic
def mfa_disable(*, user) -> None:
    """A resident or employer turns the second factor off; staff cannot."""
    if settings.KUNSHAN_STAFF_MFA and is_staff_account(user):
        raise DomainError(_("Staff accounts must keep their second factor."))
    for device in devices_for_user(user, confirmed=None):
        device.delete()


OPEN_PATHS = ("/accounts/logout/", "/accounts/mfa/", "/static/", "/i18n/", "/healthz", "/jsi18n/")


IDLE_REFRESH_SECONDS = 60  # a staff session's idle clock is pushed forward at most once a minute


def _keep_staff_session_alive(session) -> None:
    """Staff sessions end after KUNSHAN_STAFF_IDLE_SECONDS without a request. Moving the end forward is a
    write of the session, so it is done at most once a minute, not on every page: a session ends between
    that time less a minute and that time after the last request."""
    now = int(time.time())
    if now - session.get("_idle_refreshed_at", 0) >= IDLE_REFRESH_SECONDS:
        session.set_expiry(settings.KUNSHAN_STAFF_IDLE_SECONDS)
        session["_idle_refreshed_at"] = now


class AccountSecurityMiddleware:
    """Sends an unverified session to the second-factor page, and ends idle staff sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            prime(user)  # its permissions and second factor from the cache (kunshan_portal/accountcache.py)
            if is_staff_account(user):
                _keep_staff_session_alive(request.session)
            if not request.path.startswith(OPEN_PATHS) and mfa_required(user) and not user.is_verified():
                target = "mfa-verify" if has_second_factor(user) else "mfa-setup"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)

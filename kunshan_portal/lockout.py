"""Log-in lock-out by account and by address (django-axes), with a higher bar for the address alone.

An account is locked after ``AXES_FAILURE_LIMIT`` failed log-ins from anywhere: guessing one person's
password from many addresses does not help. An address is locked after
``KUNSHAN_ADDRESS_FAILURE_LIMIT`` failures on any accounts: trying many accounts from one address is
stopped too. The address bar is much higher because thousands of factory workers reach the portal
through one company or carrier NAT address, and a few of them mistyping a password must not lock out
the whole dormitory. A successful log-in clears only that account's failures: otherwise an attacker
behind a shared address could wipe the address's count by logging in to an account of their own.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _failures(queryset) -> int:
    return queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Counts failures per account and per address, each against its own limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = self._counts(request, credentials)
        if by_address >= settings.KUNSHAN_ADDRESS_FAILURE_LIMIT:
            # The address is over its own bar: report it as locked whatever the account's count.
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def _counts(self, request, credentials) -> tuple[int, int]:
        by_account = by_address = 0
        for parameters, attempts in zip(
            settings.AXES_LOCKOUT_PARAMETERS, self.get_user_attempts(request, credentials), strict=True
        ):
            if parameters == "username":
                by_account = _failures(attempts)
            elif parameters == "ip_address":
                by_address = _failures(attempts)
        return by_account, by_address

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """What axes writes in its log lines: the address and the path, never the login (a phone number)."""
    return f"{{ip_address: {ip_address!r}, path_info: {path_info!r}}}"


def client_address(request) -> str | None:
    """The client's address: the connection's, or with KUNSHAN_PROXY_COUNT proxies in front, the one the
    outermost proxy saw (the same rule the API's throttles use, so both count the same clients)."""
    proxies = settings.KUNSHAN_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """429 for a locked-out log-in: the API's error body for API clients, the explanation page otherwise."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME * 3600))
    if request.path.startswith("/api/"):
        body = {"detail": str(_("Too many failed log-ins. Try again in an hour.")), "errors": {}}
        response = JsonResponse(body, status=429)
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
    response["Retry-After"] = retry_after
    return response

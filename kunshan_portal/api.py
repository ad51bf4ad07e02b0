"""What every API endpoint shares: the error shape and the mapping of DomainError to 400."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kunshan_portal.errors import DomainError


def exception_handler(exc, context):
    """Every error answers ``{"detail": "...", "errors": {field: [messages]}}``."""
    if isinstance(exc, DomainError):
        errors = {exc.field: [str(exc)]} if exc.field else {}
        code = status.HTTP_403_FORBIDDEN if exc.code == "forbidden" else status.HTTP_400_BAD_REQUEST
        return Response({"detail": str(exc), "errors": errors}, status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": _first_message(errors), "errors": errors}
    else:
        response.data = {
            "detail": data.get("detail", "") if isinstance(data, dict) else str(data),
            "errors": {},
        }
    return response


def _first_message(errors) -> str:
    for value in errors.values():
        if isinstance(value, list) and value:
            return str(value[0]) if not isinstance(value[0], dict) else _("Invalid input.")
        if isinstance(value, str):
            return value
    return _("Invalid input.")

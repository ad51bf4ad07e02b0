"""View decorators for the public site: a page for residents, or for employer accounts."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from residents.selectors import employer_for_user, resident_for_user


def resident_required(view):
    """Only a logged-in resident; the view receives ``request.resident``."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.resident = resident_for_user(request.user)
        if request.resident is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def employer_required(view):
    """Only an account acting for an employer; the view receives ``request.employer``."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.employer = employer_for_user(request.user)
        if request.employer is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

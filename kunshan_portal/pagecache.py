"""Public pages as anonymous visitors see them, kept in the cache for a short while.

The job search, a job's page, the compounds and the schools are the same for every visitor who is not
logged in; most of the city's traffic to them is anonymous. ``anonymous_page`` keeps such a page per
address and language for ``KUNSHAN_PAGE_CACHE_SECONDS`` (60 by default; 0 turns it off): a change (a job
closed, a place let) shows there within that time. Logged-in users, and visitors with a session or a
message waiting, always get the page computed for them. Only the plain pages are kept (no query but a page
number): a search with words or filters is computed each time, so that nobody can fill the cache with
addresses of their own making.

Each form on a page carries its own CSRF token: a kept page gets the visitor's own tokens put in when it
is served, so its forms (the language switch) work for everyone it is served to.

``kept_answer`` keeps the data of the API's public job list the same way, for every user who may call
it: a plain list or one of its pages, per address and language.

``CountKeptPaginator`` keeps the total of a public search (a COUNT(*) over the city's 50,000 open jobs,
10 ms) for the same time, for everyone, logged in or not: a new job counts there within that time.
"""

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.functional import cached_property

KEY_VERSION = 1
_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")


def _plain_list(request) -> bool:
    """A GET of the plain list or one of its pages: no parameter but a page number."""
    if request.method not in ("GET", "HEAD"):
        return False
    return not set(request.GET) - {"page"} and bool(_PAGE_NUMBER.fullmatch(request.GET.get("page", "1")))


def _servable(request) -> bool:
    """An anonymous GET without a session or pending messages: the page is the one everybody sees."""
    if request.user.is_authenticated or not _plain_list(request):
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def _key(request, kind: str) -> str:
    """Per address with its host (an API answer links its next page) and language."""
    address = request.build_absolute_uri().encode()
    return f"{kind}:{KEY_VERSION}:{translation.get_language()}:{hashlib.sha256(address).hexdigest()}"


def _with_own_tokens(request, content: bytes) -> bytes:
    return _TOKEN.sub(lambda match: match[1] + get_token(request).encode() + match[2], content)


def anonymous_page(view):
    """Serve ``view``'s page from the cache to anonymous visitors (see the module's note)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.KUNSHAN_PAGE_CACHE_SECONDS
        if seconds <= 0 or not _servable(request):
            return view(request, *args, **kwargs)
        key = _key(request, "page")
        kept = cache.get(key)
        if kept is not None:
            content_type, content = kept
            return HttpResponse(_with_own_tokens(request, content), content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, (response["Content-Type"], response.content), seconds)
        return response

    return wrapper


def kept_answer(request, compute):
    """The data of a public API list (``compute()``), the same for every user: kept like the pages for a
    plain list and its page numbers, per address and language; computed each time for a search or any other parameter."""
    seconds = settings.KUNSHAN_PAGE_CACHE_SECONDS
    if seconds <= 0 or not _plain_list(request):
        return compute()
    return cache.get_or_set(_key(request, "api"), compute, seconds)


class CountKeptPaginator(Paginator):
    """A paginator whose total is counted once per query and kept (see the module's note)."""

    @cached_property
    def count(self) -> int:
        seconds = settings.KUNSHAN_PAGE_CACHE_SECONDS
        query = getattr(self.object_list, "query", None)
        if seconds <= 0 or query is None:
            return super().count
        sql, params = query.sql_with_params()
        key = f"count:{KEY_VERSION}:{hashlib.sha256(f'{sql}|{params!r}'.encode()).hexdigest()}"
        return cache.get_or_set(key, lambda: super(CountKeptPaginator, self).count, seconds)

"""The page header's links and the header itself, drawn once per process.

``{% fixed_url "name" %}``: the address of a view that takes no arguments, reversed once per process. The
page header links to a dozen such views on every page; ``{% url %}`` reversed each of them anew, about
0.4 ms of every page. An address is kept per URL configuration (a new one after ``clear_url_caches()``)
and script prefix, and escaped as ``{% url %}`` escapes it.

``{% portal_header %}``: the page header (``templates/header.html``), drawn once per language, URL
configuration and script prefix and kind of visitor (logged in or not, resident, employer, unread notices,
dashboards, staff): it depends on nothing else but the CSRF token of its two forms and the address the
language switch comes back to, which are written into it for each page. Drawing it took a third of a
millisecond of every page, 33 translations and a dozen links; writing the two in takes 20 µs.
``tests/core/test_pages.py`` compares it with the template drawn for the page.
"""

import functools
from types import SimpleNamespace

from django import template
from django.template.loader import get_template
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@functools.lru_cache(maxsize=256)
def _address(name: str, prefix: str, resolver) -> str:
    return reverse(name)


@register.simple_tag
def fixed_url(name: str) -> str:
    return _address(name, get_script_prefix(), get_resolver(get_urlconf()))


_TOKEN = "0portal-header-token0"  # stand-ins for the page's own CSRF token and address, found again
_NEXT = "0portal-header-next0"


@functools.lru_cache(maxsize=512)
def _header(language, prefix, resolver, visitor: tuple) -> tuple[tuple[str, ...], ...]:
    """The header drawn for this kind of visitor, split where the token and the address go."""
    authenticated, staff, resident, employer, unread, dashboards = visitor
    html = get_template("header.html").render(
        {
            "user": SimpleNamespace(is_authenticated=authenticated, is_staff=staff),
            "perms": {"kunshan_portal": {"view_dashboard": dashboards}},
            "is_resident": resident,
            "is_employer": employer,
            "unread_notices": unread,
            "csrf_token": _TOKEN,
            "request": SimpleNamespace(get_full_path=lambda: _NEXT),
        }
    )
    return tuple(tuple(part.split(_NEXT)) for part in html.split(_TOKEN))


@register.simple_tag(takes_context=True)
def portal_header(context) -> str:
    user, token = context.get("user"), str(context.get("csrf_token") or "")
    if user is None or token in ("", "NOTPROVIDED"):  # a page drawn without a request: drawn as it is
        return get_template("header.html").render(context.flatten())
    authenticated = user.is_authenticated
    visitor = (
        authenticated,
        authenticated and user.is_staff,
        bool(context.get("is_resident")),
        bool(context.get("is_employer")),
        int(context.get("unread_notices") or 0),
        authenticated and user.has_perm("kunshan_portal.view_dashboard"),
    )
    parts = _header(get_language(), get_script_prefix(), get_resolver(get_urlconf()), visitor)
    address = conditional_escape(context["request"].get_full_path())
    token = conditional_escape(token)
    return mark_safe(token.join(address.join(part) for part in parts))  # noqa: S308 (both escaped)

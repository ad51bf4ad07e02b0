"""``{% fixed_url "name" %}``: the address of a view that takes no arguments, reversed once per process.

The page header links to a dozen such views on every page; ``{% url %}`` reversed each of them anew, about
0.4 ms of every page. An address is kept per URL configuration (a new one after ``clear_url_caches()``)
and script prefix, and escaped as ``{% url %}`` escapes it.
"""

import functools

from django import template
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

register = template.Library()


@functools.lru_cache(maxsize=256)
def _address(name: str, prefix: str, resolver) -> str:
    return reverse(name)


@register.simple_tag
def fixed_url(name: str) -> str:
    return _address(name, get_script_prefix(), get_resolver(get_urlconf()))

"""What tests compare of the pages a client receives."""

import re

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_tokens(response) -> str:
    """The page's HTML without its CSRF tokens, which are masked afresh on every answer."""
    return _TOKEN.sub("", response.content.decode())

"""The officials' dashboard: it composes each app's selectors and owns no domain query.

An app adds a section by listing a function in DASHBOARD_SECTIONS; the function returns
``(title, [(label, value), ...])``.
"""

from django.utils.module_loading import import_string

DASHBOARD_SECTIONS: list[str] = [
    "kunshan_portal.selectors.portal_stats",
]


def dashboard_sections() -> list[tuple[str, list[tuple[str, object]]]]:
    return [import_string(path)() for path in DASHBOARD_SECTIONS]

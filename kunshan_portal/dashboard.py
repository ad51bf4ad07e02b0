"""The officials' dashboard: it composes each app's selectors (registered in kunshan_portal.registry)."""

from kunshan_portal.registry import DASHBOARD_SECTIONS
from kunshan_portal.selectors import portal_stats


def dashboard_sections() -> list[tuple[str, list[tuple[str, object]]]]:
    return [portal_stats(), *(section() for section in DASHBOARD_SECTIONS)]

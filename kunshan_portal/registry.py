"""Places where each app plugs in what the shared pages show, without the core importing the apps.

An app registers in its AppConfig.ready():
- an application source: ``f(resident) -> list[ApplicationSummary]`` for the resident's own page;
- a dashboard section: ``f() -> (title, [(label, value), ...])`` for the officials' overview.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApplicationSummary:
    kind: str  # what it is, in the reader's language ("Housing application")
    title: str  # which one ("Yushan blue-collar apartments, 2 choices")
    state: str  # the state's label in the reader's language
    submitted_at: datetime
    url: str = ""


APPLICATION_SOURCES: list[Callable] = []
DASHBOARD_SECTIONS: list[Callable] = []


def register_application_source(source: Callable) -> None:
    if source not in APPLICATION_SOURCES:
        APPLICATION_SOURCES.append(source)


def register_dashboard_section(section: Callable) -> None:
    if section not in DASHBOARD_SECTIONS:
        DASHBOARD_SECTIONS.append(section)


def applications_of(resident) -> list[ApplicationSummary]:
    """Every application of the resident across the portal, newest first."""
    found = [summary for source in APPLICATION_SOURCES for summary in source(resident)]
    return sorted(found, key=lambda s: s.submitted_at, reverse=True)

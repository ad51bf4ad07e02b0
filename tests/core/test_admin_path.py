"""The caseworkers' admin lives where KUNSHAN_ADMIN_URL says, and nothing links to a fixed "/admin/"."""

import importlib
import re

import pytest
from django.urls import clear_url_caches, reverse

from kunshan_portal import roles
from tests.conftest import ROOT

ELSEWHERE = "office-7f3a/"


@pytest.fixture
def admin_elsewhere(settings):
    import kunshan_portal.urls

    original = settings.ADMIN_URL
    settings.ADMIN_URL = ELSEWHERE
    importlib.reload(kunshan_portal.urls)
    clear_url_caches()
    yield f"/{ELSEWHERE}"
    settings.ADMIN_URL = original
    importlib.reload(kunshan_portal.urls)
    clear_url_caches()


def test_the_admin_is_served_at_the_configured_path(client, make_user, admin_elsewhere):
    caseworker = make_user("cw", roles.CASEWORKER_GROUPS["housing"])
    # the old place is gone
    assert client.get("/admin/").status_code == 404
    # anonymous visitors are sent to the admin's log-in at the new place
    asked = client.get(admin_elsewhere)
    assert asked.status_code == 302 and asked["Location"].startswith(f"{admin_elsewhere}login/")
    # staff land there after logging in, and every page links within it
    client.force_login(caseworker)
    assert client.get(reverse("after-login"))["Location"] == admin_elsewhere
    index = client.get(admin_elsewhere)
    assert index.status_code == 200
    page = client.get(f"{admin_elsewhere}housing/compound/").content.decode()
    assert f'href="{admin_elsewhere}' in page
    assert 'href="/admin/' not in page


def test_the_site_header_links_staff_to_the_configured_path(client, make_user, admin_elsewhere):
    client.force_login(make_user("cw", roles.CASEWORKER_GROUPS["residents"]))
    page = client.get(reverse("home")).content.decode()
    assert f'href="{admin_elsewhere}"' in page
    assert 'href="/admin/' not in page


# Only URLs made by reverse() or {% url %} may point into the admin.
LITERAL = re.compile(r"""["'`]/admin/""")
SOURCES = ("kunshan_portal", "residents", "employment", "insurance", "housing", "education", "legal_aid",
           "templates", "static")  # fmt: skip


def test_no_code_or_template_names_the_admin_path():
    found = []
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".js", ".txt"} or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1):
                if LITERAL.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []

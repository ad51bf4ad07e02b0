"""The admin's shared pieces: the changelist row checkbox drawn without a form widget, and the list of
apps and models beside every page, kept per set of permissions, with the sidebar drawn from it."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test.signals import template_rendered
from django.urls import reverse

from kunshan_portal import roles
from kunshan_portal.admin_tools import PlainActionCheckbox, PortalAdminSite
from residents.models import Resident
from tests.conftest import own_cache
from tests.employment.factories import make_application
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_the_row_checkbox_is_the_one_django_draws():
    # given: the actions' script finds the rows by this markup (name, value, class, label)
    model_admin = admin.site._registry[Resident]
    for name in ("张伟", 'O"Brien & <Sons>'):  # a name with characters to escape too
        resident = make_resident(with_user=False, name=name)
        # when
        plain = PlainActionCheckbox().action_checkbox(resident)
        drawn = admin.ModelAdmin.action_checkbox(model_admin, resident)
        # then
        assert isinstance(model_admin, PlainActionCheckbox)
        assert plain == drawn


def _models_beside(client) -> set[str]:
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    return {model["object_name"] for app in page.context["available_apps"] for model in app["models"]}


@own_cache("apps")
def test_the_models_beside_each_page_follow_the_accounts_permissions(client, make_user, monkeypatch):
    # given: a housing caseworker's list is built once, then kept
    worker = make_user("cw-housing", roles.CASEWORKER_GROUPS["housing"])
    client.force_login(worker)
    builds = []
    build = PortalAdminSite._build_app_dict
    monkeypatch.setattr(
        PortalAdminSite, "_build_app_dict", lambda *a, **k: builds.append(1) or build(*a, **k)
    )
    first = _models_beside(client)
    assert _models_beside(client) == first and len(builds) == 1
    assert "Compound" in first and "Case" not in first

    # when: the caseworker also takes on legal aid
    worker.groups.add(Group.objects.get(name=roles.CASEWORKER_GROUPS["legal_aid"]))

    # then: the next page lists the cases too
    assert "Case" in _models_beside(client)


def _current_model(page) -> str:
    """The address the sidebar marks as this page's model."""
    sidebar = page.content.decode().split('id="nav-sidebar"', 1)[1].split("</nav>", 1)[0]
    return sidebar.split('" aria-current="page"', 1)[0].rsplit('href="', 1)[1]


@own_cache("sidebar")
def test_the_sidebar_is_drawn_once_per_model_and_marks_the_model_of_each_page(client, make_user):
    # given: an employment caseworker, and a record of every template drawn
    client.force_login(make_user("cw-employment", roles.CASEWORKER_GROUPS["employment"]))
    application = make_application()
    drawn = []

    def record(sender, template, **kwargs):
        drawn.append(template.name)

    template_rendered.connect(record)
    try:
        applications = reverse("admin:employment_application_changelist")
        # when: the list of applications, its next visit and one application's page
        pages = [
            client.get(applications),
            client.get(applications),
            client.get(reverse("admin:employment_application_change", args=[application.pk])),
        ]
        # then: one sidebar drawn for the three, each marking the applications
        assert drawn.count("admin/app_list.html") == 1
        assert [_current_model(page) for page in pages] == [applications] * 3

        # when: another model's list
        jobs = reverse("admin:employment_job_changelist")
        page = client.get(jobs)
    finally:
        template_rendered.disconnect(record)

    # then: its own sidebar, marking the jobs
    assert drawn.count("admin/app_list.html") == 2
    assert _current_model(page) == jobs

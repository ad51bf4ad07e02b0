import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from kunshan_portal import roles


def test_every_role_exists_as_a_group(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


@pytest.mark.parametrize(
    ("pattern_role", "allowed", "refused"),
    [
        ("caseworker_housing", ("housing", "add_offer"), ("residents", "change_resident")),
        ("caseworker_residents", ("residents", "change_resident"), ("housing", "view_compound")),
        ("official", ("kunshan_portal", "view_dashboard"), ("residents", "view_resident")),
        ("resident", None, ("residents", "view_resident")),
    ],
)
def test_role_patterns_match_their_domain_only(pattern_role, allowed, refused):
    available = [p for p in (allowed, refused) if p]
    granted = roles.permissions_for(pattern_role, available)
    if allowed:
        assert allowed in granted
    assert refused not in granted


def test_caseworker_groups_hold_only_their_domains_permissions(db):
    for domain, group_name in roles.CASEWORKER_GROUPS.items():
        apps = set(
            Group.objects.get(name=group_name).permissions.values_list("content_type__app_label", flat=True)
        )
        assert apps <= {domain, "residents"}, group_name


def test_official_sees_dashboards_but_not_the_admin(client, official_user):
    client.force_login(official_user)
    assert client.get(reverse("dashboard")).status_code == 200
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ["resident", "employer", "caseworker_housing", "lawyer"])
def test_other_roles_may_not_open_the_dashboards(client, make_user, role):
    client.force_login(make_user("someone", role))
    assert client.get(reverse("dashboard")).status_code == 403


def test_caseworker_sees_only_their_domains_models_in_the_admin(client, make_user):
    client.force_login(make_user("hw", roles.CASEWORKER_GROUPS["residents"]))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    app_labels = {app["app_label"] for app in index.context["app_list"]}
    assert app_labels <= {"residents"}
    assert client.get(reverse("admin:kunshan_portal_user_changelist")).status_code == 403

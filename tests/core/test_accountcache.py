"""An account's permissions and second factor are kept between requests, and every change shows at once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from kunshan_portal import accountcache, roles
from kunshan_portal.models import User

ACCOUNT_TABLES = ("auth_permission", "otp_totp_totpdevice", "otp_static_staticdevice")


def account_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, [
        q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in ACCOUNT_TABLES)
    ]


@pytest.fixture
def official_group():
    return Group.objects.get(name=roles.OFFICIAL)


def test_a_second_page_asks_the_database_nothing_about_the_account(client, official_user):
    client.force_login(official_user)
    status, first = account_queries(client, reverse("dashboard"))
    assert status == 200 and first  # computed once …
    status, second = account_queries(client, reverse("dashboard"))
    assert status == 200 and second == []  # … then kept


def test_joining_a_group_shows_on_the_next_page(client, resident_user, official_group):
    client.force_login(resident_user)
    assert client.get(reverse("dashboard")).status_code == 403
    resident_user.groups.add(official_group)
    assert client.get(reverse("dashboard")).status_code == 200


def test_leaving_a_group_shows_on_the_next_page_from_either_side(client, official_user, official_group):
    client.force_login(official_user)
    assert client.get(reverse("dashboard")).status_code == 200
    official_group.user_set.remove(official_user)
    assert client.get(reverse("dashboard")).status_code == 403
    official_user.groups.add(official_group)
    assert client.get(reverse("dashboard")).status_code == 200
    official_group.user_set.clear()
    assert client.get(reverse("dashboard")).status_code == 403


def test_a_permission_taken_from_the_group_shows_on_the_next_page(client, official_user, official_group):
    client.force_login(official_user)
    assert client.get(reverse("dashboard")).status_code == 200
    official_group.permissions.remove(Permission.objects.get(codename="view_dashboard"))
    assert client.get(reverse("dashboard")).status_code == 403


def test_a_permission_given_to_the_user_alone_shows_on_the_next_page(client, resident_user):
    client.force_login(resident_user)
    assert client.get(reverse("dashboard")).status_code == 403
    resident_user.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_second_factor_added_elsewhere_is_asked_for_on_the_next_page(client, resident_user):
    client.force_login(resident_user)
    assert client.get(reverse("notice-list")).status_code == 200
    StaticDevice.objects.create(user=resident_user, name="recovery codes", confirmed=True)
    assert client.get(reverse("notice-list"))["Location"].startswith(reverse("mfa-verify"))
    StaticDevice.objects.filter(user=resident_user).delete()
    assert client.get(reverse("notice-list")).status_code == 200


def test_facts_computed_before_a_change_are_not_taken_after_it(official_user, official_group):
    """A request that read the account before a change and writes its facts after it (a slow request
    racing an administrator) leaves nothing that a later request would take."""
    versions = accountcache._current(
        [accountcache._GENERATION, accountcache._version_key(official_user.pk)], {}
    )
    stale = accountcache._compute(User.objects.get(pk=official_user.pk))
    official_group.user_set.remove(official_user)
    identity = (official_user.date_joined.isoformat(), False)
    cache.set(accountcache._entry_key(official_user.pk), (*versions, identity, stale), 60)
    assert "kunshan_portal.view_dashboard" in stale.permissions
    fresh = accountcache.account_facts(User.objects.get(pk=official_user.pk))
    assert "kunshan_portal.view_dashboard" not in fresh.permissions


def test_a_lost_version_does_not_bring_back_old_facts(official_user, official_group):
    assert accountcache.account_facts(User.objects.get(pk=official_user.pk)).permissions
    official_group.user_set.remove(official_user)  # the cache is told …
    cache.delete(accountcache._version_key(official_user.pk))  # … and then loses the version (evicted)
    assert not accountcache.account_facts(User.objects.get(pk=official_user.pk)).permissions


def test_an_account_with_the_number_of_an_old_one_does_not_get_its_facts(official_user):
    """A database recreated under the same cache (tests, a restore) gives the numbers out again."""
    assert accountcache.account_facts(User.objects.get(pk=official_user.pk)).permissions
    # Another account under the same number, made behind Django's back: no signal tells the cache.
    User.groups.through.objects.filter(user_id=official_user.pk).delete()
    User.objects.filter(pk=official_user.pk).update(date_joined=official_user.date_joined - timedelta(days=1))
    assert not accountcache.account_facts(User.objects.get(pk=official_user.pk)).permissions


def test_superuser_status_is_part_of_the_kept_facts(make_user):
    user = make_user("root-to-be")
    assert not accountcache.account_facts(User.objects.get(pk=user.pk)).permissions
    User.objects.filter(pk=user.pk).update(is_superuser=True)  # behind Django's back, no signal
    assert (
        "kunshan_portal.view_dashboard"
        in accountcache.account_facts(User.objects.get(pk=user.pk)).permissions
    )

"""What every logged-in request must know about its account, kept in the cache between requests.

Each page a logged-in user opens asks which permissions the account has (two queries: its own and its
groups') and whether it has a second factor (a query per kind of device, after django-otp has looked
through every model for the kinds). These facts change seldom, so they are kept per account in the shared
cache (Redis in production) and read with one round trip.

They are kept only while they are true. A change made through Django drops them at once, in every process:
a user added to or removed from a group, a permission given or taken, a group's permissions changed, a
group or permission deleted, a second factor added, confirmed or removed. The signals below do this twice,
when the change is made and again when its transaction commits, so a request that read the old facts
during the change cannot keep them. Each kept entry carries the versions it was computed under; dropping
means giving the account (or, for a change to a group, every account) a new version, never deleting, so a
late write of old facts is never taken for current. The entry also names the account by the time it
joined, so an account that reuses the number of an old one (a database restored or recreated under the
same cache) never gets the old one's facts. Whether the account is active is read from its own row on
every request, as before. A change made behind Django's back (SQL by hand) shows within FACTS_SECONDS.

``prime`` hands the kept permissions to Django's own model backend for the request's user (the
AccountSecurityMiddleware does it for every logged-in request), so ``has_perm`` works as always.
"""

import uuid
from dataclasses import dataclass

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

FACTS_SECONDS = 300
_PREFIX = "account-facts:1"
_GENERATION = f"{_PREFIX}:generation"  # changes when a group's or a permission's meaning changes


@dataclass(frozen=True)
class AccountFacts:
    permissions: frozenset[str]
    has_device: bool  # a confirmed second factor (authenticator app or recovery codes)


def _version_key(user_pk) -> str:
    return f"{_PREFIX}:version:{user_pk}"


def _entry_key(user_pk) -> str:
    return f"{_PREFIX}:entry:{user_pk}"


def _current(keys: list[str], kept: dict) -> list[str]:
    """The current versions under ``keys``; a version missing from the cache (never set, or evicted) is
    set to a new one first, so entries made under the lost one no longer match."""
    for key in keys:
        if key not in kept:
            cache.add(key, uuid.uuid4().hex, None)
    missing = [key for key in keys if key not in kept]
    if missing:
        kept = {**kept, **cache.get_many(missing)}
    return [kept.get(key) for key in keys]


def _compute(user) -> AccountFacts:
    from django_otp import user_has_device

    return AccountFacts(
        permissions=frozenset(ModelBackend().get_all_permissions(user)),
        has_device=user_has_device(user),
    )


def account_facts(user) -> AccountFacts:
    """The account's permissions and second factor, from the cache when still true (once per request)."""
    facts = getattr(user, "_account_facts", None)
    if facts is not None:
        return facts
    entry_key, version_key = _entry_key(user.pk), _version_key(user.pk)
    kept = cache.get_many([_GENERATION, version_key, entry_key])
    versions = _current([_GENERATION, version_key], kept)
    identity = (user.date_joined.isoformat() if user.date_joined else "", user.is_superuser)
    stored = kept.get(entry_key)
    if stored is not None and stored[:3] == (*versions, identity):
        facts = stored[3]
    else:
        facts = _compute(user)
        cache.set(entry_key, (*versions, identity, facts), FACTS_SECONDS)
    user._account_facts = facts
    return facts


def has_second_factor(user) -> bool:
    return account_facts(user).has_device


def prime(user) -> None:
    """Hand Django's model backend the account's kept permissions, so that it does not query them."""
    if user.is_active and not hasattr(user, "_perm_cache"):
        user._perm_cache = set(account_facts(user).permissions)


# --- Dropping kept facts ---------------------------------------------------------------------------


def _renew(keys: list[str]) -> None:
    """New versions under ``keys`` now, and again when the current transaction commits."""

    def renew() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)

    if keys:
        renew()
        transaction.on_commit(renew)


def forget_accounts(user_pks) -> None:
    """Drop the kept facts of these accounts."""
    _renew([_version_key(pk) for pk in user_pks])


def forget_everyone() -> None:
    _renew([_GENERATION])


def _user_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's groups or own permissions changed (from either side of the relation)."""
    if not action.startswith("post_"):
        return
    if not reverse:
        forget_accounts([instance.pk])
    elif pk_set is not None and action != "post_clear":
        forget_accounts(pk_set)
    else:
        forget_everyone()  # a group or permission lost all its users: which ones is no longer known


def _meaning_changed(sender, action=None, **kwargs):
    """A group's permissions, or a group or permission itself, changed: every account may be touched."""
    if action is None or action.startswith("post_"):
        forget_everyone()


def _device_changed(sender, instance, **kwargs):
    forget_accounts([instance.user_id])


def connect_signals() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from django_otp import device_classes

    user_model = get_user_model()
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(
            _user_m2m_changed, sender=through, dispatch_uid=f"account-facts-{through.__name__}"
        )
    m2m_changed.connect(_meaning_changed, sender=Group.permissions.through, dispatch_uid="account-facts-gp")
    for model in (Group, Permission):
        post_save.connect(_meaning_changed, sender=model, dispatch_uid=f"account-facts-save-{model.__name__}")
        post_delete.connect(
            _meaning_changed, sender=model, dispatch_uid=f"account-facts-del-{model.__name__}"
        )
    for model in device_classes():
        post_save.connect(_device_changed, sender=model, dispatch_uid=f"account-facts-save-{model.__name__}")
        post_delete.connect(_device_changed, sender=model, dispatch_uid=f"account-facts-del-{model.__name__}")

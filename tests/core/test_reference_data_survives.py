"""Transactional tests must not leave the database without its reference data for the tests after them."""

import pytest
from django.contrib.auth.models import Group

from kunshan_portal import roles


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_sees_the_roles():
    assert Group.objects.filter(name__in=roles.ALL_ROLES).count() == len(roles.ALL_ROLES)


@pytest.mark.django_db(transaction=True)
def test_and_so_does_the_next_one():
    assert Group.objects.filter(name__in=roles.ALL_ROLES).count() == len(roles.ALL_ROLES)


def test_and_a_plain_one_after_them(db):
    assert Group.objects.filter(name=roles.RESIDENT).exists()


@pytest.mark.django_db(transaction=True)
def test_a_reused_database_left_empty_gets_its_reference_data_back():
    """``--reuse-db`` after a run that ended with a transactional test finds every table empty: the session
    puts the migrations' data back (towns, skills, stations, rate tables …) before the first test."""
    from django.apps import apps
    from django.core.management import call_command
    from pghistory.models import Event

    from tests.conftest import PORTAL_APPS, _put_back_reference_data

    models = [
        model
        for model in apps.get_models()
        if model._meta.app_label in PORTAL_APPS
        and model._meta.managed
        and not model._meta.proxy
        and not issubclass(model, Event)  # history: writing the data back is itself recorded
    ]
    before = {model._meta.label: model.objects.count() for model in models}
    assert before["residents.Town"] > 0 and before["legal_aid.Station"] > 0
    call_command("flush", interactive=False, verbosity=0)  # as the last transactional test leaves it
    assert not apps.get_model("residents", "Town").objects.exists()
    _put_back_reference_data()
    assert {model._meta.label: model.objects.count() for model in models} == before


def test_the_reference_data_is_kept_for_serialized_rollback(transactional_db):
    """What a transactional test's end empties is put back from this, in a run of marked tests too."""
    from django.db import connection

    assert '"model": "residents.town"' in connection._test_serialized_contents

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

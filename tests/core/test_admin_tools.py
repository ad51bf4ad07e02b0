"""The admin's shared pieces: the changelist row checkbox drawn without a form widget."""

import pytest
from django.contrib import admin

from kunshan_portal.admin_tools import PlainActionCheckbox
from residents.models import Resident
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_the_row_checkbox_is_the_one_django_draws():
    # given: the actions' script finds the rows by this markup (name, value, class, label)
    resident = make_resident(with_user=False)
    model_admin = admin.site._registry[Resident]
    # when
    plain = PlainActionCheckbox().action_checkbox(resident)
    drawn = admin.ModelAdmin.action_checkbox(model_admin, resident)
    # then
    assert isinstance(model_admin, PlainActionCheckbox)
    assert plain == drawn

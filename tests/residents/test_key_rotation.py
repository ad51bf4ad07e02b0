import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from residents.models import FamilyMember, Resident
from tests.factories import make_child, make_resident


def test_rotation_re_encrypts_every_number_so_the_old_key_can_go(db, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.KUNSHAN_ID_KEYS = [old]
    resident = make_resident()
    child = make_child(resident)
    number, child_number = resident.id_number, child.id_number
    # given the new key first and the old one still accepted
    settings.KUNSHAN_ID_KEYS = [new, old]
    # when
    call_command("rotate_id_keys", batch=1)
    # then the new key alone reads every number
    settings.KUNSHAN_ID_KEYS = [new]
    assert Resident.objects.get(pk=resident.pk).id_number == number
    assert FamilyMember.objects.get(pk=child.pk).id_number == child_number
    settings.KUNSHAN_ID_KEYS = [old]
    with pytest.raises(ImproperlyConfigured):
        Resident.objects.get(pk=resident.pk).id_number

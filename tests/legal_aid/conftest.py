import importlib

import pytest

from legal_aid.models import StationStaff
from tests.legal_aid.factories import make_staff

SEEDS = ("residents.migrations.0002_seed_reference_data", "legal_aid.migrations.0002_seed_stations_and_rules")


def _seed() -> None:
    from django.apps import apps

    for module in SEEDS:
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def reference_data(transactional_db):
    """Towns, stations and the deadline table for a test on real transactions (a flush empties them)."""
    _seed()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads of a test go to a directory of its own, outside the tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def caseworker(db):
    """The head caseworker of the Yushan station (and so of its sub-stations)."""
    return make_staff("yushan", StationStaff.Role.CASEWORKER, head=True)


@pytest.fixture
def lawyer(db):
    return make_staff("yushan", StationStaff.Role.LAWYER)

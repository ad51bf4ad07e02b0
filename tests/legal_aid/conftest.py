import pytest

from legal_aid.models import StationStaff
from tests.legal_aid.factories import make_staff


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

import pytest

from kunshan_portal.errors import DomainError
from residents.models import FamilyMember
from residents.services import family_member_remove
from tests.education.factories import make_application, make_school, make_seats


def test_a_child_with_a_school_application_cannot_be_removed_and_is_told_why(db):
    # given a child with an application
    school = make_school()
    make_seats(school, 3)
    application = make_application(schools=[school])
    child, parent = application.child, application.parent
    # when the parent removes the child, then a clear refusal and nothing changes
    with pytest.raises(DomainError, match="school applications"):
        family_member_remove(member=child, actor=parent.user)
    assert FamilyMember.objects.filter(pk=child.pk).exists()

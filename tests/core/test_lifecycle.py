import pghistory.models
import pytest
from django.contrib.auth.models import Permission

from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import available_transitions, lifecycle_timeline, lifecycle_transition
from kunshan_portal.models import Notice, NoticeDelivery, StateTransition
from tests.core.lifecycle_app.models import Permit


@pytest.fixture
def clerk(make_user):
    user = make_user("clerk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_permit"))
    return user


@pytest.fixture
def permit(resident_user):
    return Permit.objects.create(applicant=resident_user, purpose="stall at the night market")


def test_allowed_transition_moves_state_records_step_and_tells_applicant(permit, clerk, resident_user):
    # when
    result = lifecycle_transition(
        obj=permit, transition="approve", actor=clerk, note="documents fine", decision=True
    )
    # then
    permit.refresh_from_db()
    assert result.state == permit.state == "approved"
    assert permit.decided_at is not None and permit.decision_note == "documents fine"
    step = StateTransition.objects.get(object_id=permit.pk)
    assert (step.from_state, step.to_state, step.actor, step.note) == (
        "submitted",
        "approved",
        clerk,
        "documents fine",
    )
    notice = Notice.objects.get(recipient=resident_user)
    assert "approved" in notice.body and "documents fine" in notice.body
    assert set(NoticeDelivery.objects.filter(notice=notice).values_list("channel", flat=True)) == {
        "sms",
        "email",
    }


def test_transition_not_allowed_from_current_state_is_refused_and_changes_nothing(permit, clerk):
    lifecycle_transition(obj=permit, transition="reject", actor=clerk)
    with pytest.raises(DomainError, match="not allowed"):
        lifecycle_transition(obj=permit, transition="approve", actor=clerk)
    permit.refresh_from_db()
    assert permit.state == "rejected"
    assert StateTransition.objects.filter(object_id=permit.pk).count() == 1


def test_actor_without_the_right_is_refused(permit, make_user):
    stranger = make_user("stranger")
    with pytest.raises(DomainError) as caught:
        lifecycle_transition(obj=permit, transition="approve", actor=stranger)
    assert caught.value.code == "forbidden"
    permit.refresh_from_db()
    assert permit.state == "submitted"


def test_object_level_right_lets_only_the_owner_withdraw(permit, resident_user, make_user):
    other = make_user("13800000002")
    with pytest.raises(DomainError):
        lifecycle_transition(obj=permit, transition="withdraw", actor=other)
    lifecycle_transition(obj=permit, transition="withdraw", actor=resident_user)
    permit.refresh_from_db()
    assert permit.state == "withdrawn"


def test_state_cannot_be_set_by_hand(permit):
    with pytest.raises(AttributeError):
        permit.state = "approved"


def test_unknown_action_is_refused(permit, clerk):
    with pytest.raises(DomainError, match="Unknown action"):
        lifecycle_transition(obj=permit, transition="delete", actor=clerk)


def test_available_transitions_depend_on_actor(permit, clerk, resident_user):
    assert set(available_transitions(permit, clerk)) == {"approve", "reject"}
    assert available_transitions(permit, resident_user) == ["withdraw"]


def test_timeline_hides_internal_notes_from_the_applicant(permit, clerk):
    lifecycle_transition(obj=permit, transition="approve", actor=clerk, note="called employer", internal=True)
    assert lifecycle_timeline(obj=permit, include_internal=False) == []
    assert [s.note for s in lifecycle_timeline(obj=permit, include_internal=True)] == ["called employer"]
    # the applicant's notice does not carry the internal note either
    assert "called employer" not in Notice.objects.get().body


def test_history_keeps_every_write_including_bulk_updates(permit, clerk):
    lifecycle_transition(obj=permit, transition="approve", actor=clerk)
    Permit.objects.filter(pk=permit.pk).update(purpose="changed in bulk")
    events = pghistory.models.Events.objects.tracks(permit).order_by("pgh_created_at", "pgh_id")
    labels = [e.pgh_label for e in events]
    assert labels == ["insert", "update", "update"]
    assert events.last().pgh_data["purpose"] == "changed in bulk"
    # the transition's event carries who acted
    assert any(e.pgh_context and e.pgh_context.get("actor") == clerk.pk for e in events)


def test_notice_is_written_in_the_recipient_language(make_user, clerk):
    english = make_user("13800000003", language="en", phone="13800000003")
    chinese = make_user("13800000004", phone="13800000004", language="zh-hans")
    for user in (english, chinese):
        lifecycle_transition(
            obj=Permit.objects.create(applicant=user, purpose="x"), transition="approve", actor=clerk
        )
    assert Notice.objects.get(recipient=english).body.startswith("Your")
    assert Notice.objects.get(recipient=chinese).body.startswith("您的")

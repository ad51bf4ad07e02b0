"""The one way to move an application or case through its life: lock, check, move, record, tell."""

import pghistory
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from kunshan_portal.compiled import CompiledModelQuery
from kunshan_portal.errors import DomainError
from kunshan_portal.models import LifecycleModel, StateTransition, User
from kunshan_portal.notices import notice_send

NOTICE_SUBJECT = _("%(title)s: %(state)s")
NOTICE_BODY = _("Your %(title)s is now “%(state)s”.")
NOTICE_BODY_WITH_NOTE = _("Your %(title)s is now “%(state)s”. Note: %(note)s")


def available_transitions(obj: LifecycleModel, user: User) -> list[str]:
    """Names of the transitions this user may fire on the object now."""
    return [t.name for t in obj.get_available_user_state_transitions(user)]


def lifecycle_actor_check(*, obj: LifecycleModel, transition: str, actor: User | None) -> None:
    """Refuse an actor who may take this step in no state of the object, before anything else is said:
    someone else's application is refused as such, whatever its state or the details given."""
    method = getattr(obj, transition, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise DomainError(_("Unknown action “%(action)s”.") % {"action": transition})
    steps = method._django_fsm.transitions.values()
    if actor is not None and not any(step.has_perm(obj, actor) for step in steps):
        raise DomainError(_("You are not allowed to take this action."), code="forbidden")


@transaction.atomic
def lifecycle_transition(
    *,
    obj: LifecycleModel,
    transition: str,
    actor: User | None,
    note: str = "",
    internal: bool = False,
    decision: bool = False,
    notify: bool = True,
    extra_fields: tuple[str, ...] = (),
    **kwargs,
) -> LifecycleModel:
    """Fire one transition if the state allows it and the actor may; record who, when and why.

    ``kwargs`` go to the transition method; ``extra_fields`` names the fields it sets besides the state.
    """
    model = type(obj)
    locked = model.objects.select_for_update().get(pk=obj.pk)
    lifecycle_actor_check(obj=locked, transition=transition, actor=actor)
    method = getattr(locked, transition)
    if not can_proceed(method):
        raise DomainError(
            _("This action is not allowed while the %(title)s is “%(state)s”.")
            % {"title": locked.lifecycle_title(), "state": locked.get_state_display_text()}
        )
    if actor is not None and not has_transition_perm(method, actor):
        raise DomainError(_("You are not allowed to take this action."), code="forbidden")
    from_state = locked.state
    with pghistory.context(actor=actor.pk if actor else None, transition=transition):
        method(**kwargs)
        update_fields = ["state", "updated_at"]
        if decision:
            locked.decided_at = timezone.now()
            locked.decision_note = note
            update_fields += ["decided_at", "decision_note"]
        locked.save(update_fields=update_fields + list(extra_fields))
    StateTransition.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=locked.pk,
        transition=transition,
        from_state=from_state,
        to_state=locked.state,
        actor=actor,
        note=note,
        internal=internal,
    )
    recipient = locked.lifecycle_recipient()
    if notify and recipient is not None:
        params = {"title": locked.lifecycle_title(), "state": _state_label(locked), "note": note}
        notice_send(
            recipient=recipient,
            subject=NOTICE_SUBJECT,
            body=NOTICE_BODY_WITH_NOTE if note and not internal else NOTICE_BODY,
            params=params,
            link=getattr(locked, "get_absolute_url", lambda: "")(),
        )
    return locked


def _state_label(obj):
    field = obj._meta.get_field("state")
    return dict(field.flatchoices).get(obj.state, obj.state)


def lifecycle_timeline(*, obj: LifecycleModel, include_internal: bool) -> list[StateTransition]:
    """The object's steps in order; the applicant's view leaves internal notes out."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return _TIMELINES[include_internal].objects(content_type.pk, obj.pk)


def _timeline_reader(include_internal: bool) -> CompiledModelQuery:
    def steps(content_type_id: int, object_id: int):
        found = StateTransition.objects.filter(content_type_id=content_type_id, object_id=object_id)
        return (found if include_internal else found.filter(internal=False)).select_related("actor")

    return CompiledModelQuery(steps)


# Every page of an application shows its steps: compiled once (kunshan_portal/compiled.py).
_TIMELINES = {include_internal: _timeline_reader(include_internal) for include_internal in (False, True)}

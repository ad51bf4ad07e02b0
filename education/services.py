"""Every write of the education app: applications, rounds (freeze, run), offers and enrolments."""

import secrets
from datetime import datetime, time, timedelta

import pghistory
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.models import (
    GRADES,
    Application,
    ApplicationChoice,
    ChildLottery,
    Enrolment,
    Offer,
    Round,
    RoundCutoff,
    RoundEntry,
    School,
    SchoolSeats,
    SchoolYear,
)
from education.rules import parse_order
from education.selectors import (
    ACTIVE_ROUND_STATES,
    contribution_months,
    open_offers_before,
    policy_in_force,
    round_outcome,
)
from kunshan_portal.dashboard import dashboard_refresh_soon
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_transition
from kunshan_portal.models import User
from kunshan_portal.notices import notice_send
from residents.models import FamilyMember, Resident

GRADE_LABELS = dict(GRADES)
LOTTERY_RANGE = 100_000_000  # eight digits: collisions are rare and simply redrawn before storing

AGE_MESSAGES = {
    "young": _(
        "%(child)s is too young for %(grade)s in %(year)s: grade 1 takes children who are %(age)d by "
        "%(cutoff)s, each grade above one year more."
    ),
    "old": _(
        "%(child)s is older than %(grade)s takes in %(year)s: grade 1 takes children who are %(age)d by "
        "%(cutoff)s, each grade above one year more, and up to %(over)d years older. A caseworker can advise "
        "on the right grade."
    ),
}


# --- applications -------------------------------------------------------------------------------


def _check_choices(*, schools: list[School], grade: int, max_choices: int) -> list[School]:
    schools = [school for school in schools if school is not None]
    if not schools:
        raise DomainError(_("Rank at least one school."), field="choices")
    if len(schools) > max_choices:
        raise DomainError(_("Rank at most %(n)d schools.") % {"n": max_choices}, field="choices")
    if len({school.pk for school in schools}) != len(schools):
        raise DomainError(_("Each school may be ranked only once."), field="choices")
    for school in schools:
        if not school.active:
            raise DomainError(
                _("%(school)s does not take applications at present.") % {"school": school}, field="choices"
            )
        if not school.offers_grade(grade):
            raise DomainError(
                _("%(school)s does not teach grade %(grade)d (it has %(grades)s).")
                % {"school": school, "grade": grade, "grades": school.grades_label},
                field="choices",
            )
    return schools


def _lottery_number(child_id_hash: str) -> int:
    """The child's lottery number: the stored one, or one drawn now with `secrets` and stored for good."""
    existing = (
        ChildLottery.objects.filter(child_id_hash=child_id_hash).values_list("number", flat=True).first()
    )
    if existing is not None:
        return existing
    for _attempt in range(20):
        number = secrets.randbelow(LOTTERY_RANGE - 1) + 1
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO education_childlottery (child_id_hash, number, drawn_at) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING RETURNING number",
                [child_id_hash, number, timezone.now()],
            )
            row = cursor.fetchone()
        if row:
            return row[0]
        # Either the child got a number meanwhile (another parent, at the same moment) or the number is
        # taken by another child: take the child's own, or draw again.
        existing = (
            ChildLottery.objects.filter(child_id_hash=child_id_hash).values_list("number", flat=True).first()
        )
        if existing is not None:
            return existing
    raise DomainError(_("The lottery could not draw a number; please try again."))


def _check_age(*, child: FamilyMember, grade: int, school_year: int) -> None:
    rule = policy_in_force().age_rule
    verdict = rule.check(birth_date=child.birth_date, grade=grade, school_year=school_year)
    if verdict:
        raise DomainError(
            AGE_MESSAGES[verdict]
            % {
                "child": child.name,
                "grade": _("grade %(n)d") % {"n": grade},
                "year": f"{school_year}–{school_year + 1}",
                "age": rule.entry_age,
                "cutoff": rule.cutoff(school_year).strftime("%d/%m"),
                "over": rule.max_years_over,
            },
            field="grade",
        )


def _acts_for_parent(actor: User, parent: Resident, permission: str) -> None:
    if actor.pk != parent.user_id and not actor.has_perm(permission):
        raise DomainError(_("You may act only on your own family's applications."), code="forbidden")


def _in_active_round(application: Application) -> Round | None:
    entry = (
        RoundEntry.objects.filter(application=application, round__state__in=ACTIVE_ROUND_STATES)
        .select_related("round")
        .first()
    )
    return entry.round if entry else None


def _refuse_if_in_active_round(application: Application) -> None:
    # A freeze locks the school year for update: this shared lock makes a change wait for a freeze under
    # way and then see it, or makes the freeze wait for the change and then see it.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM education_schoolyear WHERE year = %s FOR SHARE", [application.school_year_id]
        )
    active = _in_active_round(application)
    if active:
        raise DomainError(
            _("The application is being placed in %(round)s and cannot change until its results are out.")
            % {"round": active}
        )


def _save_choices(application: Application, schools: list[School]) -> None:
    application.choices.all().delete()
    ApplicationChoice.objects.bulk_create(
        [ApplicationChoice(application=application, rank=rank, school=school) for rank, school in
         enumerate(schools, start=1)]
    )  # fmt: skip


@transaction.atomic
def application_submit(
    *, parent: Resident, child: FamilyMember, school_year: SchoolYear, grade: int, schools: list[School],
    actor: User,
) -> Application:  # fmt: skip
    """A verified parent asks for a place for their child in a grade fitting its age, ranking up to six
    schools that teach that grade; one application per child and school year, whoever the parent."""
    _acts_for_parent(actor, parent, "education.add_application")
    if not parent.is_verified:
        raise DomainError(
            _("School places are for verified residents: your registration is not verified yet."),
            field="child",
        )
    if child.resident_id != parent.pk or child.relation != FamilyMember.Relation.CHILD:
        raise DomainError(_("Choose one of your children."), field="child")
    year = SchoolYear.objects.filter(pk=school_year.pk).first()
    if year is None or not year.applications_open:
        raise DomainError(_("Applications for this school year are not open."), field="school_year")
    if grade not in range(1, 10):
        raise DomainError(_("Choose a grade from 1 to 9."), field="grade")
    _check_age(child=child, grade=grade, school_year=year.year)
    schools = _check_choices(schools=schools, grade=grade, max_choices=policy_in_force().max_choices)
    if Enrolment.objects.filter(child_id_hash=child.id_number_hash, school_year=year).exists():
        raise DomainError(
            _("%(child)s is already enrolled at a school for %(year)s.")
            % {"child": child.name, "year": year},
            field="child",
        )
    application = Application(
        parent=parent, child=child, child_id_hash=child.id_number_hash, school_year=year, grade=grade,
        lottery=_lottery_number(child.id_number_hash),
    )  # fmt: skip
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError as exc:
        raise DomainError(
            _(
                "There is already an application for %(child)s for %(year)s (perhaps made by the other "
                "parent): a child has one application per school year."
            )
            % {"child": child.name, "year": year},
            field="child",
        ) from exc
    _save_choices(application, schools)
    return application


@transaction.atomic
def application_choices_update(
    *, application: Application, schools: list[School], actor: User
) -> Application:
    """The parent changes the ranked schools while the application waits for a round (not during one)."""
    application = Application.objects.select_for_update().select_related("parent").get(pk=application.pk)
    _acts_for_parent(actor, application.parent, "education.change_application")
    if application.state not in (Application.State.SUBMITTED, Application.State.WAITING):
        raise DomainError(
            _("The schools can be changed only while the application waits for a round (it is “%(state)s”).")
            % {"state": application.get_state_display()}
        )
    _refuse_if_in_active_round(application)
    schools = _check_choices(
        schools=schools, grade=application.grade, max_choices=policy_in_force().max_choices
    )
    _save_choices(application, schools)
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    return application


@transaction.atomic
def application_withdraw(*, application: Application, actor: User) -> Application:
    """The parent withdraws an application that has no open offer, outside a running round."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _refuse_if_in_active_round(application)
    return lifecycle_transition(obj=application, transition="withdraw", actor=actor, notify=False)


# --- rounds ---------------------------------------------------------------------------------------


def _require_round_runner(actor: User) -> None:
    if not actor.has_perm("education.run_round"):
        raise DomainError(_("You are not allowed to manage placement rounds."), code="forbidden")


@transaction.atomic
def round_create(*, school_year: SchoolYear, actor: User, note: str = "") -> Round:
    """Open the next placement round of a school year; one round at a time per school year."""
    _require_round_runner(actor)
    SchoolYear.objects.select_for_update().get(pk=school_year.pk)  # numbers rounds one at a time
    number = (Round.objects.filter(school_year=school_year).aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            return Round.objects.create(school_year=school_year, number=number, note=note)
    except IntegrityError as exc:
        raise DomainError(
            _("A round of %(year)s is not finished yet: run it before opening the next one.")
            % {"year": school_year}
        ) from exc


FREEZE_SQL = """
WITH apps AS (
    SELECT a.id, a.parent_id, a.child_id_hash, a.grade, a.lottery, r.town_id
    FROM education_application a JOIN residents_resident r ON r.id = a.parent_id
    WHERE a.school_year_id = %(year)s AND a.state IN ('submitted', 'waiting') AND r.state = 'verified'
), refused AS (
    SELECT o.application_id, o.school_id FROM education_offer o JOIN apps ON apps.id = o.application_id
    WHERE o.state IN ('declined', 'lapsed')
), ranked AS (
    SELECT c.application_id, array_agg(c.school_id ORDER BY c.rank) AS schools
    FROM education_applicationchoice c JOIN apps ON apps.id = c.application_id
    WHERE NOT EXISTS (
        SELECT 1 FROM refused x WHERE x.application_id = c.application_id AND x.school_id = c.school_id
    )
    GROUP BY c.application_id
), siblings AS (
    SELECT apps.id AS application_id, array_agg(DISTINCT e.school_id) AS schools
    FROM apps
    JOIN residents_familymember f ON f.resident_id = apps.parent_id AND f.relation = 'child'
        AND f.id_number_hash <> apps.child_id_hash
    JOIN education_enrolment e ON e.child_id_hash = f.id_number_hash
    JOIN education_school s ON s.id = e.school_id
    WHERE e.school_year_id <= %(year)s AND e.grade + (%(year)s - e.school_year_id) <= s.last_grade
    GROUP BY apps.id
)
INSERT INTO education_roundentry
    (round_id, application_id, grade, town_id, months, lottery, sibling_school_ids, choices)
SELECT %(round)s, apps.id, apps.grade, apps.town_id, 0, apps.lottery, COALESCE(siblings.schools, '{}'),
    COALESCE(ranked.schools, '{}')
FROM apps
LEFT JOIN ranked ON ranked.application_id = apps.id
LEFT JOIN siblings ON siblings.application_id = apps.id
"""

MONTHS_SQL = """
UPDATE education_roundentry e SET months = v.months
FROM education_application a, unnest(%(parents)s::bigint[], %(months)s::integer[]) AS v(parent_id, months)
WHERE e.round_id = %(round)s AND a.id = e.application_id AND a.parent_id = v.parent_id
"""


@transaction.atomic
def round_freeze(*, round_: Round, actor: User) -> Round:
    """Fix the applications waiting for a place and their priority facts (town, siblings, months of
    contributions today, lottery) for this round; refused while offers of the school year are open."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    # Parents' changes to their applications take a shared lock on the school year (see above).
    SchoolYear.objects.select_for_update().get(pk=round_.school_year_id)
    pending = Offer.objects.filter(round__school_year=round_.school_year_id, state=Offer.State.OPEN)
    last = pending.aggregate(last=Max("deadline"))["last"]
    if last is not None:
        raise DomainError(
            _(
                "%(n)d offers of this school year are still open (the last deadline is %(deadline)s): freeze "
                "the next round once they are answered or have lapsed."
            )
            % {"n": pending.count(), "deadline": f"{timezone.localtime(last):%Y-%m-%d %H:%M}"}
        )
    policy = policy_in_force()
    now = timezone.now()
    round_ = lifecycle_transition(
        obj=round_, transition="freeze", actor=actor, notify=False,
        priority_order=",".join(parse_order(policy.priority_order)), offer_days=policy.offer_days, at=now,
        extra_fields=("priority_order", "offer_days", "frozen_at"),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(FREEZE_SQL, {"round": round_.pk, "year": round_.school_year_id})
        count = cursor.rowcount
    if count == 0:
        raise DomainError(_("No application of this school year is waiting for a place."))
    parents = list(
        Application.objects.filter(round_entries__round=round_)
        .order_by()
        .values_list("parent_id", flat=True)
        .distinct()
    )
    months = contribution_months(resident_ids=parents, until=timezone.localdate(now))
    if months:
        with connection.cursor() as cursor:
            cursor.execute(
                MONTHS_SQL, {"round": round_.pk, "parents": list(months), "months": list(months.values())}
            )
    Round.objects.filter(pk=round_.pk).update(entries_count=count)
    round_.entries_count = count
    return round_


@transaction.atomic
def round_reopen(*, round_: Round, actor: User) -> Round:
    """Undo a freeze before the run (e.g. to let late applications in): the frozen facts are dropped."""
    round_ = lifecycle_transition(
        obj=round_,
        transition="reopen",
        actor=actor,
        notify=False,
        extra_fields=("frozen_at", "entries_count"),
    )
    RoundEntry.objects.filter(round=round_).delete()
    return round_


@transaction.atomic
def round_start(*, round_: Round, actor: User) -> Round:
    """The caseworker confirms the run of a frozen round; a worker computes it and writes the offers."""
    round_ = lifecycle_transition(obj=round_, transition="start", actor=actor, notify=False)
    from education.tasks import round_run_task

    round_id = round_.pk
    transaction.on_commit(lambda: round_run_task.delay(round_id))
    return round_


def _prepare_bulk_history() -> None:
    """Before writing tens of thousands of tracked rows in one transaction: the history triggers read the
    settings ``pgtrigger.ignore`` and ``pghistory.context_id`` and catch the error when one is unset, and
    that many caught errors in one transaction take minutes. Defined (no trigger ignored; the history
    context set by ``pghistory.context``), every history row is still written, in microseconds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def _end_of_day(moment: datetime, days: int) -> datetime:
    day = timezone.localdate(moment) + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


BULK_TRANSITION_SQL = """
WITH moving AS (
    SELECT id, state FROM {table} WHERE id = ANY(%(ids)s) AND state = ANY(%(sources)s)
), moved AS (
    UPDATE {table} t SET state = %(target)s, updated_at = %(now)s FROM moving
    WHERE t.id = moving.id AND t.state = ANY(%(sources)s) RETURNING t.id, moving.state AS from_state
)
INSERT INTO kunshan_portal_statetransition
    (content_type_id, object_id, transition, from_state, to_state, actor_id, note, internal, at)
SELECT %(content_type)s, id, %(transition)s, from_state, %(target)s, %(actor)s, %(note)s, false, %(now)s
FROM moved
"""


def _bulk_transition(*, model, ids: list[int], transition: str, actor: User | None, note: str, now) -> int:
    """Fire one transition on many rows at once, recording each step as ``lifecycle_transition`` does
    (sources and target read from the model's transition), for a round's tens of thousands of
    applications. The caller has checked the actor's right; notices are sent afterwards, in batches."""
    if not ids:
        return 0
    rules = getattr(model, transition)._django_fsm.transitions
    (target,) = {rule.target for rule in rules.values()}
    with (
        pghistory.context(actor=actor.pk if actor else None, transition=transition),
        connection.cursor() as cur,
    ):
        cur.execute(
            BULK_TRANSITION_SQL.format(table=model._meta.db_table),
            {
                "ids": ids, "sources": list(rules), "target": target, "now": now, "transition": transition,
                "content_type": ContentType.objects.get_for_model(model).pk,
                "actor": actor.pk if actor else None, "note": note,
            },
        )  # fmt: skip
        return cur.rowcount


OFFERS_SQL = """
INSERT INTO education_offer
    (state, submitted_at, decision_note, created_at, updated_at, application_id, round_id, school_id, grade,
     deadline)
SELECT 'open', %(now)s, '', %(now)s, %(now)s, t.application_id, %(round)s, t.school_id, t.grade, %(deadline)s
FROM unnest(%(applications)s::bigint[], %(schools)s::bigint[], %(grades)s::smallint[])
    AS t(application_id, school_id, grade)
"""

SEATS_SQL = """
UPDATE education_schoolseats s SET taken = s.taken + t.n, updated_at = %(now)s
FROM unnest(%(ids)s::bigint[], %(counts)s::integer[]) AS t(id, n) WHERE s.id = t.id
"""


def round_run(*, round_id: int) -> Round | None:
    """Place the children of a running round by deferred acceptance over the seats still free, write an
    offer (with its deadline) for each child placed, mark the others as waiting for the next round,
    publish the cut-offs, and queue the families' notices. Running it again does nothing."""
    with transaction.atomic():
        round_ = Round.objects.select_for_update().filter(pk=round_id).first()
        if round_ is None or round_.state != Round.State.RUNNING:
            return round_
        # Lock the school year's seats: accepts, declines and other rounds wait until the offers are in.
        list(
            SchoolSeats.objects.select_for_update()
            .filter(school_year=round_.school_year_id)
            .values_list("pk")
        )
        outcome = round_outcome(round_)
        _prepare_bulk_history()
        now = timezone.now()
        deadline = _end_of_day(now, round_.offer_days or policy_in_force().offer_days)
        placed = [(application, key) for application, key in outcome.assignment.values() if key is not None]
        unplaced = [application for application, key in outcome.assignment.values() if key is None]
        note = str(round_)
        with pghistory.context(round=round_.pk), connection.cursor() as cursor:
            cursor.execute(
                OFFERS_SQL,
                {
                    "now": now, "round": round_.pk, "deadline": deadline,
                    "applications": [a for a, _ in placed], "schools": [k[0] for _, k in placed],
                    "grades": [k[1] for _, k in placed],
                },
            )  # fmt: skip
        moved = _bulk_transition(
            model=Application, ids=[a for a, _ in placed], transition="offer", actor=None, note=note, now=now
        )
        if moved != len(placed):
            raise DomainError(_("Applications changed during the run; run the round again."))
        _bulk_transition(
            model=Application, ids=unplaced, transition="unplace", actor=None, note=note, now=now
        )
        taken = [(school.seats_id, school.admitted) for school in outcome.schools.values() if school.admitted]
        with pghistory.context(round=round_.pk), connection.cursor() as cursor:
            cursor.execute(
                SEATS_SQL, {"now": now, "ids": [pk for pk, _ in taken], "counts": [n for _, n in taken]}
            )
        RoundCutoff.objects.bulk_create(
            [
                RoundCutoff(
                    round=round_, school_id=school.school_id, grade=school.grade, seats=school.seats,
                    applicants=school.applicants, admitted=school.admitted,
                    full=school.last_admitted is not None or school.seats == 0,
                    last_catchment=school.last_admitted.catchment if school.last_admitted else None,
                    last_sibling=school.last_admitted.sibling if school.last_admitted else None,
                    last_months=school.last_admitted.months if school.last_admitted else None,
                    last_lottery=school.last_admitted.lottery if school.last_admitted else None,
                )
                for school in outcome.schools.values()
            ],
            batch_size=2000,
        )  # fmt: skip
        round_ = lifecycle_transition(
            obj=round_, transition="finish", actor=None, notify=False, note=_("%(n)d offers made.") % {"n": len(placed)},
            at=now, offers_count=len(placed), extra_fields=("finished_at", "offers_count"),
        )  # fmt: skip
        from education.tasks import round_notify_task

        transaction.on_commit(lambda: round_notify_task.delay(round_id))
        dashboard_refresh_soon("education round")  # the offers change the officials' figures
        return round_


OFFER_SUBJECT = _("School place offered: %(school)s")
OFFER_BODY = _(
    "%(child)s is offered a place in %(grade)s at %(school)s for the school year %(year)s. Please accept or "
    "decline it by %(deadline)s; without an answer the offer lapses and the seat goes to the next round."
)
UNPLACED_SUBJECT = _("No school place yet for %(child)s")
UNPLACED_BODY = _(
    "%(round)s could not place %(child)s at any of the schools you ranked: each was full with children who "
    "come first under the published rules. The application stays on the list for the next round. Its page "
    "shows each school's cut-off and why your child did not reach it."
)


def round_notify_batch(*, round_id: int, limit: int = 200) -> int:
    """Tell up to `limit` families of a finished round their result; returns how many are left to tell.
    Each family is told once, however often this runs."""
    with transaction.atomic():
        entries = list(
            RoundEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(round_id=round_id, notified_at__isnull=True, round__state=Round.State.DONE)
            .select_related("round", "application__parent__user", "application__child")
            .order_by("pk")[:limit]
        )
        offers = {
            offer.application_id: offer
            for offer in Offer.objects.filter(
                round_id=round_id, application_id__in=[e.application_id for e in entries]
            ).select_related("school")
        }
        for entry in entries:
            application = entry.application
            user = application.parent.user
            if user is None:
                continue
            offer = offers.get(application.pk)
            params = {
                "child": application.child.name, "round": entry.round, "year": application.school_year_id,
                "grade": GRADE_LABELS[application.grade],
            }  # fmt: skip
            if offer is not None:
                params |= {
                    "school": offer.school,
                    "deadline": f"{timezone.localtime(offer.deadline):%Y-%m-%d %H:%M}",
                }
                subject, body = OFFER_SUBJECT, OFFER_BODY
            else:
                subject, body = UNPLACED_SUBJECT, UNPLACED_BODY
            notice_send(
                recipient=user, subject=subject, body=body, params=params, link=application.get_absolute_url()
            )
        RoundEntry.objects.filter(pk__in=[e.pk for e in entries]).update(notified_at=timezone.now())
    return RoundEntry.objects.filter(round_id=round_id, notified_at__isnull=True).count()


# --- offers and enrolments -----------------------------------------------------------------------


def _lock_offer(offer: Offer) -> Offer:
    return (
        Offer.objects.select_for_update(of=("self",)).select_related("application__parent").get(pk=offer.pk)
    )


def _release_seat(offer: Offer) -> None:
    SchoolSeats.objects.filter(
        school_id=offer.school_id, school_year_id=offer.application.school_year_id, grade=offer.grade
    ).update(taken=F("taken") - 1, updated_at=timezone.now())


@transaction.atomic
def offer_accept(*, offer: Offer, actor: User) -> Enrolment:
    """The parent takes the place offered before the deadline: the child is enrolled. Accepting again
    returns the same enrolment."""
    offer = _lock_offer(offer)
    if offer.state == Offer.State.ACCEPTED:
        return Enrolment.objects.get(offer=offer)
    if offer.state == Offer.State.OPEN and offer.deadline < timezone.now():
        raise DomainError(_("The deadline to answer this offer has passed."))
    offer = lifecycle_transition(obj=offer, transition="accept", actor=actor, decision=True)
    lifecycle_transition(obj=offer.application, transition="place", actor=actor, notify=False)
    application = offer.application
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                child_id=application.child_id, child_id_hash=application.child_id_hash, school_id=offer.school_id,
                school_year_id=application.school_year_id, grade=offer.grade, offer=offer,
            )  # fmt: skip
    except IntegrityError as exc:
        raise DomainError(_("This child is already enrolled at a school for this school year.")) from exc


@transaction.atomic
def offer_decline(*, offer: Offer, actor: User) -> Offer:
    """The parent turns the place down: the seat goes back to the next round and the application waits
    for it, without the declined school."""
    offer = _lock_offer(offer)
    if offer.state == Offer.State.DECLINED:
        return offer
    offer = lifecycle_transition(
        obj=offer, transition="decline", actor=actor, decision=True,
        note=_("The application stays on the list for the next round, for the other schools you ranked."),
    )  # fmt: skip
    lifecycle_transition(obj=offer.application, transition="release", actor=actor, notify=False)
    _release_seat(offer)
    return offer


@transaction.atomic
def offer_lapse(*, offer_id: int, now: datetime | None = None) -> Offer | None:
    """An offer not answered by its deadline lapses: the seat goes back to the next round."""
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("application")
        .filter(pk=offer_id)
        .first()
    )
    now = now or timezone.now()
    if offer is None or offer.state != Offer.State.OPEN or offer.deadline >= now:
        return offer
    offer = lifecycle_transition(
        obj=offer, transition="lapse", actor=None, decision=True,
        note=_("No answer came by the deadline. The application stays on the list for the next round."),
    )  # fmt: skip
    lifecycle_transition(obj=offer.application, transition="release", actor=None, notify=False)
    _release_seat(offer)
    return offer


def offers_lapse_overdue(*, now: datetime | None = None) -> int:
    """Lapse every open offer past its deadline, each in its own transaction; returns how many lapsed."""
    now = now or timezone.now()
    lapsed = 0
    for offer_id in list(open_offers_before(now).values_list("pk", flat=True)):
        offer = offer_lapse(offer_id=offer_id, now=now)
        lapsed += offer is not None and offer.state == Offer.State.LAPSED
    return lapsed


@transaction.atomic
def enrolment_record(
    *, child: FamilyMember, school: School, school_year: SchoolYear, grade: int, actor: User
) -> Enrolment:
    """A caseworker records a child already at a school (placed outside the portal), so that its brothers
    and sisters get the sibling priority; it holds a seat when the school's seats for that year are kept."""
    if not actor.has_perm("education.add_enrolment"):
        raise DomainError(_("You are not allowed to record enrolments."), code="forbidden")
    if child.relation != FamilyMember.Relation.CHILD:
        raise DomainError(_("Only a child can be enrolled at a school."), field="child")
    if not school.offers_grade(grade):
        raise DomainError(
            _("%(school)s does not teach grade %(grade)d.") % {"school": school, "grade": grade},
            field="grade",
        )
    seats = (
        SchoolSeats.objects.select_for_update()
        .filter(school=school, school_year=school_year, grade=grade)
        .first()
    )
    if seats is not None:
        if seats.taken >= seats.seats:
            raise DomainError(_("%(seats)s has no seat left.") % {"seats": seats}, field="school")
        SchoolSeats.objects.filter(pk=seats.pk).update(taken=F("taken") + 1, updated_at=timezone.now())
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                child=child, child_id_hash=child.id_number_hash, school=school, school_year=school_year,
                grade=grade,
            )  # fmt: skip
    except IntegrityError as exc:
        raise DomainError(
            _("This child is already enrolled at a school for this school year."), field="child"
        ) from exc


@transaction.atomic
def school_year_open(*, year: int, actor: User, applications_open: bool = True) -> SchoolYear:
    """Open (or close) a school year for applications."""
    if not actor.has_perm("education.change_schoolyear"):
        raise DomainError(_("You are not allowed to open school years."), code="forbidden")
    school_year, _created = SchoolYear.objects.select_for_update().get_or_create(year=year)
    if school_year.applications_open != applications_open:
        school_year.applications_open = applications_open
        school_year.save(update_fields=["applications_open"])
    return school_year

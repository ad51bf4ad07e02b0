"""The life of a case and of a complaint, and every refusal on the way."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, StateTransition
from legal_aid import services
from legal_aid.models import Case, DeadlineRule, StationStaff
from legal_aid.selectors import case_timeline_for_applicant
from tests.factories import make_resident
from tests.legal_aid.factories import advance, file_case, make_staff, station

pytestmark = pytest.mark.django_db


def states(case):
    return list(StateTransition.objects.filter(object_id=case.pk).values_list("to_state", flat=True))


def test_a_wage_claim_goes_from_filing_to_a_settlement_with_every_step_recorded(caseworker, lawyer):
    # given a wage claim filed online
    case = file_case()
    applicant = case.applicant.user
    assert case.state == "submitted" and case.means_test == Case.MeansTest.NOT_REQUIRED
    assert case.reference.startswith(f"LA{timezone.localdate().year}-")
    # when the station examines, accepts and assigns it, and the lawyer mediates and settles
    case = services.case_examine(case=case, actor=caseworker.user, note="pay slips checked")
    case = services.case_accept(case=case, actor=caseworker.user, note="aid granted")
    case = services.case_assign(case=case, staff=lawyer, actor=caseworker.user)
    case = services.case_proceed(case=case, stage="mediation", actor=lawyer.user)
    case = services.case_close(
        case=case,
        outcome="settled",
        amount_recovered="12000",
        actor=lawyer.user,
        note="paid in full by Friday",
    )
    # then
    case.refresh_from_db()
    assert (case.state, case.outcome, case.amount_recovered) == ("closed", "settled", Decimal("12000.00"))
    assert case.decided_at is not None and case.decision_note == "aid granted"
    assert case.assignee == lawyer.user and case.assignee_role == "lawyer"
    assert states(case) == ["submitted", "examined", "accepted", "assigned", "mediation", "closed"]
    steps = StateTransition.objects.filter(object_id=case.pk)
    assert [s.actor for s in steps] == [applicant] + [caseworker.user] * 3 + [lawyer.user] * 2
    # a notice at each step: the receipt, then five state changes
    assert Notice.objects.filter(recipient=applicant).count() == 6
    assert Notice.objects.filter(recipient=lawyer.user, subject__contains="assigned to you").count() == 1


def test_other_categories_need_the_means_test_and_a_failed_test_means_refusal(caseworker):
    case = file_case(category=Case.Category.LABOUR_CONTRACT)
    assert case.means_test == Case.MeansTest.PENDING and case.amount_claimed is None
    with pytest.raises(DomainError, match="means test") as missing:
        services.case_examine(case=case, actor=caseworker.user)
    assert missing.value.field == "means_test"
    case = services.case_examine(case=case, actor=caseworker.user, means_test_passed=False)
    with pytest.raises(DomainError, match="did not pass the means test"):
        services.case_accept(case=case, actor=caseworker.user)
    with pytest.raises(DomainError, match="reason"):
        services.case_refuse(case=case, actor=caseworker.user, reason="  ")
    case = services.case_refuse(case=case, actor=caseworker.user, reason="Income above the threshold.")
    assert case.state == "refused" and case.decision_note == "Income above the threshold."
    notice = Notice.objects.filter(recipient=case.applicant.user).first()
    assert "Income above the threshold." in notice.body


@pytest.mark.parametrize("category", [Case.Category.UNPAID_WAGES, Case.Category.WORK_INJURY])
def test_wage_and_work_injury_claims_skip_the_means_test(category, caseworker):
    case = file_case(category=category)
    case = services.case_examine(case=case, actor=caseworker.user, means_test_passed=False)
    assert case.means_test == Case.MeansTest.NOT_REQUIRED
    assert services.case_accept(case=case, actor=caseworker.user).state == "accepted"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda case, cw, lw: services.case_accept(case=case, actor=cw.user), "not allowed while"),
        (lambda case, cw, lw: services.case_assign(case=case, staff=lw, actor=cw.user), "not allowed while"),
        (
            lambda case, cw, lw: services.case_proceed(case=case, stage="litigation", actor=lw.user),
            "not allowed",
        ),
        (lambda case, cw, lw: services.case_forward(case=case, actor=cw.user, note="x"), "not allowed"),
    ],
)
def test_steps_out_of_order_are_refused_and_change_nothing(action, message, caseworker, lawyer):
    case = file_case()
    with pytest.raises(DomainError, match=message):
        action(case, caseworker, lawyer)
    case.refresh_from_db()
    assert case.state == "submitted" and states(case) == ["submitted"]


def test_an_award_ends_only_an_arbitration_and_a_judgment_only_a_court_case(caseworker, lawyer):
    case = advance(file_case(), "mediation", caseworker=caseworker, lawyer=lawyer)
    with pytest.raises(DomainError, match="in arbitration") as caught:
        services.case_close(case=case, outcome="award", amount_recovered=100, actor=lawyer.user)
    assert caught.value.field == "outcome"
    with pytest.raises(DomainError, match="in court"):
        services.case_close(case=case, outcome="judgment", amount_recovered=100, actor=lawyer.user)
    with pytest.raises(DomainError, match="amount"):
        services.case_close(case=case, outcome="settled", actor=lawyer.user)
    case = services.case_proceed(case=case, stage="arbitration", actor=lawyer.user)
    case = services.case_close(case=case, outcome="award", amount_recovered="9000.5", actor=lawyer.user)
    assert case.amount_recovered == Decimal("9000.50")


def test_only_staff_with_the_right_role_and_reach_may_act(caseworker, lawyer):
    case = file_case()
    other_station = make_staff("bacheng", StationStaff.Role.CASEWORKER)
    for outsider in (other_station.user, lawyer.user, case.applicant.user):
        with pytest.raises(DomainError) as refused:
            services.case_examine(case=case, actor=outsider)
        assert refused.value.code == "forbidden"
    # the caseworker of the parent station reaches a case filed at one of its sub-stations
    sub_case = file_case(station_code="yushan-chengbei")
    assert services.case_examine(case=sub_case, actor=caseworker.user).state == "examined"


def test_only_the_assigned_lawyer_moves_the_proceedings(caseworker, lawyer):
    case = advance(file_case(), "assigned", caseworker=caseworker, lawyer=lawyer)
    colleague = make_staff("yushan", StationStaff.Role.LAWYER)
    with pytest.raises(DomainError) as refused:
        services.case_proceed(case=case, stage="mediation", actor=colleague.user)
    assert refused.value.code == "forbidden"
    assert services.case_proceed(case=case, stage="mediation", actor=lawyer.user).state == "mediation"


def test_assignment_goes_only_to_lawyers_and_mediators_of_the_stations_tree(caseworker, lawyer):
    case = services.case_accept(
        case=services.case_examine(case=file_case(), actor=caseworker.user), actor=caseworker.user
    )
    elsewhere = make_staff("bacheng", StationStaff.Role.LAWYER)
    with pytest.raises(DomainError, match="lawyer or mediator of this station") as refused:
        services.case_assign(case=case, staff=elsewhere, actor=caseworker.user)
    assert refused.value.field == "staff"
    with pytest.raises(DomainError):
        services.case_assign(case=case, staff=caseworker, actor=caseworker.user)
    mediator = make_staff("yushan-tinglin", StationStaff.Role.MEDIATOR)  # a sub-station's mediator
    case = services.case_assign(case=case, staff=mediator, actor=caseworker.user)
    assert (case.assignee, case.assignee_role) == (mediator.user, "mediator")
    case = services.case_reassign(case=case, staff=lawyer, actor=caseworker.user, note="needs a lawyer")
    assert (case.state, case.assignee) == ("assigned", lawyer.user)
    with pytest.raises(DomainError, match="already assigned"):
        services.case_reassign(case=case, staff=lawyer, actor=caseworker.user)


def test_a_complaint_takes_the_shorter_path(caseworker):
    complaint = file_case(kind=Case.Kind.COMPLAINT, category=Case.Category.SOCIAL_INSURANCE)
    assert complaint.reference.startswith("CP") and complaint.means_test == Case.MeansTest.NOT_REQUIRED
    complaint = services.case_examine(case=complaint, actor=caseworker.user)
    with pytest.raises(DomainError, match="not allowed"):
        services.case_accept(case=complaint, actor=caseworker.user)
    with pytest.raises(DomainError, match="to whom"):
        services.case_forward(case=complaint, actor=caseworker.user, note="")
    complaint = services.case_forward(
        case=complaint, actor=caseworker.user, note="To the labour inspectorate."
    )
    assert complaint.decided_at is not None
    with pytest.raises(DomainError, match="how the complaint ended"):
        services.case_resolve(case=complaint, outcome="settled", actor=caseworker.user)
    complaint = services.case_resolve(case=complaint, outcome="resolved", actor=caseworker.user)
    assert (complaint.state, complaint.outcome) == ("closed", "resolved")
    assert states(complaint) == ["submitted", "examined", "forwarded", "closed"]


def test_the_applicant_may_withdraw_and_nobody_else(caseworker, lawyer):
    case = advance(file_case(), "assigned", caseworker=caseworker, lawyer=lawyer)
    with pytest.raises(DomainError):
        services.case_withdraw(case=case, actor=caseworker.user)
    case = services.case_withdraw(case=case, actor=case.applicant.user, note="paid at last")
    assert (case.state, case.outcome) == ("closed", "withdrawn")
    assert Notice.objects.filter(recipient=lawyer.user, subject__contains="withdrawn").exists()
    with pytest.raises(DomainError, match="not allowed"):
        services.case_withdraw(case=case, actor=case.applicant.user)


def test_the_resident_sees_every_step_but_not_the_internal_notes(caseworker):
    case = file_case(category=Case.Category.DISCRIMINATION, amount=None)
    case = services.case_examine(
        case=case,
        actor=caseworker.user,
        means_test_passed=True,
        note="boss is a repeat offender",
        internal=True,
    )
    case = services.case_accept(case=case, actor=caseworker.user, note="A lawyer will call you.")
    timeline = case_timeline_for_applicant(case=case)
    assert [step.state for step in timeline] == ["submitted", "examined", "accepted"]
    assert [step.note for step in timeline] == ["", "", "A lawyer will call you."]
    assert [step.by_staff for step in timeline] == [False, True, True]
    bodies = " ".join(Notice.objects.filter(recipient=case.applicant.user).values_list("body", flat=True))
    assert "repeat offender" not in bodies and "A lawyer will call you." in bodies


# --- filing ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"category": "unpaid_wages", "amount_claimed": None}, "amount_claimed", "amount"),
        ({"category": "work_injury", "amount_claimed": "0"}, "amount_claimed", "more than 0"),
        ({"category": "social_insurance", "amount_claimed": "abc"}, "amount_claimed", "amount"),
        ({"respondent_employer": None, "respondent_name": " "}, "respondent_name", "Name the employer"),
        ({"facts": "  "}, "facts", "what happened"),
        ({"facts": "x" * 5001}, "facts", "under 5000"),
        ({"category": "gambling"}, "category", "what the case is about"),
    ],
)
def test_filing_asks_for_what_the_category_needs(fields, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        file_case(**fields)
    assert refused.value.field == field
    assert not Case.objects.exists()


def test_an_amount_is_kept_only_for_claims_that_need_one_and_other_needs_no_respondent():
    case = file_case(category="other", amount_claimed="5000", respondent_employer=None, respondent_name="")
    assert case.amount_claimed is None and case.respondent == ""
    unregistered = file_case(respondent_employer=None, respondent_name="  Boss Li's workshop ")
    assert unregistered.respondent == "Boss Li's workshop"


def test_the_station_of_the_residents_town_is_the_default():
    applicant = make_resident(town=station("zhangpu").town)
    case = file_case(applicant=applicant, station=None)
    assert case.station.code == "zhangpu"


def test_a_walk_in_is_taken_in_by_a_caseworker_of_the_station_only(caseworker):
    applicant = make_resident()
    case = file_case(applicant=applicant, actor=caseworker.user, station_code="yushan-tongxin")
    assert case.channel == "walk_in" and case.filed_by == caseworker.user
    with pytest.raises(DomainError, match="your own stations"):
        file_case(applicant=applicant, actor=caseworker.user, station_code="bacheng")
    stranger = make_resident()
    with pytest.raises(DomainError) as refused:
        file_case(applicant=applicant, actor=stranger.user)
    assert refused.value.code == "forbidden"


def test_the_examination_is_due_three_working_days_after_submission_by_the_table(monkeypatch):
    # filed on the Friday before the 2025 Spring Festival (Sunday 26 January was a working day)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 1, 24))
    assert file_case().examination_due == date(2025, 2, 5)
    # the administrators lengthen the deadline from 2025 on: new cases get it, old ones keep theirs
    DeadlineRule.objects.create(step="examination", working_days=5, effective_from=date(2025, 1, 1))
    assert file_case().examination_due == date(2025, 2, 7)
    assert services.examination_due(submitted_on=date(2024, 12, 31)) == date(2025, 1, 6)


# --- concurrency -----------------------------------------------------------------------------
def test_two_caseworkers_assigning_at_once_give_the_case_to_one_lawyer_only(transactional_db):
    caseworker = make_staff("yushan", StationStaff.Role.CASEWORKER, head=True)
    lawyers = [make_staff("yushan", StationStaff.Role.LAWYER) for _ in range(2)]
    second = make_staff("yushan", StationStaff.Role.CASEWORKER)
    case = services.case_accept(
        case=services.case_examine(case=file_case(), actor=caseworker.user), actor=caseworker.user
    )
    start = threading.Barrier(2)
    outcomes = [None, None]

    def run(i, actor):
        try:
            start.wait()
            with translation.override("en"):
                outcomes[i] = services.case_assign(case=case, staff=lawyers[i], actor=actor)
        except DomainError as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, a)) for i, a in enumerate([caseworker.user, second.user])
    ]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assigned = [o for o in outcomes if isinstance(o, Case)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(assigned) == 1 and len(refused) == 1 and "not allowed" in str(refused[0])
    case.refresh_from_db()
    assert case.assignee == assigned[0].assignee
    assert StateTransition.objects.filter(object_id=case.pk, to_state="assigned").count() == 1

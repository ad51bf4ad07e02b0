"""Demo data of legal aid: the demo caseworker and lawyer at two stations, and cases in every state.

The demo caseworker heads the Development Zone and Yushan stations (so sees their sub-stations' cases
too), the demo lawyer works at both. Cases are filed and moved through the services, so each has its
timeline and notices; then their dates are spread over the past year for the figures. A second run adds
nothing: cases are made only while the demo residents have none.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kunshan_portal.models import StateTransition
from legal_aid import services
from legal_aid.models import Case, Hearing, Station, StationStaff, TimeLimit
from legal_aid.selectors import assignable_staff, work_calendar
from legal_aid.workdays import add_working_days
from residents.models import Employer, Resident

DEMO_STATIONS = ("development-zone", "yushan")
CASES = 60
FACTS = {
    "unpaid_wages": "工厂拖欠我三个月工资（{months}），每月约{wage}元，老板说等客户付款后再发。",
    "labour_contract": "入职八个月一直没有签劳动合同，上周被口头辞退，没有任何补偿。",
    "work_injury": "在车间操作冲床时右手受伤，住院两周，公司没有申报工伤。",
    "social_insurance": "公司从去年起没有给我缴纳社会保险，工资条上却扣了个人部分。",
    "discrimination": "面试时被告知不招外地户口的人，招聘广告上写的是不限户籍。",
    "other": "宿舍押金一直不退，管理员说要等离职满三个月。",
}
# where each demo case ends up, with weights
TARGETS = {
    "submitted": 8,
    "examined": 6,
    "accepted": 5,
    "refused": 6,
    "assigned": 6,
    "mediation": 8,
    "arbitration": 6,
    "litigation": 3,
    "closed": 20,
    "complaint_forwarded": 4,
    "complaint_closed": 6,
}


def _staff(accounts: dict) -> tuple[StationStaff | None, StationStaff | None]:
    caseworker, lawyer = accounts.get("caseworker_legal_aid"), accounts.get("lawyer")
    head = counsel = None
    for code in DEMO_STATIONS:
        station = Station.objects.get(code=code)
        if caseworker is not None:
            is_head = (
                not StationStaff.objects.filter(station=station, is_head=True)
                .exclude(user=caseworker)
                .exists()
            )
            post, _ = StationStaff.objects.get_or_create(
                station=station,
                user=caseworker,
                defaults={"role": StationStaff.Role.CASEWORKER, "is_head": is_head},
            )
            head = head or post
        if lawyer is not None:
            post, _ = StationStaff.objects.get_or_create(
                station=station, user=lawyer, defaults={"role": StationStaff.Role.LAWYER}
            )
            counsel = counsel or post
    return head, counsel


def _move(case: Case, target: str, rng: random.Random, cw, lawyer: StationStaff) -> Case:
    actor = cw.user
    if target == "submitted":
        return case
    means = None if case.means_test == Case.MeansTest.NOT_REQUIRED else target != "refused"
    case = services.case_examine(case=case, actor=actor, means_test_passed=means, note="材料齐全。")
    if target == "examined":
        return case
    if target == "complaint_forwarded":
        return services.case_forward(case=case, actor=actor, note="已转劳动保障监察大队处理。")
    if target == "complaint_closed":
        outcome = rng.choice(["resolved", "resolved", "unfounded"])
        return services.case_resolve(case=case, actor=actor, outcome=outcome, note="经核查，情况已处理。")
    if target == "refused":
        return services.case_refuse(case=case, actor=actor, reason="家庭收入超过法律援助经济困难标准。")
    case = services.case_accept(case=case, actor=actor, note="符合法律援助条件，予以受理。")
    if target == "accepted":
        return case
    lawyer = assignable_staff(case=case).get(user=lawyer.user)
    case = services.case_assign(
        case=case, staff=lawyer, actor=actor, note="请尽快联系当事人。", internal=True
    )
    if target == "assigned":
        return case
    case = services.case_proceed(case=case, stage="mediation", actor=lawyer.user)
    when = timezone.now() + timedelta(days=rng.randint(2, 20))
    services.hearing_schedule(
        case=case,
        kind=Hearing.Kind.MEDIATION,
        starts_at=when.replace(hour=9, minute=30, second=0, microsecond=0),
        place=f"{case.station.name_zh}调解室",
        actor=lawyer.user,
    )
    if target == "mediation":
        return case
    stage = "arbitration" if target in ("arbitration", "closed") else "litigation"
    case = services.case_proceed(case=case, stage="arbitration", actor=lawyer.user)
    services.time_limit_record(
        case=case,
        kind=TimeLimit.Kind.ARBITRATION_AWARD,
        actor=lawyer.user,
        due_on=timezone.localdate() + timedelta(days=45),
    )
    if stage == "litigation":
        case = services.case_proceed(case=case, stage="litigation", actor=lawyer.user)
    if target != "closed":
        return case
    claimed = case.amount_claimed or Decimal("0")
    outcome = rng.choice(["settled", "settled", "award", "withdrawn"])
    recovered = (
        None
        if outcome == "withdrawn"
        else (claimed * Decimal(rng.choice(["1", "0.8", "0.6"]))).quantize(Decimal("0.01"))
    )
    return services.case_close(case=case, outcome=outcome, amount_recovered=recovered, actor=lawyer.user)


def _backdate(case: Case, rng: random.Random, days_ago: int) -> None:
    """Spread the demo over the past year: the filing, the decision (mostly in time) and every step."""
    shift = timedelta(days=days_ago)
    submitted = case.submitted_at - shift
    day = timezone.localtime(submitted).date()
    calendar = work_calendar(years=range(day.year, day.year + 2))
    due = add_working_days(day, 3, calendar)
    values = {"submitted_at": submitted, "examination_due": due}
    if case.decided_at is not None:
        late = rng.random() < 0.12
        values["decided_at"] = submitted + timedelta(days=rng.randint(5, 9) if late else rng.randint(1, 3))
    if case.closed_at is not None:
        values["closed_at"] = submitted + timedelta(days=rng.randint(20, min(days_ago, 120) + 21))
    Case.objects.filter(pk=case.pk).update(**values)
    steps = StateTransition.objects.filter(content_type__model="case", object_id=case.pk).order_by("at", "id")
    for position, step in enumerate(steps):
        StateTransition.objects.filter(pk=step.pk).update(
            at=submitted + timedelta(days=position * 2, hours=position)
        )


def seed_demo(*, accounts, rng, options, stdout) -> None:
    rng = rng or random.Random(int(options.get("seed") or 2026))
    with transaction.atomic():
        caseworker, lawyer = _staff(accounts)
    if caseworker is None or lawyer is None:
        stdout.write("legal aid: no demo caseworker or lawyer, no cases made")
        return
    own = Resident.objects.filter(user=accounts.get("resident")).first() if accounts.get("resident") else None
    local_towns = set(Station.objects.filter(code__in=DEMO_STATIONS).values_list("town_id", flat=True))
    pool = list(Resident.objects.filter(town_id__in=local_towns).exclude(pk=getattr(own, "pk", None))[:200])
    applicants = ([own] if own else []) + pool
    if not applicants:
        stdout.write("legal aid: no residents yet, no cases made")
        return
    if Case.objects.filter(applicant__in=applicants).exists():
        stdout.write("legal aid: demo cases present, nothing added")
        return
    employers = list(Employer.objects.all()[:50])
    stations = list(
        Station.objects.filter(code__in=DEMO_STATIONS)
        | Station.objects.filter(parent__code__in=DEMO_STATIONS)
    )
    targets = rng.choices(list(TARGETS), weights=list(TARGETS.values()), k=CASES)
    made = 0
    with transaction.atomic():
        for index, target in enumerate(targets):
            applicant = applicants[index % len(applicants)]
            complaint = target.startswith("complaint")
            category = rng.choice(
                ["unpaid_wages"] * 5 + ["work_injury"] * 2 + [c for c in Case.Category.values]
            )
            if complaint and category == "other":
                category = "social_insurance"
            wage = rng.randrange(4500, 9000, 100)
            online = applicant.user_id is not None
            case = services.case_file(
                applicant=applicant,
                kind=Case.Kind.COMPLAINT if complaint else Case.Kind.AID,
                category=category,
                facts=FACTS[category].format(months="3月至5月", wage=wage),
                actor=applicant.user if online else caseworker.user,
                station=None if online else rng.choice(stations),
                respondent_employer=applicant.employer or (rng.choice(employers) if employers else None),
                respondent_name="" if employers else "昆山某电子厂",
                amount_claimed=Decimal(wage * 3) if category in Case.CLAIMS_WITH_AMOUNT else None,
            )
            case = _move(case, target, rng, caseworker, lawyer)
            if index >= 6:  # the newest few stay today's, so some decisions are pending now
                _backdate(case, rng, days_ago=rng.randint(4, 360))
            made += 1
    result = services.cases_flag_overdue()
    stdout.write(f"legal aid: {made} cases, {result['flagged']} flagged overdue")

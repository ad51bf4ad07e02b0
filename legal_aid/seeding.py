"""Legal aid's part of ``manage.py seed_city``: staff at the 53 stations and sub-stations (a caseworker,
the head at each station, and two lawyers or mediators), and 30,000 cases and complaints in every state.

Cases follow the rules of the life-cycle: a reference from the case sequence, the examination deadline
in working days from the submission day, the means test only where the category needs one, an assignee
for every case in proceedings, an outcome for every closed case. Staff accounts have no usable password
(an administrator sets one). Written with COPY; a second run adds only the missing cases.
"""

import random
from datetime import timedelta
from decimal import Decimal
from functools import cache

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from kunshan_portal import roles
from kunshan_portal.bulkload import copy_rows
from kunshan_portal.models import User
from legal_aid.models import Case, Station, StationStaff
from legal_aid.services import examination_due
from residents import seeding as registry

CASES = 30_000
STAFF_PREFIX = "city-la-"
COMPLAINT_SHARE = 0.15
CATEGORY_WEIGHTS = {
    "unpaid_wages": 45, "labour_contract": 18, "work_injury": 14, "social_insurance": 12, "discrimination": 3,
    "other": 8,
}  # fmt: skip
AID_STATES = {
    "submitted": 6, "examined": 4, "accepted": 5, "refused": 5, "assigned": 8, "mediation": 10, "arbitration": 8,
    "litigation": 4, "closed": 50,
}  # fmt: skip
COMPLAINT_STATES = {"submitted": 10, "examined": 10, "forwarded": 30, "closed": 50}
AID_OUTCOMES = {"settled": 50, "award": 25, "judgment": 15, "withdrawn": 10}
COMPLAINT_OUTCOMES = {"resolved": 70, "unfounded": 30}
AFTER_ASSIGNMENT = {"assigned", "mediation", "arbitration", "litigation"}


@transaction.atomic
def create_staff() -> dict[int, list[tuple[int, str]]]:
    """Per station: its lawyers and mediators as (user id, role); made once, with their posts."""
    stations = list(Station.objects.order_by("pk"))
    have = set(User.objects.filter(username__startswith=STAFF_PREFIX).values_list("username", flat=True))
    groups = {
        name: Group.objects.get(name=name) for name in (roles.CASEWORKER_GROUPS["legal_aid"], roles.LAWYER)
    }
    for station in stations:
        people = [("cw", StationStaff.Role.CASEWORKER), ("l1", StationStaff.Role.LAWYER),
                  ("m1", StationStaff.Role.MEDIATOR)]  # fmt: skip
        for suffix, role in people:
            username = f"{STAFF_PREFIX}{station.code}-{suffix}"[:150]
            if username in have:
                continue
            user = User(username=username, first_name=f"{station.name_zh} {role}", is_staff=True)
            user.set_unusable_password()
            user.save()
            user.groups.add(
                groups[roles.CASEWORKER_GROUPS["legal_aid"] if role == "caseworker" else roles.LAWYER]
            )
            head = role == StationStaff.Role.CASEWORKER and station.parent_id is None
            if head and StationStaff.objects.filter(station=station, is_head=True).exists():
                head = False
            StationStaff.objects.create(station=station, user=user, role=role, is_head=head)
    counsel: dict[int, list[tuple[int, str]]] = {}
    for station_id, user_id, role in StationStaff.objects.filter(
        role__in=[StationStaff.Role.LAWYER, StationStaff.Role.MEDIATOR]
    ).values_list("station_id", "user_id", "role"):
        counsel.setdefault(station_id, []).append((user_id, role))
    return counsel


@cache
def _due(day):
    return examination_due(submitted_on=day)


def _references(kinds: list[str], years: list[int]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval('legal_aid_case_reference_seq') FROM generate_series(1, %s)", [len(kinds)]
        )
        numbers = [row[0] for row in cursor.fetchall()]
    return [
        f"{'LA' if kind == 'aid' else 'CP'}{year}-{number:06d}"
        for kind, year, number in zip(kinds, years, numbers, strict=True)
    ]


def create_cases(*, count: int, seed: int, counsel: dict, progress) -> int:
    have = Case.objects.filter(applicant__phone__startswith=registry.PHONE_PREFIX).count()
    wanted = count - have
    if wanted <= 0:
        return 0
    rng = random.Random(seed + have)
    residents = list(registry.city_residents().order_by("pk").values_list("pk", "town_id", "employer_id"))
    employer_names = dict(registry.Employer.objects.values_list("pk", "name"))
    stations = list(Station.objects.filter(is_active=True).values_list("pk", "town_id", "kind"))
    by_town: dict[int, list[int]] = {}
    for pk, town_id, _kind in stations:
        by_town.setdefault(town_id, []).append(pk)
    all_stations = [pk for pk, _t, _k in stations]
    employers = list(registry.city_employers().values_list("pk", "name"))
    rows, kinds, years = [], [], []
    for _ in range(wanted):
        resident_id, town_id, employer_id = rng.choice(residents)
        employer_name = employer_names.get(employer_id, "")
        station = rng.choice(by_town.get(town_id) or all_stations)
        complaint = rng.random() < COMPLAINT_SHARE
        kind = "complaint" if complaint else "aid"
        category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        states = COMPLAINT_STATES if complaint else AID_STATES
        state = rng.choices(list(states), weights=list(states.values()))[0]
        if state in AFTER_ASSIGNMENT | {"closed"} and not complaint and not counsel.get(station):
            state = "accepted"  # a station without counsel keeps its accepted cases waiting
        if state == "closed" and not complaint and not counsel.get(station):
            state = "accepted"
        age = rng.randint(0, 4) if state == "submitted" else rng.randint(5, 720)
        submitted = timezone.now() - timedelta(days=age, minutes=rng.randint(0, 600))
        submitted_on = timezone.localtime(submitted).date()
        if employer_id is None or rng.random() < 0.2:
            employer_id, employer_name = rng.choice(employers)
        amount = Decimal(rng.randrange(2_000, 120_000)) if category in Case.CLAIMS_WITH_AMOUNT else None
        means = (
            "not_required"
            if complaint or category in Case.NO_MEANS_TEST
            else ("pending" if state == "submitted" else ("failed" if state == "refused" else "passed"))
        )
        assignee, assignee_role = None, ""
        if not complaint and (state in AFTER_ASSIGNMENT or (state == "closed" and rng.random() < 0.9)):
            assignee, assignee_role = rng.choice(counsel[station])
        outcome, recovered, closed_at = "", None, None
        decided = submitted + timedelta(days=rng.randint(1, 3)) if state != "submitted" else None
        if state == "closed":
            outcomes = COMPLAINT_OUTCOMES if complaint else AID_OUTCOMES
            outcome = rng.choices(list(outcomes), weights=list(outcomes.values()))[0]
            closed_at = submitted + timedelta(days=rng.randint(20, max(21, age)))
            if closed_at > timezone.now():
                closed_at = timezone.now()
            if amount is not None and outcome in ("settled", "award", "judgment"):
                recovered = (amount * Decimal(rng.randint(40, 100)) / 100).quantize(Decimal("0.01"))
        rows.append([
            submitted, closed_at or decided or submitted, submitted, decided,
            "材料不足，不符合法律援助条件。" if state == "refused" else "", state, kind, category, resident_id,
            station, employer_id, employer_name if complaint else "", amount,
            "公司拖欠工资三个月，多次讨要未果。Wages unpaid for three months.",
            rng.choice(("online", "online", "walk_in")), means, _due(submitted_on), assignee, assignee_role or "",
            outcome, recovered, closed_at,
        ])  # fmt: skip
        kinds.append(kind)
        years.append(submitted_on.year)
    references = _references(kinds, years)
    columns = ["created_at", "updated_at", "submitted_at", "decided_at", "decision_note", "state", "kind",
               "category", "applicant", "station", "respondent_employer", "respondent_name", "amount_claimed",
               "facts", "channel", "means_test", "examination_due", "assignee", "assignee_role", "outcome",
               "amount_recovered", "closed_at", "reference"]  # fmt: skip
    with transaction.atomic():
        step = 10_000
        for start in range(0, len(rows), step):
            batch = [(*row, ref) for row, ref in zip(rows[start : start + step], references[start : start + step], strict=True)]  # fmt: skip
            copy_rows(Case, columns, batch)
            progress("legal-aid cases", min(len(rows), start + step), len(rows))
    return len(rows)


def seed_city(*, scale: float, seed: int, progress) -> dict:
    """Station staff and 30,000 cases in every state, at this scale."""
    counsel = create_staff()
    cases = create_cases(
        count=registry.scaled(CASES, scale, 30), seed=seed, counsel=counsel, progress=progress
    )
    registry.analyze("legal_aid_case")
    return {"cases": cases}

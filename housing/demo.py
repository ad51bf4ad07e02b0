"""Housing demo: eight public compounds and two employer dormitories, most places let, a waiting list, one
round run (offers open, accepted and declined), a transfer request and a round left to preview.

Everything goes through the services, so the demo has the audit trail and notices of real use. A second
run adds nothing: the stock's compound codes mark the demo as seeded.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from housing import services
from housing.models import Building, Compound, HousingApplication, Offer, Place, Room, Tenancy
from kunshan_portal.errors import DomainError
from residents.models import Employer, Resident, Town

# code, Chinese name, English name, town, address, facilities
PUBLIC_COMPOUNDS = [
    (
        "yushan-lanling",
        "玉山蓝领公寓",
        "Yushan Blue-collar Apartments",
        "yushan",
        "玉山镇同丰路 168 号",
        "食堂\n洗衣房\n篮球场",
    ),
    (
        "kfq-xinyuan",
        "开发区新苑公寓",
        "Development Zone Xinyuan Apartments",
        "development-zone",
        "昆山开发区青阳南路 99 号",
        "食堂\n超市\n图书室",
    ),
    (
        "gxq-chuangye",
        "高新区创业公寓",
        "Hi-tech Zone Chuangye Apartments",
        "hi-tech-zone",
        "高新区马鞍山西路 321 号",
        "食堂\n健身房",
    ),
    (
        "zhoushi-anju",
        "周市安居公寓",
        "Zhoushi Anju Apartments",
        "zhoushi",
        "周市镇横长泾路 58 号",
        "洗衣房\n自行车棚",
    ),
    (
        "huaqiao-lanling",
        "花桥蓝领公寓",
        "Huaqiao Blue-collar Apartments",
        "huaqiao",
        "花桥镇绿地大道 777 号",
        "食堂\n地铁站旁",
    ),
    (
        "lujia-xingfu",
        "陆家幸福公寓",
        "Lujia Xingfu Apartments",
        "lujia",
        "陆家镇陆丰东路 12 号",
        "食堂\n托儿所",
    ),
    (
        "zhangpu-hexie",
        "张浦和谐公寓",
        "Zhangpu Hexie Apartments",
        "zhangpu",
        "张浦镇振新东路 200 号",
        "食堂\n医务室",
    ),
    (
        "qiandeng-yijia",
        "千灯宜家公寓",
        "Qiandeng Yijia Apartments",
        "qiandeng",
        "千灯镇石浦路 66 号",
        "洗衣房",
    ),
]
DORMITORY_NAMES = [("宿舍", "staff dormitory"), ("二号宿舍", "staff dormitory no. 2")]


def _stock(rng: random.Random, employers: list[Employer], target_places: int) -> list[Compound]:
    towns = {town.code: town for town in Town.objects.all()}
    compounds = []
    for i, (code, zh, en, town, address, facilities) in enumerate(PUBLIC_COMPOUNDS):
        compound = Compound.objects.create(
            code=f"demo-{code}", name_zh=zh, name_en=en, kind=Compound.Kind.PUBLIC, town=towns[town],
            address=address, facilities=facilities,
        )  # fmt: skip
        if employers:
            compound.partner_employers.set(rng.sample(employers, k=min(len(employers), 1 + i % 3)))
        compounds.append(compound)
    for (zh, en), owner in zip(DORMITORY_NAMES, employers[:2], strict=False):
        compounds.append(
            Compound.objects.create(
                code=f"demo-dorm-{owner.pk}",
                name_zh=f"{owner.name}{zh}",
                name_en=f"{owner.name} {en}",
                kind=Compound.Kind.DORMITORY,
                town=owner.town,
                owner=owner,
                address=f"{owner.town}工业园",
                facilities="食堂\n淋浴",
            )
        )
    # About 2.6 places a room: enough rooms that the city's tenants fill most of them.
    rooms_each = max(6, round(target_places / len(compounds) / 2.6))
    for compound in compounds:
        dormitory = compound.is_dormitory
        buildings = [Building.objects.create(compound=compound, name=str(b)) for b in (1, 2)]
        for n in range(rooms_each):
            building, floor, door = buildings[n % 2], n // 6 + 1, n // 2 % 3 + 1
            family = not dormitory and n % 3 == 2
            capacity = (4, 3, 2)[n // 3 % 3] if family else rng.choice([4, 6] if dormitory else [2, 4])
            rent = (
                0 if dormitory else (rng.choice([600, 750, 900]) if family else rng.choice([150, 200, 260]))
            )
            room = Room(
                building=building, number=f"{floor}0{door}",
                kind=Room.Kind.FAMILY if family else Room.Kind.SHARED, capacity=capacity,
            )  # fmt: skip
            services.room_save(room=room, rent=Decimal(rent), actor=None)
    return compounds


def _household_size(rng: random.Random) -> int:
    return rng.choices([1, 2, 3, 4], weights=[60, 15, 15, 10])[0]


def _let_most_places(rng: random.Random, compounds: list[Compound], tenants: list[Resident]) -> int:
    """Sitting tenants in about 95% of the places, some moved out in the past year (the turnover)."""
    today = timezone.localdate()
    let = 0
    places = list(Place.objects.filter(compound__in=compounds).select_related("compound").order_by("pk"))
    rng.shuffle(places)
    for place in places:
        if not tenants or rng.random() > 0.95:
            continue
        household = 1 if place.sleeps == 1 else rng.randint(2, place.sleeps)
        if place.compound.is_dormitory:  # only the owner's staff live in its dormitory
            resident = next((r for r in tenants if r.employer_id == place.compound.owner_id), None)
            if resident is None:
                continue
        else:
            resident = tenants[0]
        tenants.remove(resident)
        start = today - timedelta(days=rng.randint(30, 1500))
        tenancy = services.tenancy_move_in(
            place=place, resident=resident, household_size=household, start_date=start, actor=None
        )
        let += 1
        if rng.random() < 0.06:  # moved out within the last year: the turnover behind the expected waits
            moved_out = max(start + timedelta(days=1), today - timedelta(days=rng.randint(1, 300)))
            services.tenancy_end(tenancy=tenancy, end_date=moved_out, actor=None)
    return let


def _waiting_list(rng, compounds, applicants, demo_resident) -> list[HousingApplication]:
    public = [c for c in compounds if not c.is_dormitory]
    applications = []
    people = ([demo_resident] if demo_resident else []) + applicants
    for resident in people:
        size = 3 if resident is demo_resident else _household_size(rng)
        choices = rng.sample(public, k=5 if resident is demo_resident else rng.randint(1, 4))
        dormitory = next(
            (c for c in compounds if c.is_dormitory and c.owner_id == resident.employer_id), None
        )
        if dormitory is not None and size == 1:
            choices.append(dormitory)
        try:
            application = services.application_submit(
                resident=resident, household_size=size, household_income=Decimal(rng.choice([4500, 6000, 8000, 11000])),
                current_housing=rng.choice(["shed", "overcrowded", "adequate", "adequate"]), compounds=choices,
                actor=None,
            )  # fmt: skip
        except DomainError:
            continue
        applications.append(application)
    # The list is older than today: spread the applications over the past year and a half.
    for application in applications:
        submitted = timezone.now() - timedelta(days=rng.randint(20, 540), minutes=rng.randint(0, 1440))
        HousingApplication.objects.filter(pk=application.pk).update(submitted_at=submitted)
    return applications


def seed_demo(*, accounts, rng, options, stdout) -> None:
    """The housing demo (idempotent: nothing is added once the demo compounds exist)."""
    if Compound.objects.filter(code__startswith="demo-").exists():
        stdout.write("housing: demo data present, nothing added")
        return
    caseworker = accounts.get("caseworker_housing")
    with transaction.atomic():
        employers = list(Employer.objects.order_by("pk")[:12])
        demo_user = accounts.get("resident")
        demo_resident = Resident.objects.filter(user=demo_user).first() if demo_user else None
        eligible = list(
            Resident.objects.filter(state=Resident.State.VERIFIED, employer__isnull=False)
            .exclude(pk=getattr(demo_resident, "pk", None))
            .exclude(Exists(Tenancy.objects.filter(resident=OuterRef("pk"), end_date__isnull=True)))
            .order_by("pk")[:600]
        )
        rng.shuffle(eligible)
        applicants, tenants = eligible[: len(eligible) // 5 + 1], eligible[len(eligible) // 5 + 1 :]
        compounds = _stock(rng, employers, target_places=int(len(tenants) * 0.85))
        let = _let_most_places(rng, compounds, tenants)
        applications = _waiting_list(rng, compounds, applicants, demo_resident)
        round = services.round_create(name="Demo round, last month", kind="allocation", actor=caseworker)
        round = services.round_run(round=round, actor=caseworker)
        for offer in Offer.objects.filter(round=round).select_related("application__resident__user"):
            if demo_resident and offer.application.resident_id == demo_resident.pk:
                continue  # the demo resident answers their own offer
            roll = rng.random()
            if roll < 0.5:
                services.offer_accept(offer=offer, actor=None)
            elif roll < 0.7:
                services.offer_decline(offer=offer, actor=None)
        sitting = list(Tenancy.objects.filter(end_date__isnull=True, place__compound__in=compounds)[:6])
        public = [c for c in compounds if not c.is_dormitory]
        for tenancy in sitting:
            wanted = [c for c in rng.sample(public, k=2) if c.pk != tenancy.place.compound_id]
            if wanted:
                services.transfer_request_submit(tenancy=tenancy, compounds=wanted, actor=None)
        services.round_create(name="Next month's round", kind="allocation", actor=caseworker)
        services.round_create(name="Transfers, this quarter", kind="transfer", actor=caseworker)
    stdout.write(
        f"housing: {len(compounds)} compounds, {Place.objects.filter(compound__in=compounds).count()} places, "
        f"{let} tenancies, {len(applications)} applications, {round.placed} offers"
    )

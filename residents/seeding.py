"""The registry's part of ``manage.py seed_city``: the city's employers and residents at real scale.

Residents are made by the demo's own generator (``residents.demo.create_residents``: valid unique identity
numbers, families, skills and certificates, written with COPY), marked by their phone prefix ``159`` so
that a second run adds only what is missing. The 5,900 employers of the city (foreign-funded, as the
city counts them) have valid credit codes of Kunshan's region with the organisation code ``KQ…``.
Rows go in with ``kunshan_portal.bulkload.copy_rows``, as in the other apps' seeding modules.
"""

import random

from django.db import connection, transaction
from django.utils import timezone

from kunshan_portal.bulkload import copy_rows
from residents import demo
from residents.models import Employer, Resident, Sector, Town

RESIDENTS = 1_350_000
EMPLOYERS = 5_900
PHONE_PREFIX = "159"  # city resident i has the phone 159 + i on 8 digits (demo: 158, benchmarks: 157)
USCC_BODY = "91320583KQ"  # + 7 digits: the organisation code of city employer n


def scaled(full: int, scale: float, least: int = 1) -> int:
    """The city's figure at this scale (never below ``least``)."""
    return max(least, round(full * scale))


def city_residents():
    """The residents seed_city made (by their phone marker)."""
    return Resident.objects.filter(phone__startswith=PHONE_PREFIX)


def city_employers():
    return Employer.objects.filter(uscc__startswith=USCC_BODY)


def analyze(*tables: str) -> None:
    """Fresh planner statistics after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


NAME_PARTS = ("华", "鑫", "宏", "正", "达", "新", "恒", "盛", "通", "瑞", "联", "昌", "嘉", "德", "丰", "信")
TRADES = {
    Sector.MANUFACTURING: ("精密机械", "五金制品", "汽车零部件", "模具"),
    Sector.ELECTRONICS: ("电子科技", "光电", "电路板", "通讯设备"),
    Sector.CONSTRUCTION: ("建设工程", "建筑安装", "装饰工程"),
    Sector.LOGISTICS: ("物流", "仓储", "供应链"),
    Sector.RETAIL: ("商贸", "餐饮管理", "超市"),
    Sector.SERVICES: ("物业服务", "人力资源", "保安服务"),
    Sector.TEXTILES: ("纺织", "服饰", "制衣"),
    Sector.OTHER: ("新能源", "医疗器械", "包装材料"),
}
SECTOR_WEIGHTS = {
    Sector.ELECTRONICS: 30, Sector.MANUFACTURING: 34, Sector.LOGISTICS: 8, Sector.TEXTILES: 6,
    Sector.SERVICES: 8, Sector.RETAIL: 6, Sector.CONSTRUCTION: 4, Sector.OTHER: 4,
}  # fmt: skip


def employer_uscc(n: int) -> str:
    return demo.make_uscc(f"{USCC_BODY}{n:07d}")


@transaction.atomic
def create_employers(count: int, seed: int) -> int:
    """City employers 1..count that do not exist yet (valid credit codes), with COPY; returns those added."""
    have = set(city_employers().values_list("uscc", flat=True))
    towns = {town.code: town for town in Town.objects.all()}
    now = timezone.now()
    rows = []
    for n in range(1, count + 1):
        uscc = employer_uscc(n)
        if uscc in have:
            continue
        rng = random.Random(seed * 7_919 + n)
        sector = demo._weighted(rng, SECTOR_WEIGHTS)
        town = towns[demo._weighted(rng, demo.TOWN_WEIGHTS)]
        name = f"昆山{''.join(rng.sample(NAME_PARTS, 2))}{rng.choice(TRADES[sector])}有限公司 No. {n}"
        rows.append((now, now, name, uscc, sector, town.pk, True, "人事部 HR", f"0512-6{n:07d}"))
    columns = ["created_at", "updated_at", "name", "uscc", "sector", "town", "foreign_funded",
               "contact_name", "contact_phone"]  # fmt: skip
    copy_rows(Employer, columns, rows)
    return len(rows)


def seed_city(*, scale: float, seed: int, progress) -> dict:
    """The city's employers (5,900) and residents (1,350,000) with their families, at this scale."""
    with transaction.atomic():
        demo._employers({})  # the 50 named employers of the demo, through the service
    employers = create_employers(scaled(EMPLOYERS, scale, 20), seed)
    progress("employers", 1, 1)
    made = demo.create_residents(
        count=scaled(RESIDENTS, scale, 200), seed=seed, phone_prefix=PHONE_PREFIX, progress=progress
    )
    demo._analyze()
    return {"employers": employers, "residents": made["residents"], "family members": made["family_members"]}

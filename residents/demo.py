"""Demo data of the registry: ~50 employers, N residents with families, and the demo logins' own records.

Residents come mostly from the provinces that send people to Kunshan (Anhui, Henan, Sichuan, Guizhou,
Jiangxi, Hunan, Hubei, northern Jiangsu). Their identity numbers are valid: each county code is taken from
python-stdnum's own table and used only for birth years in which the code existed. Every demo resident is
generated from its index alone, and marked by its phone number (``158`` + the index), so a second run
adds nothing and ``--residents N`` with a larger N adds only the missing ones. Rows go in with
PostgreSQL's COPY, in batches, so that 100,000 residents take seconds, not hours.
"""

import itertools
import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import cache

import pghistory
from django.db import connection, transaction
from django.utils import timezone
from stdnum import numdb

from kunshan_portal import bulkload
from kunshan_portal.crypto import encrypt, lookup_hash, mask_id_number
from residents import services
from residents.idcard import make_id_number, make_uscc
from residents.models import (
    CertificateType,
    Employer,
    FamilyMember,
    PersonalDataAccess,
    Resident,
    ResidentCertificate,
    Skill,
    Town,
)

DEMO_PHONE_PREFIX = "158"  # demo resident i has the phone 158 + i on 8 digits
BATCH = 2_000

# Where Kunshan's new residents come from: province key -> weight. "32N" is northern Jiangsu.
ORIGINS = {"34": 24, "41": 19, "51": 12, "32N": 10, "52": 8, "36": 8, "43": 8, "42": 7, "37": 2, "53": 2}
# Xuzhou, Lianyungang, Huai'an, Yancheng, Suqian; before 1983 the prefectures of Xuzhou, Huaiyin, Yancheng
NORTHERN_JIANGSU = ("03", "07", "08", "09", "13", "21", "22", "23")

TOWN_WEIGHTS = {
    "development-zone": 20, "hi-tech-zone": 14, "yushan": 14, "zhoushi": 9, "huaqiao": 6, "huaqiao-edz": 6,
    "lujia": 6, "zhangpu": 6, "bacheng": 5, "qiandeng": 5, "dianshanhu": 3, "zhouzhuang": 3, "jinxi": 3,
}  # fmt: skip
EDUCATION_WEIGHTS = {
    "primary": 8,
    "junior": 38,
    "senior": 22,
    "vocational": 18,
    "college": 9,
    "university": 5,
}
STATE_WEIGHTS = {"verified": 65, "pending": 30, "rejected": 5}
REJECTION_REASONS = (
    "The photo of the identity card is unreadable: please upload a clear one.",
    "The address does not match the residence permit: please correct it.",
    "The arrival date is before the date on the housing contract: please check it.",
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲秀英华慧巧美婷雪琳晶倩洁莉萍红梅兰颖"
GIVEN_CHILD = "子涵梓轩一诺欣怡浩然雨桐思远佳琪宇航若曦俊熙可馨"
STREETS = (
    "前进中路", "人民南路", "朝阳东路", "长江北路", "黄河中路", "萧林路", "珠江路", "祖冲之路", "同丰路",
    "中华园路", "青阳路", "柏庐路", "马鞍山路", "景王路", "江浦路", "新南路", "陆家浜路", "花安路",
)  # fmt: skip

EMPLOYERS = [
    ("昆山精密电子有限公司 Kunshan Precision Electronics", "electronics", "development-zone", True),
    ("昆山富华电子科技有限公司 Fuhua Electronic Technology", "electronics", "development-zone", True),
    ("昆山仁宝信息技术有限公司 Renbao Information Technology", "electronics", "development-zone", True),
    ("昆山纬创资通有限公司 Weichuang Data Communications", "electronics", "hi-tech-zone", True),
    ("昆山龙腾光电有限公司 Longteng Optoelectronics", "electronics", "development-zone", False),
    ("昆山维信诺显示技术有限公司 Weixinnuo Display", "electronics", "hi-tech-zone", False),
    ("昆山沪光汽车电器有限公司 Huguang Automotive Electric", "manufacturing", "zhangpu", False),
    ("昆山好孩子儿童用品有限公司 Goodbaby Children's Products", "manufacturing", "lujia", False),
    ("昆山捷安特自行车有限公司 Jie'ante Bicycles", "manufacturing", "development-zone", True),
    ("昆山统一企业食品有限公司 Tongyi Foods", "manufacturing", "development-zone", True),
    ("昆山六丰机械工业有限公司 Liufeng Machinery", "manufacturing", "development-zone", True),
    ("昆山三一重机有限公司 Sany Heavy Machinery", "manufacturing", "development-zone", False),
    ("昆山科森科技股份有限公司 Kersen Technology", "manufacturing", "hi-tech-zone", False),
    ("昆山东威科技股份有限公司 Dongwei Technology", "manufacturing", "bacheng", False),
    ("昆山正新橡胶工业有限公司 Zhengxin Rubber", "manufacturing", "qiandeng", True),
    ("昆山南亚电子材料有限公司 Nanya Electronic Materials", "electronics", "development-zone", True),
    ("昆山华恒焊接股份有限公司 Huaheng Welding", "manufacturing", "hi-tech-zone", False),
    ("昆山中荣金属制品有限公司 Zhongrong Metal Products", "manufacturing", "zhoushi", False),
    ("昆山鼎鑫电子有限公司 Dingxin Electronics", "electronics", "zhoushi", True),
    ("昆山国显光电有限公司 Guoxian Optoelectronics", "electronics", "development-zone", False),
    ("昆山丘钛微电子科技有限公司 Qiutai Microelectronics", "electronics", "hi-tech-zone", True),
    ("昆山立讯精密模具有限公司 Lixun Precision Moulds", "manufacturing", "jinxi", False),
    ("昆山铁城纺织有限公司 Tiecheng Textiles", "textiles", "zhouzhuang", False),
    ("昆山锦溪丝绸服饰有限公司 Jinxi Silk Garments", "textiles", "jinxi", False),
    ("昆山巴城服装厂 Bacheng Garment Factory", "textiles", "bacheng", False),
    ("昆山淀山湖制衣有限公司 Dianshanhu Clothing", "textiles", "dianshanhu", True),
    ("中建八局昆山项目部 China Construction Eighth Bureau, Kunshan", "construction", "yushan", False),
    ("昆山城建工程有限公司 Kunshan Urban Construction", "construction", "yushan", False),
    ("昆山花桥建设发展有限公司 Huaqiao Construction Development", "construction", "huaqiao", False),
    ("昆山市政工程有限公司 Kunshan Municipal Engineering", "construction", "yushan", False),
    ("昆山陆家装饰工程有限公司 Lujia Decoration Engineering", "construction", "lujia", False),
    ("昆山顺丰速运有限公司 SF Express Kunshan", "logistics", "development-zone", False),
    ("昆山京东物流有限公司 JD Logistics Kunshan", "logistics", "huaqiao-edz", False),
    ("昆山普洛斯仓储有限公司 GLP Warehousing Kunshan", "logistics", "huaqiao-edz", True),
    ("昆山德邦物流有限公司 Deppon Logistics Kunshan", "logistics", "zhoushi", False),
    ("昆山中通快递有限公司 ZTO Express Kunshan", "logistics", "zhangpu", False),
    ("昆山花桥国际商务服务有限公司 Huaqiao International Business Services", "services", "huaqiao-edz", True),
    ("昆山软件园外包服务有限公司 Kunshan Software Park Outsourcing", "services", "huaqiao-edz", False),
    ("昆山万达广场商业管理有限公司 Wanda Plaza Kunshan", "retail", "yushan", False),
    ("昆山大润发超市有限公司 RT-Mart Kunshan", "retail", "yushan", True),
    ("昆山周庄旅游服务有限公司 Zhouzhuang Tourism Services", "services", "zhouzhuang", False),
    ("昆山奥灶馆餐饮有限公司 Aozao Restaurants", "retail", "yushan", False),
    ("昆山阳澄湖大闸蟹餐饮有限公司 Yangcheng Lake Restaurants", "retail", "bacheng", False),
    ("昆山物业管理有限公司 Kunshan Property Management", "services", "yushan", False),
    ("昆山保安服务有限公司 Kunshan Security Services", "services", "development-zone", False),
    ("昆山洁美保洁服务有限公司 Jiemei Cleaning Services", "services", "zhoushi", False),
    ("昆山千灯模具有限公司 Qiandeng Moulds", "manufacturing", "qiandeng", False),
    ("昆山张浦精工机械有限公司 Zhangpu Precision Machinery", "manufacturing", "zhangpu", True),
    ("昆山高新注塑有限公司 Gaoxin Injection Moulding", "manufacturing", "hi-tech-zone", False),
    ("昆山新能源电池有限公司 Kunshan New Energy Batteries", "other", "hi-tech-zone", False),
]


def employer_uscc(index: int) -> str:
    """The demo employer's credit code: Kunshan's region 320583, a made-up organisation code."""
    return make_uscc(f"91320583DM{index:07d}")


# --- county codes valid for a birth year --------------------------------------------------


def _years(text: str) -> list[tuple[int | None, int | None]]:
    """``[1996-]临泉县`` -> [(1996, None)]; a name without brackets is valid in every year."""
    spans = []
    for part in text.split(","):
        if not part.startswith("["):
            return [(None, None)]
        start, end = part[1:].split("]")[0].split("-")
        spans.append((int(start) if start else None, int(end) if end else None))
    return spans


@cache
def _county_table() -> dict[str, list[tuple[str, list]]]:
    """Origin key -> [(six-digit county code, validity spans)] from stdnum's own table."""
    table: dict[str, list] = {key: [] for key in ORIGINS}
    for _length, province, _high, _props, children in numdb.get("cn/loc").prefixes:
        for _clen, low, high, props, _sub in children:
            if low != high or low.endswith("00") or low.endswith("01") or "county" not in props:
                continue  # province or prefecture level, or the "urban districts" placeholder
            key = province
            if province == "32":
                if low[:2] not in NORTHERN_JIANGSU:
                    continue
                key = "32N"
            if key in table:
                table[key].append((province + low, _years(props["county"])))
    return table


@cache
def _counties_for(origin: str, year: int) -> tuple[str, ...]:
    def valid(spans):
        return any((s is None or s <= year) and (e is None or year <= e) for s, e in spans)

    return tuple(code for code, spans in _county_table()[origin] if valid(spans))


# --- one generated household ----------------------------------------------------------------


LANES = 2  # households are made in two worker processes, each drawing from its own half of the numbers
SLOTS = 500 // LANES  # sequence numbers of one gender in one lane, for one county and one birthday


class Numbers:
    """Hands out valid identity numbers never used before (checked against the database once).

    Household i draws from lane i % LANES: the sequence numbers 2 * (LANES * j + lane) + gender, so two lanes
    never make the same number and each can run in a process of its own with its own copy of ``used``."""

    def __init__(self):
        self.used = set(Resident.objects.values_list("id_number_hash", flat=True))
        self.used.update(FamilyMember.objects.values_list("id_number_hash", flat=True))
        self.hash_of: dict[str, str] = {}

    def make(
        self, rng: random.Random, origin: str, birth: date, male: bool, lane: int, region: str | None = None
    ) -> str:
        counties = _counties_for(origin, birth.year) or _counties_for("34", birth.year)
        if region is None or region not in counties:
            region = rng.choice(counties)
        slot = rng.randrange(SLOTS)
        for step in range(SLOTS):
            sequence = 2 * (LANES * ((slot + step) % SLOTS) + lane) + (1 if male else 0)
            number = make_id_number(region, birth, sequence)
            digest = lookup_hash(number)
            if digest not in self.used:
                self.used.add(digest)
                self.hash_of[number] = digest
                return number
        return self.make(rng, origin, birth, male, lane)  # that county and day are full: another county


@cache
def _cumulative(weights: tuple) -> tuple[tuple, tuple]:
    keys, totals, total = [], [], 0
    for key, weight in weights:
        total += weight
        keys.append(key)
        totals.append(total)
    return tuple(keys), tuple(totals)


def _weighted(rng: random.Random, weights: dict):
    keys, totals = _cumulative(tuple(weights.items()))
    return rng.choices(keys, cum_weights=totals)[0]


def _day_in(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange(max((last - first).days, 0) + 1))


def _name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    given = GIVEN_MALE if male else GIVEN_FEMALE
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))


def _moment(day: date, rng: random.Random) -> datetime:
    at = datetime.combine(day, dtime(8, 0)) + timedelta(minutes=rng.randrange(10 * 60))
    return timezone.make_aware(at)


def _household(i: int, seed: int, numbers: Numbers, today: date, ctx: dict) -> tuple[dict, list[dict]]:
    """Resident i and their family, from the index and the seed alone."""
    rng = random.Random(seed * 1_000_003 + i)
    origin = _weighted(rng, ORIGINS)
    male = rng.random() < 0.56
    age = min(18 + int(rng.expovariate(1 / 11)), 58)
    birth = _day_in(rng, date(today.year - age - 1, 1, 1), date(today.year - age - 1, 12, 31))
    lane = i % LANES
    number = numbers.make(rng, origin, birth, male, lane)
    earliest = max(date(birth.year + 16, birth.month, 1), date(2008, 1, 1))
    arrival = _day_in(rng, min(earliest, today - timedelta(days=30)), today - timedelta(days=14))
    town = ctx["towns"][_weighted(rng, TOWN_WEIGHTS)]
    state = _weighted(rng, STATE_WEIGHTS)
    submitted = _moment(min(arrival + timedelta(days=rng.randrange(90)), today - timedelta(days=7)), rng)
    decided = submitted + timedelta(days=rng.randrange(1, 6)) if state != "pending" else None
    surname = rng.choice(SURNAMES)
    resident = {
        "name": _name(rng, male, surname),
        "id_number": number,
        "birth_date": birth,
        "gender": "male" if male else "female",
        "state": state,
        "phone": f"{ctx['phone_prefix']}{i:08d}",
        "home_region_code": number[:6],
        "home_province_code": number[:2],
        "arrival_date": arrival,
        "town_id": town.pk,
        "address": (
            f"{town.name_zh}{rng.choice(STREETS)}{rng.randrange(1, 999)}号"
            + (f"{rng.randrange(1, 30)}幢{rng.randrange(101, 1899)}室" if rng.random() < 0.7 else "员工宿舍")
        ),
        "employer_id": rng.choices(ctx["employer_ids"], cum_weights=ctx["employer_weights"])[0]
        if ctx["employer_ids"] and rng.random() < 0.85
        else None,
        "education": _weighted(rng, EDUCATION_WEIGHTS),
        "submitted_at": submitted,
        "decided_at": decided,
        "decision_note": rng.choice(REJECTION_REASONS) if state == "rejected" else "",
        "skills": rng.sample(ctx["skill_ids"], k=min(rng.choice((0, 1, 1, 2, 2, 3)), len(ctx["skill_ids"]))),
        "certificates": rng.sample(ctx["certificate_ids"], k=min(rng.choice((0, 0, 0, 1, 1, 2)), len(ctx["certificate_ids"]))),
    }  # fmt: skip
    family = []
    if age >= 23 and rng.random() < 0.65:
        spouse_birth = _day_in(rng, birth - timedelta(days=4 * 365), birth + timedelta(days=3 * 365))
        spouse_birth = min(spouse_birth, date(today.year - 18, 1, 1))
        spouse_origin = origin if rng.random() < 0.8 else _weighted(rng, ORIGINS)
        family.append({
            "relation": "spouse", "name": _name(rng, not male),
            "id_number": numbers.make(rng, spouse_origin, spouse_birth, not male, lane),
            "birth_date": spouse_birth, "gender": "female" if male else "male",
        })  # fmt: skip
        for _ in range(rng.choices((0, 1, 2), weights=(25, 50, 25))[0]):
            # children of school age mostly (6 to 15), some younger
            child_age = rng.choice((3, 4, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 14, 15))
            child_birth = _day_in(
                rng, date(today.year - child_age - 1, 9, 1), date(today.year - child_age, 8, 31)
            )
            if child_birth.year < birth.year + 20:
                continue
            boy = rng.random() < 0.52
            family.append({
                "relation": "child",
                "name": surname + "".join(rng.choice(GIVEN_CHILD) for _ in range(2)),
                "id_number": numbers.make(rng, origin, child_birth, boy, lane, region=number[:6]),
                "birth_date": child_birth, "gender": "male" if boy else "female",
            })  # fmt: skip
    for person in (resident, *family):
        number = person["id_number"]
        person["stored"] = (encrypt(number), numbers.hash_of.pop(number), mask_id_number(number))
    return resident, family


_MAKER: dict = {}  # what the makers share: numbers, seed, today, ctx (inherited by the worker processes)


def _households(indexes: list[int]) -> list:
    numbers, seed, today, ctx = (_MAKER[key] for key in ("numbers", "seed", "today", "ctx"))
    return [_household(i, seed, numbers, today, ctx) for i in indexes]


def _lane_batches(missing: list[int]) -> list[list[int]]:
    """Batches of one lane each, the lanes taking turns: batch k is made by maker k % LANES."""
    chunked = []
    for lane in range(LANES):
        indexes = [i for i in missing if i % LANES == lane]
        chunked.append([indexes[start : start + BATCH] for start in range(0, len(indexes), BATCH)])
    return [batch for group in itertools.zip_longest(*chunked) for batch in group if batch]


@contextmanager
def _makers(batches: int):
    """One maker per lane: a worker process of its own (forked, so it inherits ``_MAKER``) when there is
    more than one batch, else this process. A worker process never touches the database."""
    if batches <= 1:
        with ThreadPoolExecutor(max_workers=1) as inline:
            yield [inline] * LANES
        return
    with ExitStack() as stack:
        yield [stack.enter_context(bulkload.forked_workers(1, close_connections=False)) for _ in range(LANES)]


# --- bulk writing with COPY -------------------------------------------------------------------


def _card_numbers(count: int) -> list[str]:
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('residents_card_number_seq') FROM generate_series(1, %s)", [count])
        return [f"KS{row[0]:08d}" for row in cursor.fetchall()]


RESIDENT_COLUMNS = [
    "id", "created_at", "updated_at", "submitted_at", "decided_at", "decision_note", "id_number_encrypted",
    "id_number_hash", "id_number_masked", "birth_date", "gender", "state", "user", "name", "phone",
    "home_region_code", "home_province_code", "arrival_date", "town", "address", "employer", "education",
    "card_number", "consent_at",
]  # fmt: skip
FAMILY_COLUMNS = [
    "created_at", "updated_at", "id_number_encrypted", "id_number_hash", "id_number_masked", "birth_date",
    "gender", "resident", "relation", "name",
]  # fmt: skip


def _analyze() -> None:
    """Fresh planner statistics for the registry's tables and the per-resident tables of other apps.

    Other apps keep per-resident copies (one-to-one with a resident) in step through statement-level
    triggers that join the rows just written against these tables; with statistics from before a bulk
    load the planner scans them whole for every batch, and the load turns quadratic.
    """
    tables = {Resident._meta.db_table, FamilyMember._meta.db_table, ResidentCertificate._meta.db_table}
    tables.add(Resident.skills.through._meta.db_table)
    tables.update(
        rel.related_model._meta.db_table for rel in Resident._meta.related_objects if rel.one_to_one
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in sorted(tables)))


def _context(phone_prefix: str) -> dict:
    """What every household is made with: the phone prefix, towns, employers by size, skills, certificates."""
    employers = list(Employer.objects.order_by("pk").values_list("pk", flat=True))
    weights, total = [], 0.0
    for rank in range(len(employers)):
        total += 1 / (rank + 1) ** 0.7  # a few big factories, many small firms
        weights.append(total)
    return {
        "phone_prefix": phone_prefix,
        "towns": {town.code: town for town in Town.objects.all()},
        "employer_ids": employers,
        "employer_weights": weights,
        "skill_ids": list(Skill.objects.values_list("pk", flat=True)),
        "certificate_ids": list(CertificateType.objects.values_list("pk", flat=True)),
    }


@transaction.atomic
def _write_batch(households: list[tuple[dict, list[dict]]]) -> tuple[int, int]:
    ids = bulkload.next_ids(Resident, len(households))
    cards = iter(_card_numbers(sum(1 for r, _f in households if r["state"] == "verified")))
    now = timezone.now().isoformat()
    residents, family, skills, certificates = [], [], [], []
    for pk, (r, members) in zip(ids, households, strict=True):
        residents.append((
            pk, r["submitted_at"], r["decided_at"] or r["submitted_at"], r["submitted_at"], r["decided_at"],
            r["decision_note"], *r["stored"], r["birth_date"], r["gender"], r["state"], None, r["name"],
            r["phone"], r["home_region_code"], r["home_province_code"], r["arrival_date"], r["town_id"],
            r["address"], r["employer_id"], r["education"],
            next(cards) if r["state"] == "verified" else None, r["submitted_at"],
        ))  # fmt: skip
        for m in members:
            family.append((
                now, now, *m["stored"], m["birth_date"], m["gender"], pk, m["relation"], m["name"],
            ))  # fmt: skip
        skills += [(pk, skill_id) for skill_id in r["skills"]]
        certificates += [(now, now, pk, cert_id, "declared") for cert_id in r["certificates"]]
    # Skills and certificates first (the foreign keys are checked at commit): the job-seeker profiles that
    # the residents' insert makes then hold them at once, instead of being rewritten twice per batch.
    bulkload.copy_rows(Resident.skills.through, ["resident", "skill"], skills)
    bulkload.copy_rows(
        ResidentCertificate,
        ["created_at", "updated_at", "resident", "certificate_type", "source"],
        certificates,
    )
    bulkload.copy_rows(Resident, RESIDENT_COLUMNS, residents)
    bulkload.copy_rows(FamilyMember, FAMILY_COLUMNS, family)
    return len(residents), len(family)


def create_residents(
    *,
    count: int,
    seed: int,
    phone_prefix: str = DEMO_PHONE_PREFIX,
    first: int = 1,
    stdout=None,
    progress=None,
) -> dict:
    """Make demo residents first..first+count-1 that do not exist yet (by their phone marker), with families.

    ``progress(label, done, total)``, when given, is called after every batch written."""
    started = time.perf_counter()
    existing = set(
        Resident.objects.filter(phone__startswith=phone_prefix).values_list("phone", flat=True).iterator()
    )
    missing = [i for i in range(first, first + count) if f"{phone_prefix}{i:08d}" not in existing]
    ctx = _context(phone_prefix)
    _MAKER.update(numbers=Numbers() if missing else None, seed=seed, today=timezone.localdate(), ctx=ctx)
    made = {"residents": 0, "family_members": 0}
    batches = _lane_batches(missing)
    # The makers work ahead (numbers, encryption) while this process writes to the database; the history
    # context labels the rows' events.
    with _makers(len(batches)) as makers, pghistory.context(source="seed_demo"):
        ahead = 2 * LANES
        upcoming = [
            makers[k % LANES].submit(_households, batches[k]) for k in range(min(ahead, len(batches)))
        ]
        for k in range(len(batches)):
            households = upcoming[k].result()
            upcoming[k] = None  # written below: not kept until the end
            if k + ahead < len(batches):
                upcoming.append(makers[(k + ahead) % LANES].submit(_households, batches[k + ahead]))
            residents, family = _write_batch(households)
            if k + 1 in (1, 4, 16, 64, 256):
                _analyze()  # after the first batch, then whenever the new rows have grown fourfold
            made["residents"] += residents
            made["family_members"] += family
            if progress is not None:
                progress("residents", made["residents"], len(missing))
            if stdout is not None and (k + 1) % 10 == 0:
                stdout.write(f"  residents: {made['residents']:,} of {len(missing):,}")
    _MAKER.clear()
    made["seconds"] = time.perf_counter() - started
    return made


# --- the demo logins' own records ---------------------------------------------------------------


def _employers(accounts: dict) -> int:
    towns = {town.code: town for town in Town.objects.all()}
    known = set(Employer.objects.values_list("uscc", flat=True))
    made = 0
    for index, (name, sector, town, foreign) in enumerate(EMPLOYERS, start=1):
        if employer_uscc(index) in known:
            continue
        services.employer_register(
            actor=None, name=name, uscc=employer_uscc(index), sector=sector, town=towns[town],
            foreign_funded=foreign, contact_name="人事部 HR", contact_phone=f"0512-5{index:07d}",
        )  # fmt: skip
        made += 1
    if "employer" in accounts:
        employer = Employer.objects.get(uscc=employer_uscc(1))
        services.employer_account_add(employer=employer, user=accounts["employer"], actor=None)
    return made


def _demo_resident(accounts: dict) -> bool:
    """The demo resident login (王芳): verified, with a daughter of school age and a husband."""
    user = accounts.get("resident")
    if user is None or Resident.objects.filter(user=user).exists():
        return False
    caseworker = accounts.get("caseworker_residents")
    id_number = make_id_number("340121", date(1990, 3, 8), 42)  # Changfeng county, Anhui; female
    ident = services.identity_fields(id_number)
    facts = ident.pop("_facts")
    resident = Resident.objects.create(
        user=user, name="王芳", phone=user.username, home_region_code=facts.region_code,
        home_province_code=facts.province_code, arrival_date=date(2016, 3, 1),
        town=Town.objects.get(code="development-zone"), address="昆山开发区前进东路 88 号 3 幢 502 室",
        employer=Employer.objects.filter(uscc=employer_uscc(1)).first(), education="vocational",
        consent_at=timezone.now(), **ident,
    )  # fmt: skip
    resident.skills.set(Skill.objects.filter(code__in=["assembly", "quality-inspection"]))
    services.resident_verify(resident=resident, actor=caseworker)
    services.family_member_add(
        resident=resident, actor=user, relation="child", name="李子涵",
        id_number=make_id_number("340121", date(2017, 6, 12), 24),
    )  # fmt: skip
    services.family_member_add(
        resident=resident, actor=user, relation="spouse", name="李强",
        id_number=make_id_number("340121", date(1988, 11, 2), 31),
    )  # fmt: skip
    if caseworker is not None:
        services.personal_data_access_record(
            resident=resident, staff=caseworker, purpose=PersonalDataAccess.Purpose.DETAIL
        )
    return True


def seed_demo(*, accounts, rng, options, stdout) -> None:
    """The registry's demo: employers, the demo logins' records, then N residents (idempotent)."""
    count = int(options.get("residents") or 200)
    seed = int(options.get("seed") or 2026)
    with transaction.atomic():
        employers = _employers(accounts)
        own = _demo_resident(accounts)
    made = create_residents(count=count, seed=seed, stdout=stdout)
    stdout.write(
        f"residents: {employers} employers, {made['residents']:,} residents with "
        f"{made['family_members']:,} family members added in {made['seconds']:.1f} s"
        + (" (and the demo resident's own record)" if own else "")
    )

"""How long `manage.py seed_demo --residents N` takes to write residents with their families.

Target (issue 3): 100,000 residents in under 60 s on PostgreSQL. At scale 1.0 the benchmark writes
100,000 residents (about two in three married, with their spouses and children, skills and certificates,
every identity number encrypted row by row), then runs the seeding again over them, which must add nothing
and be quick. Its residents carry their own phone marker (157…) and are deleted afterwards, except those
that another benchmark has meanwhile pointed at (kept; the next run numbers its residents after them).
"""

import statistics

from django.db.models import Max
from django.db.models.deletion import ProtectedError

from residents import demo
from residents.models import Resident

FULL = 100_000
TARGET_S = 60.0
BENCH_PREFIX = "157"  # demo residents use 158: these never mix with them


def _mine():
    return Resident.objects.filter(phone__startswith=BENCH_PREFIX)


def _clean() -> None:
    kept: set[int] = set()
    for _attempt in range(3):
        try:
            _mine().exclude(pk__in=kept).delete()
            return
        except ProtectedError as error:
            found = {getattr(obj, "resident_id", None) for obj in error.protected_objects} - {None}
            if not found:
                return
            kept |= found


def _next_index() -> int:
    last = _mine().aggregate(last=Max("phone"))["last"]
    return int(last[len(BENCH_PREFIX) :]) + 1 if last else 1


def run(scale: float = 1.0) -> list[dict]:
    count = max(100, round(FULL * scale))
    repeats = 3 if count <= 10_000 else 1
    demo._employers({})
    first, again, family = [], [], 0
    for repeat in range(repeats):
        _clean()
        start = _next_index()
        made = demo.create_residents(count=count, seed=2026 + repeat, phone_prefix=BENCH_PREFIX, first=start)
        first.append(made["seconds"])
        family = made["family_members"]
        rerun = demo.create_residents(count=count, seed=2026 + repeat, phone_prefix=BENCH_PREFIX, first=start)
        again.append(rerun["seconds"])
    _clean()
    return [
        {
            "name": f"residents: seed_demo --residents {count:,} (with families, COPY)",
            "measured_s": statistics.median(first),
            "target_s": TARGET_S * count / FULL,
            "note": f"{count:,} residents and {family:,} family members; target 60 s for 100,000",
        },
        {
            "name": f"residents: seed_demo again over {count:,} existing (adds nothing)",
            "measured_s": statistics.median(again),
            "target_s": 10.0 * count / FULL,
        },
    ]

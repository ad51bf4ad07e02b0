"""How long a caseworker's file of residents takes to import (issue 3: 10,000 in one go, well under a minute).

At scale 1.0 the benchmark validates and writes 10,000 residents through ``residents_import`` (every row
checked, identity numbers encrypted and hashed, bulk inserts with their history rows), and times the
refusal of the same file with one bad line (validation only, nothing written). Its residents carry their
own name prefix and are deleted afterwards.
"""

import statistics
import time
from datetime import date

from residents import services
from residents.idcard import make_id_number
from residents.models import Resident

FULL = 10_000
TARGET_S = 60.0
MARKER = "导入基准"  # the name prefix of this benchmark's residents: nothing else uses it
REGIONS = ("340121", "510121", "520201", "430121", "422822", "360121")


def _rows(count: int, repeat: int) -> list[dict]:
    return [
        {
            "name": f"{MARKER}{n}",
            "id_number": make_id_number(
                REGIONS[n % len(REGIONS)], date(1970 + n % 30, 1 + n % 12, 1 + n % 28), n // 360 + repeat * 7
            ),
            "phone": f"199{n:08d}",
            "arrival_date": "2021-03-15",
            "town": "yushan",
            "address": f"前进中路 {n} 号",
            "education": "junior",
            "employer_uscc": "",
        }
        for n in range(count)
    ]


def _clean() -> None:
    Resident.objects.filter(name__startswith=MARKER).delete()


def run(scale: float = 1.0) -> list[dict]:
    count = max(100, round(FULL * scale))
    imported, refused = [], []
    for repeat in range(3):
        _clean()
        rows = _rows(count, repeat)
        started = time.perf_counter()
        services.residents_import(rows=rows, actor=None)
        imported.append(time.perf_counter() - started)
        _clean()
        rows[count // 2]["phone"] = "12345"
        started = time.perf_counter()
        try:
            services.residents_import(rows=rows, actor=None)
        except services.ImportRejected:
            refused.append(time.perf_counter() - started)
    _clean()
    return [
        {
            "name": f"residents: import a file of {count:,} residents (all-or-nothing, bulk)",
            "measured_s": statistics.median(imported),
            "target_s": TARGET_S * count / FULL,
            "note": "target: 10,000 well under a minute",
        },
        {
            "name": f"residents: refuse a file of {count:,} with one bad line (writes nothing)",
            "measured_s": statistics.median(refused),
            "target_s": TARGET_S * count / FULL / 2,
        },
    ]

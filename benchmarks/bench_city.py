"""The city at scale: ``seed_city`` itself, then the caseworkers' big admin lists and searches on its data.

Targets (issue 11): the whole city (scale 1.0) seeded in under 15 minutes on a 2-core machine; the
changelists of residents, job applications, housing applications and contribution lines open in under
300 ms (the whole request: queries, the count that is never an unbounded COUNT(*), the page rendered);
searches by an exact identity number, a mobile number and a name prefix answer in under 50 ms in the
database (the queries of the search request, measured by the database connection), the whole page
shown beside it.

The city lives in its own database (``<name>_city``, see benchmarks/city.py) and is reused from one run
to the next: the seeding row then shows a rerun, which adds nothing.
"""

import random
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.city import city_database, seed
from kunshan_portal.models import User
from residents import seeding as registry

SEED_TARGET_S = 15 * 60
CHANGELIST_TARGET_S = 0.3
SEARCH_TARGET_S = 0.05
RUNS = 9
WARM_UP = 2
CHANGELISTS = {
    "residents": "admin:residents_resident_changelist",
    "job applications": "admin:employment_application_changelist",
    "housing applications": "admin:housing_housingapplication_changelist",
    "contribution lines": "admin:insurance_contributionline_changelist",
}


def _admin_client() -> Client:
    user, _created = User.objects.get_or_create(
        username="bench-city-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def _timed(client: Client, url: str, data: dict | None = None) -> tuple[float, float, int]:
    """(seconds for the whole request, seconds spent in the database, rows on the page's status)."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, data or {})
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} {data or ''} answered {response.status_code}")
    return elapsed, sum(float(q["time"]) for q in queries.captured_queries), len(queries.captured_queries)


def _median(client: Client, url: str, data_for) -> tuple[float, float, int]:
    pages, database, count = [], [], 0
    for run in range(WARM_UP + RUNS):
        page_s, db_s, count = _timed(client, url, data_for(run))
        if run >= WARM_UP:
            pages.append(page_s)
            database.append(db_s)
    return statistics.median(pages), statistics.median(database), count


def _search_terms(rng: random.Random) -> dict[str, list[str]]:
    ids = list(registry.city_residents().values_list("pk", flat=True)[:20_000])
    sample = list(registry.city_residents().filter(pk__in=rng.sample(ids, min(len(ids), WARM_UP + RUNS))))
    return {
        "exact identity number": [r.id_number for r in sample],
        "mobile number": [r.phone for r in sample],
        "name prefix": [r.name[:2] for r in sample],
    }


def run(scale: float = 1.0) -> list[dict]:
    rows = []
    with city_database():
        seeded = seed(scale)
        rerun = seeded["added"] == 0
        rows.append({
            "name": f"city: seed_city --scale {scale:g}" + (" (rerun over a seeded city)" if rerun else ""),
            "measured_s": seeded["seconds"],
            "target_s": SEED_TARGET_S if scale == 1.0 and not rerun else None,
            "note": "the 15-minute target is for the whole city (scale 1)" if scale != 1.0 else
            f"{registry.city_residents().count():,} residents in the city database",
        })  # fmt: skip
        client = _admin_client()
        for label, name in CHANGELISTS.items():
            page_s, db_s, queries = _median(client, reverse(name), lambda run: {})
            rows.append({
                "name": f"admin: {label} changelist (median of {RUNS})",
                "measured_s": page_s, "target_s": CHANGELIST_TARGET_S,
                "note": f"{queries} queries, {db_s * 1000:.1f} ms in the database",
            })  # fmt: skip
        url = reverse(CHANGELISTS["residents"])
        for label, terms in _search_terms(random.Random(11)).items():
            page_s, db_s, queries = _median(
                client, url, lambda run, terms=terms: {"q": terms[run % len(terms)]}
            )
            rows.append({
                "name": f"admin: residents search by {label}, database (median of {RUNS})",
                "measured_s": db_s, "target_s": SEARCH_TARGET_S,
                "note": f"{queries} queries; the whole page {page_s * 1000:.0f} ms",
            })  # fmt: skip
    return rows

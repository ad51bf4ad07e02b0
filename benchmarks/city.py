"""The city-scale database the admin and load benchmarks run on: ``<name>_city`` beside the portal's own.

Other benchmarks build (and truncate) their own data in ``<name>_bench``; the city seeded by
``manage.py seed_city`` lives in a database of its own, so that neither disturbs the other and a seeded
city is reused from one run to the next (seeding it again adds only what is missing).
"""

import time
from contextlib import contextmanager
from urllib.parse import quote

from django.core.management import call_command
from django.db import connections

from kunshan_portal.embedded_db import ensure_database
from kunshan_portal.registry import CITY_SEEDERS


def city_name(name: str) -> str:
    return name.removesuffix("_bench") + "_city"


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the same server and database (a socket directory as host is quoted)."""
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings_dict.get("HOST") or "127.0.0.1", safe="")
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


@contextmanager
def city_database():
    """Point the default connection at the city database (created and migrated if need be)."""
    connection = connections["default"]
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = city_name(original)
    try:
        ensure_database(connection.settings_dict)
        call_command("migrate", verbosity=0, interactive=False, skip_checks=True)
        yield connection.settings_dict
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def seed(scale: float) -> dict:
    """Seed the city at this scale (or complete it); the seconds it took and what was added."""
    import io

    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed_city", scale=scale, stdout=out)
    seconds = time.perf_counter() - started
    added = 0
    for line in out.getvalue().splitlines():
        app, _, rest = line.partition(": ")
        if app in CITY_SEEDERS:
            for part in rest.split(" in ")[0].split(","):
                number = part.strip().split(" ")[0].replace(",", "")
                added += int(number) if number.isdigit() else 0
    return {"seconds": seconds, "added": added, "output": out.getvalue()}

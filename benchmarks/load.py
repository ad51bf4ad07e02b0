"""Load test: the portal's real traffic against gunicorn on loopback, on the city-scale data.

``make load`` (or ``python -m benchmarks.load``) seeds the city if needed (``<name>_city``, see
benchmarks/city.py), starts gunicorn on 127.0.0.1 with DEBUG off, logs in a few hundred residents, a
caseworker of each busy domain and an official (sessions and API tokens, no passwords), and drives a
scripted mix with wrk for a bounded time. The residents are ones no earlier run applied for a job as: the
applications a run submits would otherwise pile up on the same few hundred residents' pages and make each
run dearer than the last. Those few hundred residents come back far more often than real ones (each
asks for recommendations several times a minute): after a resident's first visit, their recommendations come
from the ranking kept for them (``KUNSHAN_RECOMMENDATION_SECONDS``, five minutes), as for a resident who
comes back within that time. ``KUNSHAN_RECOMMENDATION_SECONDS=0`` measures every one ranked afresh.

- anonymous (about 35%): the home page, the public job search and job pages,
  compounds and schools;
- residents (about 50%): their top-20 job recommendations, their page, applications, housing and
  notices, the API's job list and recommendations, and job applications submitted through the API (2%);
- caseworkers (about 10%): the admin lists of job applications, residents, housing applications and
  legal-aid cases;
- officials (about 5%): the dashboard.

It prints throughput, latency percentiles, the share of failed answers and the CPU time per request of
gunicorn and of PostgreSQL (read from /proc: steadier than requests/s, and it shows where the time goes),
and the time of a fixed piece of Python before and after the run: machines of the same size, and one
machine from one hour to the next, differ by a third or more, so compare runs only at similar figures.
Target (issue 11): 300 requests/s with a p95 under 200 ms on a 2-core machine (wrk and the server share
those cores).
Settings: LOAD_SECONDS (30), LOAD_WARMUP (10: seconds of the same mix first, not measured, in which the
workers start, read their templates and compile their queries, as a server that has been up a while has),
LOAD_CONNECTIONS (32), LOAD_THREADS (wrk's, 2), LOAD_WORKERS (gunicorn processes,
default gunicorn.conf.py's: one per core), LOAD_SCALE (the city's scale, default BENCH_SCALE or 1.0), LOAD_SEED=0 to use the
city database as it is, without completing its seeding first.
"""

import json
import math
import os
import random
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_RPS = 300
TARGET_P95_S = 0.2
LOGGED_IN_RESIDENTS = 300
APPLICATION_NOTE = "load test"  # on the job applications the mix submits
MIX_SIZE = 4_000
MAX_RPS = 2_000  # the most requests/s a run is prepared for (distinct job applications)

# (weight, who, kind): who is anon / resident / token / caseworker / official
MIX = [
    (5, "anon", "home"), (12, "anon", "job_list"), (10, "anon", "job_detail"), (4, "anon", "compounds"),
    (3, "anon", "schools"), (6, "token", "api_jobs"),
    (10, "resident", "recommended"), (8, "resident", "me"), (5, "resident", "applications"),
    (5, "resident", "job_detail"), (4, "resident", "housing"), (4, "resident", "notices"),
    (5, "token", "api_recommended"), (2, "token", "api_apply"),
    (4, "caseworker", "admin_job_applications"), (3, "caseworker", "admin_residents"),
    (2, "caseworker", "admin_housing"), (1, "caseworker", "admin_cases"),
    (5, "official", "dashboard"),
]  # fmt: skip
APPLY_SHARE = sum(w for w, _who, kind in MIX if kind == "api_apply") / sum(w for w, _who, _kind in MIX)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_for(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["django_language"] = "zh-hans"
    session.create()
    return session.session_key


def _accounts(rng: random.Random) -> dict:
    """Log-in accounts for city residents (made once, no password), a caseworker per domain, an official."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from employment.models import Application
    from kunshan_portal import roles
    from kunshan_portal.models import User
    from residents import seeding as registry
    from residents.models import Resident

    unused = (
        registry.city_residents()
        .filter(state=Resident.State.VERIFIED)
        .exclude(pk__in=Application.objects.filter(note=APPLICATION_NOTE).values("resident_id"))
    )

    def linked() -> list[Resident]:
        return list(
            unused.filter(user__isnull=False).select_related("user").order_by("pk")[:LOGGED_IN_RESIDENTS]
        )

    with transaction.atomic():
        residents = linked()
        missing = LOGGED_IN_RESIDENTS - len(residents)
        if missing > 0:
            fresh = list(unused.filter(user__isnull=True).order_by("pk")[:missing])
            users = []
            for resident in fresh:
                user = User(username=resident.phone, phone=resident.phone, first_name=resident.name)
                user.set_unusable_password()
                users.append(user)
            User.objects.bulk_create(users)
            group = Group.objects.get(name=roles.RESIDENT)
            group.user_set.add(*users)
            for resident, user in zip(fresh, users, strict=True):
                resident.user = user
            Resident.objects.bulk_update(fresh, ["user"])  # one statement, not one per resident
            residents = linked()
        staff = {}
        for key, group_names in (
            (
                "caseworker",
                [roles.CASEWORKER_GROUPS[d] for d in ("residents", "employment", "housing", "legal_aid")],
            ),
            ("official", [roles.OFFICIAL]),
        ):
            user, _created = User.objects.get_or_create(
                username=f"load-{key}", defaults={"is_staff": key != "official"}
            )
            user.groups.add(*Group.objects.filter(name__in=group_names))
            staff[key] = user
        accounts = [resident.user for resident in residents]
        return {
            "resident": [_session_for(u) for u in accounts],
            "token": [Token.objects.get_or_create(user=u)[0].key for u in accounts],
            "caseworker": [_session_for(staff["caseworker"])],
            "official": [_session_for(staff["official"])],
        }


def _paths() -> dict:
    from django.conf import settings

    from employment.models import Job

    open_jobs = list(
        Job.objects.filter(state=Job.State.OPEN, certificates_lo=0, certificates_hi=0)
        .order_by("?")
        .values_list("pk", flat=True)[:5_000]
    )
    admin = "/" + settings.ADMIN_URL
    return {
        "jobs": open_jobs,
        "fixed": {
            "home": "/", "job_list": "/employment/jobs/", "compounds": "/housing/compounds/",
            "schools": "/education/schools/", "api_jobs": "/api/v1/employment/jobs/",
            "recommended": "/employment/", "me": "/residents/me/", "applications": "/employment/applications/",
            "housing": "/housing/", "notices": "/notices/", "api_recommended": "/api/v1/employment/jobs/recommended/",
            "admin_job_applications": f"{admin}employment/application/", "admin_residents": f"{admin}residents/resident/",
            "admin_housing": f"{admin}housing/housingapplication/", "admin_cases": f"{admin}legal_aid/case/",
            "dashboard": "/dashboard/",
        },
    }  # fmt: skip


def _lua(accounts: dict, paths: dict, rng: random.Random) -> str:
    """The wrk script's requests: a shuffled list in the mix's proportions; the job applications in it
    (``false``) take their resident and job from the list ``_lua_applications`` appends."""
    requests = []
    total = sum(weight for weight, _who, _kind in MIX)
    for weight, who, kind in MIX:
        for _ in range(round(MIX_SIZE * weight / total)):
            headers = {"Accept-Language": "zh-hans"}
            if who in ("resident", "caseworker", "official"):
                headers["Cookie"] = f"sessionid={rng.choice(accounts[who])}"
            if who == "token":
                headers["Authorization"] = f"Token {rng.choice(accounts['token'])}"
            if kind == "api_apply":
                requests.append({"apply": True})
                continue
            path = paths["fixed"].get(kind)
            if kind == "job_detail":
                path = f"/employment/jobs/{rng.choice(paths['jobs'])}/"
            elif kind == "job_list":
                path += f"?page={rng.randint(1, 20)}"
            requests.append({"path": path, "headers": headers})
    rng.shuffle(requests)
    lines = ["local requests = {}", "local note = " + json.dumps(json.dumps(APPLICATION_NOTE))]
    for item in requests:
        if item.get("apply"):
            lines.append("requests[#requests + 1] = false")
        else:
            headers = ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in item["headers"].items())
            lines.append(
                f'requests[#requests + 1] = wrk.format("GET", {json.dumps(item["path"])}, {{{headers}}})'
            )
    return "\n".join(lines) + "\n"


def applications(tokens: list[str], jobs: list[int], count: int, taken: set, rng: random.Random) -> list:
    """``count`` (token, job) pairs for the job applications of one run of wrk, none in ``taken`` and
    none twice (each is added to ``taken``): an application a resident already made is refused, and wrk
    would count it as a failed answer. The warm-up and the measured run draw from one ``taken``."""
    if count > len(tokens) * len(jobs) - len(taken):
        raise ValueError("not enough residents and jobs for that many distinct applications")
    pairs = []
    while len(pairs) < count:
        pair = (rng.choice(tokens), rng.choice(jobs))
        if pair not in taken:
            taken.add(pair)
            pairs.append(pair)
    return pairs


def _lua_applications(pairs: list, threads: int) -> str:
    """The applications' list for the wrk script: each of wrk's threads (its own Lua state) takes every
    ``threads``-th pair from its own offset, so that no two threads send the same one."""
    rows = ", ".join(f"{{{json.dumps(token)}, {job}}}" for token, job in pairs)
    return f"local threads = {threads}\nlocal applications = {{{rows}}}\n" + LUA_TAIL


LUA_TAIL = r"""
local i = 0
local applied = 0
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
end
function init(args)
    math.randomseed(os.time() * 1000 + (id or 0))
    i = math.random(#requests)
end
function request()
    i = i % #requests + 1
    local r = requests[i]
    if r then return r end
    local pair = applications[(applied * threads + id - 1) % #applications + 1]
    applied = applied + 1
    local body = '{"job": ' .. pair[2] .. ', "note": ' .. note .. '}'
    return wrk.format("POST", "/api/v1/employment/applications/", {
        ["Authorization"] = "Token " .. pair[1],
        ["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
    io.write(string.format(
        'RESULT {"requests": %d, "seconds": %f, "p50": %f, "p90": %f, "p95": %f, "p99": %f, "failed": %d, "socket_errors": %d}\n',
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e6, latency:percentile(90) / 1e6,
        latency:percentile(95) / 1e6, latency:percentile(99) / 1e6, summary.errors.status,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _serve(settings_dict: dict, port: int, workers: int) -> subprocess.Popen:
    from benchmarks.city import database_url

    env = {k: v for k, v in os.environ.items() if k != "KUNSHAN_BENCH"}
    env.update({
        "DATABASE_URL": database_url(settings_dict), "DJANGO_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "kunshan_portal.settings",
        # The load test measures the portal, not the API's per-client rate limit.
        "KUNSHAN_API_RATE_ANON": "1000000/minute", "KUNSHAN_API_RATE_USER": "1000000/minute",
    })  # fmt: skip
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        # gunicorn.conf.py, as the portal runs in production (Dockerfile, docker-compose.yml).
        [gunicorn, "kunshan_portal.wsgi", "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(1)
    _stop(server)
    raise RuntimeError("gunicorn did not answer /healthz within 2 minutes")


def cpu_seconds(selected) -> float | None:
    """The CPU seconds (user and system, with those of their children that ended) of this machine's
    processes for which ``selected(pid, name, process_group)`` holds; None where there is no /proc."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if selected(int(stat.parent.name), name, int(fields[2])):
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _postgres(_pid, name, _group) -> bool:
    """Every PostgreSQL process of this machine (the server, its sessions, autovacuum, the checkpointer)."""
    return name == "postgres"


def settle_database(timeout: float = 180.0, idle: float = 0.05) -> float:
    """Wait until PostgreSQL is idle, at most ``timeout`` seconds; returns the seconds waited. Work just
    before (seeding, another benchmark's writes) leaves dirty pages to write and tables to vacuum and
    analyze: in ``make bench`` that background work took more PostgreSQL CPU per request than the load
    itself and the cores from gunicorn. A CHECKPOINT writes the pages now; then the wait lasts until
    PostgreSQL's processes use under ``idle`` of a core for a second."""
    from django.db import DatabaseError, connection

    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")  # needs a superuser; without one the wait alone
    except DatabaseError:
        pass

    while time.monotonic() - started < timeout:
        before = cpu_seconds(_postgres)
        time.sleep(1)
        after = cpu_seconds(_postgres)
        if before is None or after is None or after - before < idle:
            break
    return time.monotonic() - started


def reference_ms(rounds: int = 5) -> float:
    """This machine's speed now: the median time, in milliseconds of CPU, of a fixed piece of pure Python
    (two million additions). Other processes' work does not count in it, only how fast this one runs."""
    times = []
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for number in range(2_000_000):
            total += number
        times.append(time.process_time() - started)
    return sorted(times)[len(times) // 2] * 1000


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def run(scale: float = 1.0) -> list[dict]:
    """Seed (or reuse) the city at this scale, serve it with gunicorn and drive the mix with wrk."""
    from django.core.management import call_command

    from benchmarks.city import city_database, seed

    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    seconds = int(os.environ.get("LOAD_SECONDS", "30"))
    warmup = int(os.environ.get("LOAD_WARMUP", "10"))
    connections = int(os.environ.get("LOAD_CONNECTIONS", "32"))
    threads = int(os.environ.get("LOAD_THREADS", "2"))
    workers = int(os.environ.get("LOAD_WORKERS") or runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"])
    rng = random.Random(2026)
    with city_database() as settings_dict:
        if os.environ.get("LOAD_SEED", "1") != "0":
            seed(scale)
        accounts, paths = _accounts(rng), _paths()
        script, taken = _lua(accounts, paths, rng), set()

        def script_for(duration: int) -> str:
            # Enough distinct applications for wrk at MAX_RPS; beyond that a thread starts its list again.
            count = math.ceil(duration * MAX_RPS * APPLY_SHARE)
            pairs = applications(accounts["token"], paths["jobs"], count, taken, rng)
            return script + _lua_applications(pairs, threads)

        # As in production (Dockerfile): gunicorn with DEBUG off serves the collected files only.
        call_command("collectstatic", interactive=False, verbosity=0)
        port = _free_port()
        server = _serve(settings_dict, port, workers)
        # CPU spent by gunicorn (its process group) and by PostgreSQL (every server on this machine).
        measured = (
            lambda _pid, _name, group: group == server.pid,
            _postgres,
        )
        settled = settle_database()
        speed_before = reference_ms()
        try:

            def drive(duration: int) -> subprocess.CompletedProcess:
                with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
                    lua.write(script_for(duration))
                    lua.flush()
                    return subprocess.run(
                        [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
                         "-s", lua.name, f"http://127.0.0.1:{port}"],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip

            if warmup:
                drive(warmup)  # every worker started, its templates and queries compiled: not measured
            before = [cpu_seconds(selected) for selected in measured]
            done = drive(seconds)
            after = [cpu_seconds(selected) for selected in measured]
        finally:
            _stop(server)
        speed_after = reference_ms()
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    rps = result["requests"] / result["seconds"]
    failed = result["failed"] + result["socket_errors"]
    note = (
        f"{rps:,.0f} requests/s (target {TARGET_RPS}), p50 {result['p50'] * 1000:.0f} ms, "
        f"p90 {result['p90'] * 1000:.0f} ms, p99 {result['p99'] * 1000:.0f} ms; {failed:,} of "
        f"{result['requests']:,} answers failed; {connections} connections for {seconds} s, {workers} gunicorn "
        f"processes after {warmup} s of warm-up; load average before the end {os.getloadavg()[0]:.1f}; "
        f"{settled:.0f} s of waiting for PostgreSQL to be idle first"
    )
    if None not in before + after and result["requests"]:
        server_ms, database_ms = (
            (a - b) * 1000 / result["requests"] for a, b in zip(after, before, strict=True)
        )
        note += f"; CPU per request: gunicorn {server_ms:.1f} ms, PostgreSQL {database_ms:.1f} ms"
    note += (
        f"; reference Python {speed_before:.0f} ms before the run, {speed_after:.0f} ms after (reference_ms)"
    )
    return [
        {
            "name": "load: p95 latency of the real mix (wrk against gunicorn on loopback)",
            "measured_s": result["p95"],
            "target_s": TARGET_P95_S,
            "note": note,
        },
        {
            "name": "load: throughput as seconds per request (1 / req/s; target 1/300 s)",
            "measured_s": 1 / rps if rps else float("inf"),
            "target_s": 1 / TARGET_RPS,
        },
    ]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_portal.settings")
    os.environ["KUNSHAN_BENCH"] = "1"
    import django

    django.setup()
    from benchmarks.__main__ import format_table

    scale = float(os.environ.get("LOAD_SCALE", os.environ.get("BENCH_SCALE", "1.0")))
    print(format_table(run(scale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

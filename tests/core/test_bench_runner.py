"""The benchmark runner's output: one table of every figure with its target and verdict, and the JSON; the
load test's reading of CPU time."""

import json
import os
import random
import subprocess
import sys
import threading
import time
import types

import psycopg2
import pytest
from django.db import connection

from benchmarks import __main__ as runner
from benchmarks.load import _lua_applications, applications, cpu_seconds, reference_ms, settle_database


def _rows():
    return [
        {
            "name": "city: seed_city --scale 0.001",
            "measured_s": 4.2,
            "target_s": None,
            "note": "whole city: 15 min",
        },
        {"name": "admin: residents changelist (median of 9)", "measured_s": 0.12, "target_s": 0.3},
        {"name": "insurance: the month's run", "measured_s": 30.0, "target_s": 120.0, "reference_s": 24.0},
        {"name": "admin: residents search by name prefix, database", "measured_s": 0.08, "target_s": 0.05},
    ]


def test_the_table_shows_each_figure_its_target_the_verdict_and_the_ratio():
    # when
    table = runner.format_table(_rows()).splitlines()
    # then
    header = table[0].split()
    assert header == ["benchmark", "measured", "target", "ok", "ratio"]
    assert set(table[1]) == {"-"}
    seeded = table[2]
    assert seeded.startswith("city: seed_city --scale 0.001") and "4.200s" in seeded
    assert not seeded.rstrip().endswith(("yes", "NO"))  # no target, no verdict
    assert table[3].strip() == "whole city: 15 min"  # the note under its figure
    assert table[4].split()[-3:] == ["0.120s", "0.300s", "yes"]  # no reference, no ratio
    ratio_line = table[5].split()
    assert ratio_line[-4:] == ["30.000s", "120.000s", "yes", "1.25"]
    assert table[6].split()[-3:] == ["0.080s", "0.050s", "NO"]


def test_the_runner_prints_the_table_and_writes_the_json(tmp_path, monkeypatch, capsys):
    # given one benchmark module answering at a tiny scale, and no real work
    module = types.ModuleType("benchmarks.bench_tiny")
    seen = {}

    def run(scale):
        seen["scale"] = scale
        return _rows()[:2]

    module.run = run
    monkeypatch.setitem(sys.modules, "benchmarks.bench_tiny", module)
    monkeypatch.setattr(
        runner.pkgutil, "iter_modules", lambda paths: [types.SimpleNamespace(name="bench_tiny")]
    )
    monkeypatch.setattr("django.core.management.call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr("django.setup", lambda: None)
    # The runner sets KUNSHAN_BENCH for the process; setenv makes monkeypatch put back what was there
    # before (usually nothing), so later tests do not inherit the bench database.
    monkeypatch.setenv("KUNSHAN_BENCH", "0")
    out = tmp_path / "results.json"
    # when
    code = runner.main(["--scale", "0.001", "--json", str(out)])
    # then
    assert code == 0
    assert seen["scale"] == 0.001
    printed = capsys.readouterr().out
    assert "admin: residents changelist (median of 9)" in printed and "results written to" in printed
    saved = json.loads(out.read_text())
    assert saved["scale"] == 0.001
    assert [row["name"] for row in saved["rows"]] == [row["name"] for row in _rows()[:2]]
    assert set(saved) == {"commit", "scale", "rows"}


def test_the_load_test_reads_the_cpu_time_of_the_processes_it_measures():
    # given: this process's CPU time so far, as the load test reads it for gunicorn and PostgreSQL
    def this_process(pid, _name, _group):
        return pid == os.getpid()

    before = cpu_seconds(this_process)
    started = time.process_time()

    # when: the process works for a fifth of a second
    while time.process_time() - started < 0.2:
        sum(range(1_000))

    # then: the reading grew by about that much, and no process answers to a name nobody has
    assert 0.15 <= cpu_seconds(this_process) - before <= 1.0
    assert cpu_seconds(lambda _pid, name, _group: name == "no such process name") == 0


def test_the_load_tests_job_applications_are_never_sent_twice():
    # given: two residents' tokens and three open jobs: six possible applications
    tokens, jobs, taken = ["token-a", "token-b"], [11, 12, 13], set()
    rng = random.Random(1)

    # when: the warm-up takes four and the measured run the other two
    warmup = applications(tokens, jobs, 4, taken, rng)
    measured = applications(tokens, jobs, 2, taken, rng)

    # then: six different applications, none repeated from the warm-up (a repeat is refused, a failed answer)
    assert len(set(warmup + measured)) == 6
    assert set(warmup + measured) == {(t, j) for t in tokens for j in jobs}
    # and a seventh is refused before wrk starts, not sent twice
    with pytest.raises(ValueError):
        applications(tokens, jobs, 1, taken, rng)
    # and the wrk script lists each of a run's applications once, for its threads to share out
    script = _lua_applications(measured, threads=2)
    assert "local threads = 2" in script
    for token, job in measured:
        assert script.count(f'{{"{token}", {job}}}') == 1


def test_the_load_test_reads_the_machines_speed_as_cpu_time_of_fixed_work():
    # given: another process keeping a core busy meanwhile (its work is not this measurement's)
    alone = reference_ms(rounds=3)
    busy = subprocess.Popen([sys.executable, "-c", "while True: sum(range(1_000))"])
    try:
        # when: the fixed work is timed beside it
        beside = reference_ms(rounds=3)
    finally:
        busy.kill()
        busy.wait()

    # then: a figure in milliseconds of this process's CPU, about the same both times
    assert 1 < alone < 10_000
    assert beside < alone * 1.6


@pytest.mark.django_db
def test_the_load_test_waits_until_postgresql_is_idle():
    # given: PostgreSQL computing for a few seconds in another session
    settings = connection.settings_dict
    dsn = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    if settings["PASSWORD"]:
        dsn["password"] = settings["PASSWORD"]
    other = psycopg2.connect(**{key: value for key, value in dsn.items() if value})
    finished = {}

    def compute():
        with other.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
            started = time.monotonic()
            while time.monotonic() - started < 3:
                cursor.execute("SELECT sum(x) FROM generate_series(1, 2000000) AS x")
        finished["at"] = time.monotonic()

    busy = threading.Thread(target=compute)
    busy.start()
    try:
        time.sleep(0.5)
        # when: the load test waits for it before measuring
        settle_database(timeout=30)
        returned = time.monotonic()
    finally:
        busy.join()
        other.close()

    # then: it waited until the work ended (within its second of looking), and no longer
    assert returned >= finished["at"]
    assert returned - finished["at"] < 3
    # and an idle PostgreSQL is waited for about a second
    assert settle_database(timeout=30) < 3

"""gunicorn's settings as gunicorn itself reads them from the project's folder (as the production image
and docker-compose.yml start it): one worker per core unless the operator says otherwise, and the request
timeout that the web server's statement timeout is set to."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _printed_config(**env) -> dict[str, str]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    printed = subprocess.run(
        [str(gunicorn), "--print-config", "kunshan_portal.wsgi"],
        cwd=ROOT, env={**{k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}, **env},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    settings = {}
    for line in printed.stdout.splitlines():
        name, _, value = line.partition("=")
        settings[name.strip()] = value.strip()
    return settings


def test_gunicorn_runs_one_sync_worker_per_core_of_its_own():
    # when
    settings = _printed_config()
    # then
    assert settings["config"].endswith("gunicorn.conf.py")
    assert settings["workers"] == str(runpy.run_path(str(ROOT / "gunicorn.conf.py"))["cores"]())
    assert int(settings["workers"]) >= 1
    assert settings["worker_class"] == "sync"


def test_the_operator_sets_the_number_of_workers_with_web_concurrency():
    # when
    settings = _printed_config(WEB_CONCURRENCY="7")
    # then
    assert settings["workers"] == "7"


def test_a_request_times_out_when_its_database_statements_do():
    # given: the statement timeout the web server sets for itself
    wsgi = (ROOT / "kunshan_portal" / "wsgi.py").read_text()
    statement_ms = int(wsgi.split('"KUNSHAN_STATEMENT_TIMEOUT_MS", "')[1].split('"')[0])
    # when
    settings = _printed_config()
    # then
    assert int(settings["timeout"]) * 1000 == statement_ms


def test_where_the_system_tells_no_cpu_set_the_machines_cores_count(monkeypatch):
    # given: a system without CPU sets (macOS)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    # when
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # then
    assert settings["workers"] == (os.cpu_count() or 1)

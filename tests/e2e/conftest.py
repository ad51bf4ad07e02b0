"""End-to-end journeys in a real browser: Playwright driving the system's Chromium against the portal
served on loopback by pytest-django's live server (and, with a broker, real Celery workers).

Run with `make e2e`. Screenshots of each journey's key screens go to artifacts/e2e/<journey>/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _missing(reason: str):
    if settings.KUNSHAN_REQUIRE_SERVICES:
        pytest.fail(f"{reason} (KUNSHAN_REQUIRE_SERVICES is set, so end-to-end tests must not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = (
        os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not executable:
        _missing("no Chromium on this machine (Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install '.[e2e]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def page(browser, live_server, viewport):
    # bypass_csp lets the test inject axe-core; the portal itself keeps its strict policy
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], locale="zh-CN", base_url=live_server.url, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.viewport_name = viewport
    yield page
    context.close()


@pytest.fixture
def shoot(request):
    """shoot(page, "name"): save a full-page screenshot under artifacts/e2e/<journey>/."""
    journey = re.sub(r"[\W_]+", "-", request.node.originalname.removeprefix("test_")).strip("-")
    folder = ARTIFACTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}-{page.viewport_name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_check():
    """axe_check(page): no serious or critical accessibility violation on the page (axe-core)."""
    if not AXE.exists():
        _missing("axe-core is not installed (npm ci)")

    def check(page) -> list:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [v for v in result["violations"] if v["impact"] in {"serious", "critical"}]
        details = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
            for v in serious
        ]
        assert not serious, "accessibility violations:\n" + "\n".join(details)
        return result["violations"]

    return check


@pytest.fixture
def workers(request, live_server):
    """Real Celery workers in their own process when a broker is configured (as in CI), so rounds and runs
    go through the queue as in production; without one the tasks run in-process."""
    if settings.CELERY_BROKER_URL:
        return request.getfixturevalue("celery_worker_process")
    return None


@pytest.fixture
def login(live_server):
    def as_user(page, username: str, password: str = "Kunshan-2026!"):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form.stack button[type=submit]")
        page.wait_for_load_state("networkidle")

    return as_user

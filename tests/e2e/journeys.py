"""What the journeys share: the portal's words in either language, and form submits that wait for the page.

Texts are looked up through the portal's own catalogue, so a journey asserts what a Chinese reader really
sees, and a missing translation fails the journey instead of passing unnoticed.
"""

import re
import time

from django.utils import translation

PASSWORD = "Kunshan-2026!"


def zh(msgid: str, **params) -> str:
    """The Chinese text of an English msgid (placeholders filled), as a Chinese reader sees it."""
    with translation.override("zh-hans"):
        text = str(translation.gettext(msgid))
    if re.search(r"[A-Za-z]{3}", re.sub(r"%\(\w+\)[sd]", "", msgid)):
        assert text != msgid, f"no Chinese translation for {msgid!r}"
    return text % params if params else text


def en(msgid: str, **params) -> str:
    return msgid % params if params else msgid


def submit(page, locator) -> None:
    """Click a submit button (or link) and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("domcontentloaded")


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def messages(page) -> str:
    """The text of the page's message area (success, info and error messages), or ''."""
    area = page.locator("ul.messages")
    return area.inner_text() if area.count() else ""


def switch_language(page, code: str) -> None:
    page.select_option("#language-select", code)
    submit(page, page.locator(".lang-switch button"))


def log_out(page) -> None:
    submit(page, page.locator("form[action$='/logout/'] button"))


def reload_until(page, condition, timeout: float = 60.0) -> None:
    """Reload the page until condition(page) holds: the work is done by a worker in another process."""
    deadline = time.monotonic() + timeout
    while not condition(page):
        assert time.monotonic() < deadline, f"{page.url} did not show the result within {timeout} s"
        time.sleep(0.5)
        page.reload()


def open_notices(page) -> None:
    """Follow the header's Notices link (its name carries the unread count)."""
    submit(page, page.locator(".main-nav a[href$='/notices/']"))


def nav(page, name: str) -> None:
    """Follow a link of the header's main navigation by its exact name."""
    submit(page, page.locator(".main-nav").get_by_role("link", name=name, exact=True))

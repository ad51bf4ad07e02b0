"""An official logs in, lands on the dashboards, opens a domain's page and downloads one of its tables.

The journey finds its way by headings, links and labels only, so a new layout of the pages keeps it valid."""

import csv
import io

from kunshan_portal import roles
from tests.factories import make_resident, make_user

from .journeys import reload_until, submit, switch_language, zh


def test_dashboards_official_opens_them_and_downloads_an_export(page, shoot, axe_check, login, workers):
    for name in ("陈静", "林峰", "黄丽"):
        make_resident(name=name)
    make_resident(name="何平", verified=False)
    make_user("official-city", roles.OFFICIAL, language="zh-hans")

    login(page, "official-city")
    assert page.get_by_role("heading", level=1).inner_text() == zh("Dashboards")
    # the figures come from a stored summary that a worker refreshes when it is stale
    reload_until(page, lambda p: p.locator("main h2 a").count() > 0)
    axe_check(page)
    shoot(page, "overview")

    domain = page.locator("main h2 a").first
    title = domain.inner_text().strip()
    submit(page, domain)
    assert title in page.get_by_role("heading", level=1).inner_text()
    axe_check(page)
    shoot(page, "domain")
    csv_link = page.locator("main a[download]").filter(has_text="CSV").first
    with page.expect_download() as info:
        csv_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(io.StringIO(exported.read())))
    assert len(rows) >= 2 and len(rows[0]) >= 2  # a header row and figures
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

    xlsx_link = page.locator("main a[download]").filter(has_text="XLSX").first
    with page.expect_download() as info:
        xlsx_link.click()
    with open(info.value.path(), "rb") as workbook:
        assert workbook.read(2) == b"PK"  # an Office Open XML file

    switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert zh("Dashboards") not in page.get_by_role("heading", level=1).inner_text()
    shoot(page, "domain-en")

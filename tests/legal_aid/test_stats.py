"""Figures for the dashboards: cases, time to decision, share decided in time and amount recovered, by
month, station and category."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from legal_aid.models import Case
from legal_aid.selectors import case_stats, dashboard_section, legal_aid_overview
from tests.legal_aid.factories import file_case

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def dated(case, *, submitted, due, decided=None, recovered=None, state=None):
    values = {
        "submitted_at": submitted,
        "examination_due": due.date(),
        "decided_at": decided,
        "amount_recovered": recovered,
    }
    Case.objects.filter(pk=case.pk).update(**values)


def test_figures_by_month_station_and_category():
    march = datetime(2025, 3, 10, 9, tzinfo=SHANGHAI)
    # at Yushan and its sub-station (counted together), in March: one in time, one late, one undecided
    dated(
        file_case(),
        submitted=march,
        due=march + timedelta(days=3),
        decided=march + timedelta(days=2),
        recovered=Decimal("5000"),
    )
    dated(
        file_case(station_code="yushan-chengbei"),
        submitted=march,
        due=march + timedelta(days=3),
        decided=march + timedelta(days=6),
        recovered=Decimal("1000.50"),
    )
    dated(file_case(), submitted=march, due=march + timedelta(days=3))
    # a discrimination case at Bacheng in April
    april = datetime(2025, 4, 1, 8, tzinfo=SHANGHAI)
    dated(
        file_case(station_code="bacheng", category="discrimination"),
        submitted=april,
        due=april,
        decided=april + timedelta(hours=5),
    )
    # a case filed late on 31 March (Shanghai time) belongs to March
    dated(file_case(), submitted=datetime(2025, 3, 31, 23, 30, tzinfo=SHANGHAI), due=april)

    rows = case_stats(date_from=march.date().replace(day=1), date_to=april.date().replace(day=30))
    by_key = {(r["month"].month, r["station_name_en"], r["category"]): r for r in rows}
    yushan = by_key[(3, "Yushan Town Legal Aid Station", "unpaid_wages")]
    assert (yushan["cases"], yushan["decided"], yushan["in_time"], yushan["share_in_time"]) == (4, 2, 1, 0.5)
    assert yushan["recovered"] == Decimal("6000.50") and yushan["mean_days_to_decision"] == 4.0
    bacheng = by_key[(4, "Bacheng Town Legal Aid Station", "discrimination")]
    assert (bacheng["cases"], bacheng["share_in_time"], bacheng["mean_days_to_decision"]) == (1, 1.0, 0.2)
    # grouped by category only
    [wages, discrimination] = sorted(
        case_stats(by=("category",)), key=lambda r: r["category"] != "unpaid_wages"
    )
    assert (wages["cases"], discrimination["cases"]) == (4, 1)


def test_the_overview_and_the_dashboard_section():
    file_case()
    Case.objects.update(overdue_since=datetime(2025, 3, 4).date())
    overview = legal_aid_overview()
    assert (overview["filed"], overview["open"], overview["overdue"], overview["share_in_time"]) == (
        1,
        1,
        1,
        None,
    )
    title, figures = dashboard_section()
    labels = dict(figures)
    assert title == "Legal aid" and labels["Open cases"] == 1 and labels["Cases submitted"] == 1

"""The morning task: overdue cases are flagged and their station's head told, every working day until
someone acts; days off are skipped; however often it runs, one alert per station and day."""

import threading
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from kunshan_portal.models import Notice
from legal_aid import services
from legal_aid.models import Case, OverdueAlert, StationStaff, TimeLimit
from legal_aid.tasks import cases_flag_overdue_task
from tests.conftest import wait_for
from tests.legal_aid.factories import advance, file_case, make_staff

MONDAY, TUESDAY, WEDNESDAY = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)


def due_on(case: Case, day: date) -> Case:
    Case.objects.filter(pk=case.pk).update(examination_due=day)
    case.refresh_from_db()
    return case


def alerts_to(user) -> list[Notice]:
    return list(Notice.objects.filter(recipient=user, subject__contains="overdue"))


@pytest.mark.django_db
@pytest.mark.parametrize("day", [date(2025, 10, 4), date(2025, 3, 8), date(2025, 10, 1)])
def test_days_off_are_skipped(day, caseworker):
    due_on(file_case(), date(2025, 2, 1))
    assert services.cases_flag_overdue(today=day) == {
        "working_day": False,
        "flagged": 0,
        "cleared": 0,
        "alerts": 0,
    }
    assert not Case.objects.filter(overdue_since__isnull=False).exists() and not alerts_to(caseworker.user)


@pytest.mark.django_db
def test_a_moved_working_saturday_is_a_working_day_for_the_task(caseworker):
    due_on(file_case(), date(2025, 10, 10))
    assert services.cases_flag_overdue(today=date(2025, 10, 11))["flagged"] == 1


@pytest.mark.django_db
def test_the_head_is_told_every_working_day_until_someone_acts(caseworker):
    # given a case whose examination was due on Monday, and one due on Tuesday (not late on Tuesday)
    late = due_on(file_case(), MONDAY)
    on_time = due_on(file_case(), TUESDAY)
    # when the task runs on Tuesday, twice
    first = services.cases_flag_overdue(today=TUESDAY)
    again = services.cases_flag_overdue(today=TUESDAY)
    # then the late case is flagged and the head told once
    assert (first["flagged"], first["alerts"], again["alerts"]) == (1, 1, 0)
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue_since == TUESDAY and on_time.overdue_since is None
    [notice] = alerts_to(caseworker.user)
    assert late.reference in notice.body and on_time.reference not in notice.body
    assert notice.link.endswith("?overdue=yes")
    # on Wednesday both are late and the head is told again
    assert services.cases_flag_overdue(today=WEDNESDAY)["alerts"] == 1
    assert len(alerts_to(caseworker.user)) == 2
    assert OverdueAlert.objects.get(day=WEDNESDAY).cases == 2
    # once the station decides, the flag is lifted at once and the next day's alert leaves the case out
    services.case_examine(case=late, actor=caseworker.user)
    services.case_accept(case=late, actor=caseworker.user)
    late.refresh_from_db()
    assert late.overdue_since is None
    services.cases_flag_overdue(today=date(2025, 3, 6))
    latest = alerts_to(caseworker.user)[0]
    assert on_time.reference in latest.body and late.reference not in latest.body


@pytest.mark.django_db
def test_a_sub_station_without_a_head_is_answered_for_by_its_station():
    head = make_staff("development-zone", StationStaff.Role.CASEWORKER, head=True)
    sub_head = make_staff("yushan-chengbei", StationStaff.Role.CASEWORKER, head=True)
    yushan_head = make_staff("yushan", StationStaff.Role.CASEWORKER, head=True)
    without_head = due_on(file_case(station_code="development-zone-penglang"), MONDAY)
    with_head = due_on(file_case(station_code="yushan-chengbei"), MONDAY)
    services.cases_flag_overdue(today=TUESDAY)
    [to_zone] = alerts_to(head.user)
    [to_sub] = alerts_to(sub_head.user)
    assert without_head.reference in to_zone.body and with_head.reference in to_sub.body
    assert not alerts_to(yushan_head.user)


@pytest.mark.django_db
def test_a_statutory_time_limit_run_out_makes_the_case_overdue_until_met(caseworker, lawyer):
    case = advance(file_case(), "arbitration", caseworker=caseworker, lawyer=lawyer)
    limit = services.time_limit_record(
        case=case, kind=TimeLimit.Kind.ARBITRATION_AWARD, due_on=MONDAY, actor=lawyer.user
    )
    assert services.cases_flag_overdue(today=TUESDAY)["flagged"] == 1
    services.time_limit_update(time_limit=limit, actor=lawyer.user, due_on=MONDAY, met_on=MONDAY)
    case.refresh_from_db()
    assert case.overdue_since is None


@pytest.mark.django_db
def test_the_task_takes_the_day_and_calls_the_service(caseworker):
    due_on(file_case(), MONDAY)
    result = cases_flag_overdue_task.delay(TUESDAY.isoformat()).get()
    assert result["flagged"] == 1 and OverdueAlert.objects.filter(day=TUESDAY).count() == 1


def test_two_runs_at_once_tell_each_head_once(transactional_db):
    head = make_staff("yushan", StationStaff.Role.CASEWORKER, head=True)
    due_on(file_case(), MONDAY)
    start = threading.Barrier(2)
    results = [None, None]

    def run(i):
        try:
            start.wait()
            results[i] = services.cases_flag_overdue(today=TUESDAY)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(r["alerts"] for r in results) == [0, 1]
    assert len(alerts_to(head.user)) == 1 and OverdueAlert.objects.count() == 1


@pytest.mark.integration
@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL and not settings.KUNSHAN_REQUIRE_SERVICES,
    reason="no CELERY_BROKER_URL: the integration test needs Redis and a worker",
)  # skipped before the database is set up for real transactions (its flush is slow)
def test_a_real_worker_flags_and_alerts(celery_worker_process, transactional_db):
    head = make_staff("yushan", StationStaff.Role.CASEWORKER, head=True)
    case = due_on(file_case(), MONDAY)
    cases_flag_overdue_task.delay(TUESDAY.isoformat())
    wait_for(lambda: OverdueAlert.objects.filter(day=TUESDAY).exists(), timeout=60)
    case.refresh_from_db()
    assert case.overdue_since == TUESDAY and len(alerts_to(head.user)) == 1

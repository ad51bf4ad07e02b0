"""The monthly run: every enrolment owing the month gets its five lines exactly once."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from insurance import services
from insurance.contributions import compute_contributions, default_rate_table
from insurance.models import (
    ContributionLine,
    ContributionRun,
    ContributionRunChunk,
    ContributionTotal,
    SchemeRate,
)
from insurance.selectors import ledger_totals, run_progress
from kunshan_portal.errors import DomainError
from tests.insurance.factories import make_enrolment

pytestmark = pytest.mark.django_db
OCTOBER = date(2025, 10, 1)


def run(period=OCTOBER, **kwargs):
    return services.contribution_run_in_process(period=period, actor=None, **kwargs)


def regular_lines(period=OCTOBER):
    return ContributionLine.objects.filter(period=period, kind="regular")


def test_a_run_writes_five_lines_per_enrolment_as_the_pure_core_computes_them():
    # given
    enrolment = make_enrolment(wage="5000.00", birth_date=date(1990, 5, 1))

    # when
    result = run()

    # then
    expected = compute_contributions(
        wage=Decimal("5000.00"), birth_date=date(1990, 5, 1), period_start=OCTOBER, table=default_rate_table()
    )
    lines = {line.scheme: line for line in regular_lines().filter(enrolment=enrolment)}
    assert len(lines) == 5
    for line in expected.lines:
        stored = lines[line.scheme]
        assert (stored.employer_amount, stored.employee_amount, stored.pool, stored.personal_account) == (
            line.employer,
            line.employee,
            line.pool,
            line.personal_account,
        )
        assert (stored.employer_rate, stored.employee_rate) == (line.employer_rate, line.employee_rate)
        assert stored.run_id == result.pk and stored.resident_id == enrolment.resident_id
    assert lines["medical"].medical_share == Decimal("0.045")  # 35 on 1 October 2025
    assert result.finished_at is not None


def test_only_enrolments_in_force_on_the_months_last_day_owe_it():
    # given
    owing = make_enrolment(start_date=date(2025, 10, 31))
    ended_mid_month = make_enrolment(start_date=date(2025, 1, 1), end_date=date(2025, 10, 30))
    ended_last_day = make_enrolment(start_date=date(2025, 1, 1), end_date=date(2025, 10, 31))
    later = make_enrolment(start_date=date(2025, 11, 1))

    # when
    run()

    # then
    charged = set(regular_lines().values_list("enrolment_id", flat=True))
    assert charged == {owing.pk, ended_last_day.pk}
    assert ended_mid_month.pk not in charged and later.pk not in charged


def test_running_a_month_twice_doubles_nothing():
    # given
    for _ in range(3):
        make_enrolment()
    run()

    # when
    second = run()

    # then
    assert regular_lines().count() == 15
    assert second.passes == 2
    assert ContributionTotal.objects.aggregate(n=Sum("lines"))["n"] == 15


def test_an_interrupted_run_is_completed_by_running_again():
    # given: three chunks planned, only the first computed (the workers died)
    enrolments = [make_enrolment() for _ in range(7)]
    planned, ranges = services.contribution_run_plan(period=OCTOBER, actor=None, chunk_size=3)
    assert len(ranges) == 3
    services.contribution_chunk_compute(run_id=planned.pk, first_id=ranges[0][0], last_id=ranges[0][1])
    assert run_progress(planned)["chunks_done"] == 1 and planned.chunks.count() == 3
    assert regular_lines().count() == 15

    # when
    again = run()

    # then: every line once, none doubled, none missing
    assert regular_lines().count() == 35
    assert set(regular_lines().values_list("enrolment_id", flat=True)) == {e.pk for e in enrolments}
    progress = run_progress(again)
    assert progress["chunks_done"] == progress["chunks_total"] and again.finished_at is not None


def test_a_chunk_computed_twice_writes_its_lines_once():
    make_enrolment()
    planned, ranges = services.contribution_run_plan(period=OCTOBER, actor=None)
    first, last = ranges[0]

    assert services.contribution_chunk_compute(run_id=planned.pk, first_id=first, last_id=last) == 5
    assert services.contribution_chunk_compute(run_id=planned.pk, first_id=first, last_id=last) == 0

    assert regular_lines().count() == 5
    assert planned.chunks.get().attempts == 2


def test_a_month_keeps_the_rates_it_was_first_run_with():
    # given
    enrolment = make_enrolment(wage="10000.00")
    run()
    SchemeRate.objects.create(
        scheme="pension", valid_from=date(2025, 10, 1), employer_rate="0.20", employee_rate="0.08"
    )
    newcomer = make_enrolment(start_date=date(2025, 9, 1), wage="10000.00")

    # when
    run()

    # then
    pension = regular_lines().filter(scheme="pension")
    assert set(pension.values_list("employer_rate", flat=True)) == {Decimal("0.18")}
    assert pension.get(enrolment=newcomer).employer_amount == pension.get(enrolment=enrolment).employer_amount


def test_a_new_rate_applies_from_its_date():
    SchemeRate.objects.create(
        scheme="pension", valid_from=date(2025, 11, 1), employer_rate="0.16", employee_rate="0.08"
    )
    make_enrolment(wage="10000.00")

    run(OCTOBER)
    run(date(2025, 11, 1))

    pension = ContributionLine.objects.filter(scheme="pension").order_by("period")
    assert list(pension.values_list("period", "employer_amount")) == [
        (OCTOBER, Decimal("1800.00")),
        (date(2025, 11, 1), Decimal("1600.00")),
    ]


def test_the_payroll_wage_of_the_month_wins_over_the_enrolment_wage():
    from insurance.models import PayrollEntry, PayrollUpload

    enrolment = make_enrolment(wage="6000.00")
    upload = PayrollUpload.objects.create(employer=enrolment.employer, file_name="p.csv", rows=1)
    PayrollEntry.objects.create(enrolment=enrolment, period=OCTOBER, wage="7000.00", upload=upload)

    run()

    assert regular_lines().get(scheme="pension").base == Decimal("7000.00")


def test_the_ledger_totals_match_the_lines_and_balance():
    for wage in ("3000.00", "5000.00", "30000.00"):
        make_enrolment(wage=wage)

    run()

    lines = regular_lines().values("scheme").annotate(pool=Sum("pool"), personal=Sum("personal_account"))
    by_scheme = {row["scheme"]: (row["pool"], row["personal"]) for row in lines}
    ledger = ledger_totals(period=OCTOBER)
    assert [row["scheme"] for row in ledger] == [
        "pension",
        "medical",
        "unemployment",
        "maternity",
        "work_injury",
    ]
    for row in ledger:
        assert (row["pool"], row["personal_account"]) == by_scheme[row["scheme"]]
        assert row["pool"] + row["personal_account"] == row["employer_amount"] + row["employee_amount"]


def test_a_month_that_has_not_begun_cannot_be_run():
    with pytest.raises(DomainError) as refused:
        run(date(2099, 1, 1))
    assert refused.value.field == "period"
    assert not ContributionRun.objects.exists()


def test_a_run_queues_its_chunks_on_celery(django_capture_on_commit_callbacks):
    # given
    for _ in range(2):
        make_enrolment()

    # when (tasks run eagerly in the tests, as in the embedded default)
    with django_capture_on_commit_callbacks(execute=True):
        started = services.contribution_run_start(period=OCTOBER, actor=None)

    # then
    assert regular_lines().count() == 10
    assert run_progress(started)["chunks_done"] == 1


def test_a_chunk_that_keeps_failing_is_recorded_as_failed(monkeypatch, django_capture_on_commit_callbacks):
    make_enrolment()

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "contribution_chunk_compute", broken)
    with django_capture_on_commit_callbacks(execute=True):
        started = services.contribution_run_start(period=OCTOBER, actor=None)

    chunk = ContributionRunChunk.objects.get(run=started)
    assert chunk.status == "failed" and "database went away" in chunk.error
    assert run_progress(started)["chunks_failed"] == 1
    assert started.finished_at is None


def test_the_beat_task_runs_the_month_before(django_capture_on_commit_callbacks):
    from insurance.selectors import last_closed_period
    from insurance.tasks import contributions_monthly_task

    make_enrolment(start_date=date(2020, 1, 1))

    with django_capture_on_commit_callbacks(execute=True):
        run_id = contributions_monthly_task.apply().get()

    assert ContributionRun.objects.get(pk=run_id).period == last_closed_period()
    assert ContributionLine.objects.filter(period=last_closed_period()).count() == 5


def test_the_command_runs_a_month(capsys):
    make_enrolment()

    call_command("contributions_run", "2025-10", "--in-process")

    assert regular_lines().count() == 5
    assert "1 of 1 chunks done" in capsys.readouterr().out


def test_the_command_refuses_a_bad_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("contributions_run", "October")


def test_months_of_contributions_per_resident_for_the_school_priorities():
    from insurance.selectors import contribution_months_by_resident

    paying = make_enrolment(start_date=date(2025, 8, 1))
    ended = make_enrolment(start_date=date(2025, 8, 1), end_date=date(2025, 8, 31))
    for month in (8, 9, 10):
        run(date(2025, month, 1))

    months = contribution_months_by_resident(
        resident_ids=[paying.resident_id, ended.resident_id, 0], until=date(2025, 9, 15)
    )

    assert months == {paying.resident_id: 2, ended.resident_id: 1}


def test_the_officials_dashboard_shows_the_insurance_section(client, official_user):
    make_enrolment(start_date=date(2020, 1, 1))
    client.force_login(official_user)

    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Social insurance" in text and "Insured residents" in text

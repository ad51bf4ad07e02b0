"""`manage.py contributions_run 2026-10`: run a month's contributions (queue its chunks on Celery)."""

from django.core.management.base import BaseCommand, CommandError

from insurance import selectors, services
from insurance.contributions import parse_period
from kunshan_portal.errors import DomainError


class Command(BaseCommand):
    help = "Compute every active enrolment's contributions for a month (YYYY-MM); safe to repeat."

    def add_arguments(self, parser):
        parser.add_argument("period", help="the month, YYYY-MM")
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="compute the chunks here, one after the other, instead of queueing them for the workers",
        )

    def handle(self, *args, period, in_process, **options):
        try:
            month = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            if in_process:
                run = services.contribution_run_in_process(period=month, actor=None)
            else:
                run = services.contribution_run_start(period=month, actor=None)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        progress = selectors.run_progress(run)
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.period_label} (#{run.pk}, pass {run.passes}): {progress['chunks_done']} of "
                f"{progress['chunks_total']} chunks done, {progress['chunks_failed']} failed, "
                f"{progress['lines_written'] or 0} lines written"
                + ("" if progress["chunks_done"] == progress["chunks_total"] else "; the workers do the rest")
            )
        )

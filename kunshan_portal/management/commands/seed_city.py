"""``manage.py seed_city``: the whole city at real scale, or a proportional part of it (``--scale``).

Each domain app registers its seeder in its AppConfig (``kunshan_portal.registry.register_city_seeder``);
this command runs them in the order of dependence (residents, employment, insurance, housing, education,
legal aid), shows a progress bar, and says what each added and how long it took. The data is the same for
the same seed and scale, and a second run adds only what is missing.
"""

import random
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from kunshan_portal.registry import CITY_SEEDERS, city_seeders


class ProgressBar:
    """``progress(label, done, total)``: one bar redrawn in place on a terminal, a line per tenth otherwise."""

    width = 30

    def __init__(self, out, tty: bool):
        self.out, self.tty = out, tty
        self.started = time.perf_counter()
        self.shown: dict[str, int] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        elapsed = time.perf_counter() - self.started
        filled = round(self.width * share)
        text = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {share:6.1%}  {label}: {done:,} of {total:,}"
            f"  ({elapsed:,.0f} s)"
        )
        if self.tty:
            self.out.write(f"\r{text}\033[K", ending="")
            if done >= total:
                self.out.write("")
            self.out.flush()
            return
        tenth = int(share * 10)
        if self.shown.get(label) != tenth:
            self.shown[label] = tenth
            self.out.write(text)


class Command(BaseCommand):
    requires_system_checks = []  # a data load: the checks of `check` and `migrate` are not its business
    help = "Seed the whole city at real scale (1.35 million residents), or --scale of it, with COPY."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="share of the city's real size (1.0 = whole city)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for a repeatable city")
        parser.add_argument(
            "--only", default="", help="comma-separated apps to seed (their dependencies must exist)"
        )

    def handle(self, *args, scale, seed, only, **options):
        if not 0 < scale <= 1:
            raise CommandError("--scale must be above 0 and at most 1.")
        wanted = {name.strip() for name in only.split(",") if name.strip()}
        unknown = wanted - set(CITY_SEEDERS)
        if unknown:
            raise CommandError(f"No city seeder for: {', '.join(sorted(unknown))}")
        seeders = city_seeders(wanted)
        progress = ProgressBar(self.stdout, tty=sys.stdout.isatty() and self.stdout._out is sys.stdout)
        started = time.perf_counter()
        self.stdout.write(f"Seeding the city at scale {scale:g} (seed {seed}) …")
        # Seeding sends no notice mail: the inboxes are filled, nobody is e-mailed a million times.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for app, seeder in seeders:
                step = time.perf_counter()
                counts = seeder(
                    scale=scale, seed=random.Random(f"{seed}-{app}").randrange(1 << 30), progress=progress
                )
                added = ", ".join(f"{value:,} {name}" for name, value in counts.items())
                self.stdout.write(f"{app}: {added or 'nothing added'} in {time.perf_counter() - step:,.1f} s")
        self.stdout.write(
            self.style.SUCCESS(f"City seeded at scale {scale:g} in {time.perf_counter() - started:,.1f} s.")
        )

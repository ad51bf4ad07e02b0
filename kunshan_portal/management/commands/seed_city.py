"""``manage.py seed_city``: the whole city at real scale, or a proportional part of it (``--scale``).

Each domain app registers its seeder in its AppConfig (``kunshan_portal.registry.register_city_seeder``);
this command runs them in the order of dependence (residents; then employment and education; then
insurance, housing and legal aid), ``--jobs`` of them side by side in worker processes once their
dependencies are done, shows a progress bar, and says what each added and how long it took. The data is
the same for the same seed and scale whatever the number of jobs, and a second run adds only what is missing.
"""

import os
import random
import sys
import time
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import ExitStack, contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from kunshan_portal.bulkload import forked_workers
from kunshan_portal.registry import CITY_SEEDERS, city_seeder_needs, city_seeders

# The advisory lock a seed holds on its database for as long as it runs ("seedcity" as a number).
SEED_LOCK = int.from_bytes(b"seedcity", "big") >> 1


@contextmanager
def one_seed_at_a_time():
    """Hold the database's seed lock, on a connection of its own (the workers' forks close Django's), or
    refuse at once: two seeds on one database would write the same rows side by side and collide."""
    guard = connection.Database.connect(**connection.get_connection_params())
    try:
        with guard.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SEED_LOCK])
            if not cursor.fetchone()[0]:
                raise CommandError(
                    "Another seed_city is running on this database. Wait until it ends; run again after it, "
                    "a seed adds only what is missing."
                )
        yield
    finally:
        guard.close()  # the lock goes with the connection


# What the worker processes share with this one (inherited when they are forked): the seeders, the
# progress bar, the scale and the seed.
_RUN: dict = {}


def _seed(app: str) -> tuple[dict, float]:
    started = time.perf_counter()
    seeder = _RUN["seeders"][app]
    counts = seeder(scale=_RUN["scale"], seed=_RUN["seeds"][app], progress=_RUN["progress"])
    return counts, time.perf_counter() - started


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
            self.out.flush()


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
        parser.add_argument(
            "--jobs", type=int, default=os.cpu_count() or 1, help="seeders run side by side (default: cores)"
        )

    def handle(self, *args, scale, seed, only, jobs, **options):
        if not 0 < scale <= 1:
            raise CommandError("--scale must be above 0 and at most 1.")
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        wanted = {name.strip() for name in only.split(",") if name.strip()}
        unknown = wanted - set(CITY_SEEDERS)
        if unknown:
            raise CommandError(f"No city seeder for: {', '.join(sorted(unknown))}")
        seeders = city_seeders(wanted)
        progress = ProgressBar(self.stdout, tty=sys.stdout.isatty() and self.stdout._out is sys.stdout)
        started = time.perf_counter()
        self.stdout.write(f"Seeding the city at scale {scale:g} (seed {seed}) …")
        # Seeding sends no notice mail: the inboxes are filled, nobody is e-mailed a million times.
        _RUN.update(
            seeders=dict(seeders),
            scale=scale,
            seeds={app: random.Random(f"{seed}-{app}").randrange(1 << 30) for app, _seeder in seeders},
            progress=progress,
        )
        with (
            one_seed_at_a_time(),
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        ):
            try:
                self._run([app for app, _seeder in seeders], jobs)
            finally:
                _RUN.clear()
        self.stdout.write(
            self.style.SUCCESS(f"City seeded at scale {scale:g} in {time.perf_counter() - started:,.1f} s.")
        )

    def _done(self, app: str, counts: dict, seconds: float) -> None:
        added = ", ".join(f"{value:,} {name}" for name, value in counts.items())
        self.stdout.write(f"{app}: {added or 'nothing added'} in {seconds:,.1f} s")

    def _run(self, pending: list[str], jobs: int) -> None:
        """Each seeder once its dependencies (among those seeded now) are done: alone in this process when
        it is the only one that can run, else side by side in up to ``jobs`` worker processes."""
        chosen, done, running = set(pending), set(), {}
        with ExitStack() as stack:
            pool = None
            while pending or running:
                ready = [
                    a for a in pending if all(n in done or n not in chosen for n in city_seeder_needs(a))
                ]
                if ready and not running and (jobs == 1 or len(ready) == 1):
                    app = ready[0]
                    pending.remove(app)
                    self._done(app, *_seed(app))
                    done.add(app)
                    continue
                for app in ready[: jobs - len(running)]:
                    pool = pool or stack.enter_context(forked_workers(jobs))
                    pending.remove(app)
                    running[pool.submit(_seed, app)] = app
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    app = running.pop(future)
                    self._done(app, *future.result())
                    done.add(app)

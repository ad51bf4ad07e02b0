"""Run service calls at the same moment, each on its own database connection."""

import threading

from django.db import connection
from django.utils import translation

from kunshan_portal.errors import DomainError


def run_at_once(*calls) -> list:
    """Run each call in its own thread (its own connection), all released together.

    Returns what each call returned, or the English message of the domain error it raised, in the
    order they finished.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        with translation.override("en"):
            try:
                barrier.wait()
                outcomes.append(call())
            except DomainError as exc:
                outcomes.append(str(exc))
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes

"""gunicorn's settings for the portal: the production image and docker-compose.yml start gunicorn in the
project's folder, where it reads this file; the load test (benchmarks/load.py) starts it with this file too.

Workers: one sync worker per core this process may run on (``WEB_CONCURRENCY`` overrides). Measured with
``make load`` on a 2-core machine that also runs PostgreSQL, Redis and the load generator, alternating:
2 workers served 343 and 344 requests/s at 4.6–4.7 ms of gunicorn CPU a request; 3 workers 280 and 289
(5.7–5.9 ms); 4 workers 240 to 295 (5.6–6.8 ms). More busy processes than cores take turns on them in the
middle of requests, and each turn finds the processor's caches filled by another process. Where PostgreSQL
runs on another machine and every query waits on the network, more workers keep the cores busy: raise
``WEB_CONCURRENCY`` there and measure.
"""

import os


def cores() -> int:
    """The cores this process may run on (Linux: its CPU set, as a container's --cpuset-cpus sets it),
    elsewhere the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY") or cores())
worker_class = "sync"  # behind the proxy, which holds slow clients' connections
# A request gets 60 s; kunshan_portal/wsgi.py ends the database statements of a request by then.
timeout = 60

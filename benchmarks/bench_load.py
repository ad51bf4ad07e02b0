"""The load test (benchmarks/load.py) as part of ``make bench``: the portal's real mix against gunicorn on
loopback, on the city-scale data; p95 latency and throughput against their targets."""

from benchmarks.load import run

__all__ = ["run"]

"""Benchmarks (``make bench`` → ``python -m bench``): they measure and report, never assert.

Each suite is a module with ``run(args) -> dict`` that prints its figures; the runner
writes the dict to ``bench/out/<suite>.json``.
"""

SUITES = ("booking_throughput", "availability_search", "ingest", "soak", "soak_faults", "growth")

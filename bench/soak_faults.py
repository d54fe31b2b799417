"""Soak with faults: the soak's mixed traffic and a QoS 1 device stream against `make prod-local`, while
PostgreSQL restarts, Mosquitto restarts, an ingest worker is killed (and restarted, as a supervisor
would) and the leading scheduler is killed (the standby takes over; the old leader comes back as standby).

Reports p50/p99 per route; the 5xx, split into the 503s with Retry-After sent while PostgreSQL was
down (expected) and any other (must be 0); overlapping active bookings (must be 0); QoS 1 readings
published versus stored (must be equal); jobs that two schedulers ran while both believed they led
and holds expired twice (must be 0). One in four bookings is a hold, aged past its TTL every few seconds,
so the scheduler has real work to do twice if it ever could. Readings published while Mosquitto 2.0
has forgotten the shared subscription (see README) are not part of the stream: the stream pauses and
probes until a worker stores again, as tests/test_faults.py does; the probes stored are a figure too.

`python -m bench.soak_faults [--quick] [--seconds N] [--threads N] [--json PATH]`, or
`python -m bench --only soak_faults [--quick]`. The full run lasts 120 s, --quick 45 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from bench.soak import ROOT, customers, double_bookings, print_routes, route_figures, start_traffic, transport_errors

SENSOR = "pc-soak-1"
RATE = 20  # QoS 1 readings a second from the device
POSTGRES_DOWN = 4.0  # seconds PostgreSQL stays down: long enough for every route to meet the outage
SUPERVISOR_DELAY = 2.0  # seconds before a killed ingest worker is started again (compose restarts at once)
DRAIN = 120.0  # seconds the workers get, after the load, to store what is still queued
HOLDS = 4  # one booking in HOLDS is a hold (--holds)
HOLDS_EXPIRED_TWICE = """
SELECT count(*) FROM (SELECT booking_id FROM booking_events WHERE action = 'expire'
                      GROUP BY booking_id HAVING count(*) > 1) twice
"""


class Stream:
    """The device publishing ``rate`` readings a second, stamped with the time they are sent, in a thread.
    ``with stream.held():`` stops it between two readings (the probes of a broker restart use the device)."""

    def __init__(self, device, rate: float = RATE):
        self.device, self.rate = device, rate
        self.published = 0
        self.since = datetime.now(UTC)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="device-stream")

    def _run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                self.device.publish(self.published % 40, datetime.now(UTC))
                self.published += 1
            self.stop.wait(1 / self.rate)

    @contextlib.contextmanager
    def held(self):
        with self.lock:
            yield

    def __enter__(self) -> Stream:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


class Faults:
    """The four faults, each recorded with when it began and ended (time.time()) and what it found."""

    def __init__(self, prod, stream: Stream):
        self.prod, self.stream = prod, stream
        self.log: list[dict] = []
        self.deaths: dict[str, list[datetime]] = defaultdict(list)  # role -> when killed (local, like the logs)

    @contextlib.contextmanager
    def _fault(self, name: str, **details):
        entry = {"fault": name, "began": time.time(), **details}
        yield entry
        entry["ended"] = time.time()
        entry["seconds"] = round(entry["ended"] - entry["began"], 1)
        self.log.append(entry)

    def restart_postgres(self) -> None:
        with self._fault("postgresql restarted", down_seconds=POSTGRES_DOWN):
            self.prod.postgres.stop()
            time.sleep(POSTGRES_DOWN)  # the outage itself, not a wait for an event
            self.prod.postgres.start()

    def restart_broker(self) -> None:
        from faults import restart_broker_and_wait_for_a_subscriber

        with self._fault("mosquitto restarted") as entry, self.stream.held():
            entry["probes_until_a_worker_stored"] = restart_broker_and_wait_for_a_subscriber(
                self.prod, self.stream.device
            )

    def kill_ingest_worker(self, role: str = "ingest-1") -> None:
        with self._fault(f"{role} killed", restarted_after=SUPERVISOR_DELAY):
            self.prod.kill(role)
            time.sleep(SUPERVISOR_DELAY)  # a supervisor's restart delay
            self.prod.start_role(role)

    def kill_leading_scheduler(self) -> None:
        from faults import eventually, leading_scheduler

        leader = eventually(lambda: leading_scheduler(self.prod), "a scheduler leads")
        with self._fault("leading scheduler killed", leader=leader) as entry:
            self.prod.kill(leader)
            self.deaths[leader].append(datetime.now())
            began = time.monotonic()
            entry["new_leader"] = eventually(
                lambda: (new := leading_scheduler(self.prod)) not in (None, leader) and new, "the standby took over"
            )
            entry["takeover_seconds"] = round(time.monotonic() - began, 1)
            self.prod.start_role(leader)  # back as the standby

    def age_holds(self) -> None:
        """Holds made so far are past their TTL now: the leading scheduler's expire_holds has work."""
        from faults import sql

        with contextlib.suppress(Exception):  # PostgreSQL may be the fault of the moment
            sql(self.prod, "UPDATE bookings SET hold_expires_at = now() - interval '1 minute' WHERE status = 'hold'")


def drained(prod, stream: Stream, timeout: float = DRAIN) -> tuple[int, float]:
    """Wait until every published reading is stored (or ``timeout``); the count stored and the wait."""
    from faults import stored_readings

    began = time.monotonic()
    while (stored := stored_readings(prod, SENSOR, since=stream.since)) < stream.published:
        if time.monotonic() - began > timeout:
            break
        time.sleep(0.5)
    return stored, round(time.monotonic() - began, 1)


def classify(loops, outages: list[tuple[float, float]]) -> tuple[int, list[tuple]]:
    """The 503s with Retry-After of requests in flight during a PostgreSQL outage, and every other 5xx."""
    expected, unexpected = 0, []
    for loop in loops:
        for sent, answered, route, status, retry_after in loop.server_errors:
            during = any(sent <= up and answered >= down for down, up in outages)
            if status == 503 and retry_after and during:
                expected += 1
            else:
                unexpected.append((sent, answered, route, status, retry_after))
    return expected, unexpected


def run(args) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from faults import Device, jobs_run_twice, leadership_terms, sql
    from topology import ProdLocal

    seconds = getattr(args, "seconds", None) or (45 if args.quick else 120)
    threads = getattr(args, "threads", None) or (4 if args.quick else 8)
    holds = HOLDS if getattr(args, "holds", None) is None else args.holds
    env = {"ONEXP_SCHEDULER_LEASE_SECONDS": "3"}  # a standby notices a dead leader within seconds
    with ProdLocal(workers=3, devices=(SENSOR,), env=env) as prod:
        prod.onexp("sensors", "add", SENSOR, "--site", "la-coque", "--space", "showroom")
        tokens = customers(prod)
        device = Device(prod, SENSOR)
        try:
            with Stream(device) as stream:
                injector = Faults(prod, stream)
                plan = [
                    (0.10, injector.restart_postgres),
                    (0.30, injector.restart_broker),
                    (0.50, injector.kill_ingest_worker),
                    (0.70, injector.kill_leading_scheduler),
                ]
                started, t0 = time.monotonic(), time.time()
                loops = start_traffic(prod.web_url, tokens, seconds, threads, holds=holds, verify=str(prod.ca_file))
                for at, inject in plan:
                    while time.monotonic() < started + at * seconds:
                        injector.age_holds()
                        time.sleep(2)
                    inject()
                while any(loop.thread.is_alive() for loop in loops):
                    injector.age_holds()
                    time.sleep(2)
                elapsed = time.monotonic() - started
            stored, drain_seconds = drained(prod, stream)
        finally:
            device.close()
        overlaps, active = double_bookings(prod.database_url)
        terms = leadership_terms(prod, injector.deaths)
        twice = jobs_run_twice(terms)
        holds_expired = sql(prod, "SELECT count(*) FROM booking_events WHERE action = 'expire'")[0][0]
        holds_twice = sql(prod, HOLDS_EXPIRED_TWICE)[0][0]
        alive = sorted(prod.running())

    outages = [(f["began"], f["ended"]) for f in injector.log if f["fault"].startswith("postgresql")]
    expected_503, unexpected = classify(loops, outages)
    routes = route_figures(loops, elapsed)
    result = {
        "seconds": round(elapsed, 1), "threads": threads, "gunicorn_workers": 3, "holds": holds, "routes": routes,
        "faults": [{k: round(v - t0, 1) if k in ("began", "ended") else v for k, v in f.items()} for f in injector.log],
        "server_errors_expected_503": expected_503,
        "server_errors_unexpected": len(unexpected),
        "unexpected_5xx": [
            {"at": round(sent - t0, 1), "route": route, "status": status, "retry_after": retry_after}
            for sent, _answered, route, status, retry_after in unexpected[:20]
        ],
        "transport_errors": transport_errors(loops),
        "double_bookings": overlaps, "confirmed_bookings_left": active,
        "readings_published": stream.published, "readings_stored": stored, "drain_seconds": drain_seconds,
        "scheduler_terms": len(terms), "jobs_run_twice": len(twice), "holds_expired": holds_expired,
        "holds_expired_twice": holds_twice, "roles_alive_at_end": alive,
    }  # fmt: skip
    result["invariants_hold"] = (
        not unexpected and not overlaps and stored == stream.published and not twice and not holds_twice
    )
    report(result)
    return result


def report(result: dict) -> None:
    print(
        f"soak with faults: {result['threads']} threads for {result['seconds']:.0f} s against gunicorn "
        f"(3 workers) on PostgreSQL, loopback; a QoS 1 device at {RATE} readings/s"
    )
    for fault in result["faults"]:
        details = {k: v for k, v in fault.items() if k not in ("fault", "began", "ended")}
        print(f"  at {fault['began']:>5} s: {fault['fault']} {details}")
    print_routes(result["routes"])
    print(
        f"5xx: {result['server_errors_expected_503']} expected (503 + Retry-After while PostgreSQL was down), "
        f"{result['server_errors_unexpected']} other {result['unexpected_5xx'] or ''}"
    )
    print(f"transport errors: {result['transport_errors'] or 0}   double bookings: {result['double_bookings']}")
    print(
        f"QoS 1 readings: {result['readings_published']} published, {result['readings_stored']} stored "
        f"({result['drain_seconds']} s to drain after the load)"
    )
    print(
        f"scheduler: {result['scheduler_terms']} terms, jobs run twice: {result['jobs_run_twice']}, "
        f"holds expired: {result['holds_expired']} (twice: {result['holds_expired_twice']})"
    )
    print(f"invariants hold: {result['invariants_hold']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak_faults", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="45 seconds instead of 120, 4 threads")
    parser.add_argument("--seconds", type=int, help="how long the load lasts")
    parser.add_argument("--threads", type=int, help="client threads (default 8, quick 4)")
    parser.add_argument("--holds", type=int, help=f"one booking in N is a hold (default {HOLDS}; 0: none)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = run(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0 if result["invariants_hold"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Soak: mixed traffic against the production topology (`make prod-local`) for a bounded time.

Availability searches, bookings on a few contended spaces (201 or 409), cancellations of one's
own bookings and occupancy reads, from several threads on loopback, against gunicorn with several
workers on PostgreSQL. Reports requests and p50/p99 latency per route, every 5xx, and the number of
overlapping active bookings found in the database afterwards (the double bookings: must be 0).
Figures only; the tests assert behaviour.

`python -m bench.soak [--quick] [--seconds N] [--threads N]`, or through `python -m bench`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

ROOT = Path(__file__).resolve().parent.parent
PARIS = ZoneInfo("Europe/Paris")
SPACES = ("salle-calanques", "salle-frioul")  # La Coque, no approval needed: bookings confirm at once
CUSTOMERS = 4
OVERLAPS = """
SELECT count(*) FROM bookings a JOIN bookings b ON a.space_id = b.space_id AND a.id < b.id
WHERE a.status IN ('hold', 'pending', 'confirmed') AND b.status IN ('hold', 'pending', 'confirmed')
  AND a.block_start < b.block_end AND b.block_start < a.block_end
"""


def _days(count: int) -> list[date]:
    """The next ``count`` weekdays from next week: inside every space's horizon."""
    day, days = date.today() + timedelta(days=7), []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).isoformat()


class Traffic:
    """One client thread's loop: pick an action by weight, time it, record status and latency."""

    def __init__(
        self, url: str, tokens: list[str], days: list[date], until: float, seed: int, holds: int = 0,
        verify: str | bool = True,
    ):  # fmt: skip
        self.url, self.tokens, self.days, self.until = url, tokens, days, until
        self.random = random.Random(seed)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.mine: dict[str, list[int]] = defaultdict(list)  # token -> booking ids it made
        # (sent, answered: time.time(), route, status, Retry-After given?): each 5xx, to set against the faults
        self.server_errors: list[tuple[float, float, str, int, bool]] = []
        self.holds = holds  # book one in ``holds`` as a hold (0: never), for the scheduler to expire
        self.session = requests.Session()
        self.session.trust_env = False  # else REQUESTS_CA_BUNDLE, when set, would win over `verify`
        self.session.verify = verify  # prod-local's proxy has a self-signed certificate

    def call(self, route: str, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        sent, started = time.time(), time.perf_counter()
        response = self.session.request(method, self.url + path, headers=headers, timeout=30, **kwargs)
        self.latencies[route].append(time.perf_counter() - started)
        self.statuses[route][response.status_code] += 1
        if response.status_code >= 500:
            retry_after = "Retry-After" in response.headers
            self.server_errors.append((sent, time.time(), route, response.status_code, retry_after))
        return response

    def search(self) -> None:
        day, hour = self.random.choice(self.days), self.random.randint(8, 17)
        params = {"start": _at(day, hour), "end": _at(day, hour + 1), "attendees": self.random.randint(1, 12)}
        self.call("GET /api/v1/availability", "GET", "/api/v1/availability", params=params)

    def book(self) -> None:
        token, day, hour = self.random.choice(self.tokens), self.random.choice(self.days), self.random.randint(8, 17)
        body = {
            "site": "la-coque", "space": self.random.choice(SPACES), "title": "Soak", "attendees": 4,
            "start": _at(day, hour), "end": _at(day, hour + 1),
        }  # fmt: skip
        if self.holds and self.random.randrange(self.holds) == 0:
            body["hold"] = True
        response = self.call("POST /api/v1/bookings", "POST", "/api/v1/bookings", token, json=body)
        if response.status_code == 201:
            self.mine[token].append(response.json()["id"])

    def cancel(self) -> None:
        owners = [token for token, ids in self.mine.items() if ids]
        if not owners:
            return self.book()
        token = self.random.choice(owners)
        booking_id = self.mine[token].pop(self.random.randrange(len(self.mine[token])))
        self.call("POST /api/v1/bookings/{id}/cancel", "POST", f"/api/v1/bookings/{booking_id}/cancel", token)

    def occupancy(self) -> None:
        self.call("GET /api/v1/sites/{site}/occupancy", "GET", "/api/v1/sites/la-coque/occupancy",
                  self.random.choice(self.tokens))  # fmt: skip

    def run(self) -> None:
        actions = [self.search] * 5 + [self.book] * 3 + [self.cancel] + [self.occupancy] * 2
        while time.monotonic() < self.until:
            try:
                self.random.choice(actions)()
            except requests.RequestException as error:  # a refused connection is a figure too
                self.statuses["(transport)"][type(error).__name__] += 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def customers(prod, count: int = CUSTOMERS) -> list[str]:
    """``count`` customer accounts of one company; their bearer tokens."""
    tokens = []
    for i in range(count):
        email = f"soak{i}@acme.example"
        prod.onexp("users", "add", email, "--org", "acme", "--role", "customer", "--password", "")
        tokens.append(prod.onexp("tokens", "create", email).strip().splitlines()[-1])
    return tokens


def start_traffic(
    url: str, tokens: list[str], seconds: float, threads: int, holds: int = 0, verify: str | bool = True
) -> list[Traffic]:
    """``threads`` client loops running until ``seconds`` from now; join ``loop.thread`` to wait for them."""
    days = _days(5)
    until = time.monotonic() + seconds
    loops = [Traffic(url, tokens, days, until, seed, holds, verify) for seed in range(threads)]
    for seed, loop in enumerate(loops):
        loop.thread = threading.Thread(target=loop.run, name=f"soak-{seed}")
        loop.thread.start()
    return loops


def double_bookings(database_url: str) -> tuple[int, int]:
    """Overlapping active bookings of one space (must be 0), and the confirmed bookings left."""
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        overlaps = connection.execute(OVERLAPS).fetchone()[0]
        active = connection.execute("SELECT count(*) FROM bookings WHERE status = 'confirmed'").fetchone()[0]
    return overlaps, active


def route_figures(loops: list[Traffic], elapsed: float) -> dict[str, dict]:
    routes: dict[str, dict] = {}
    for route in sorted({r for loop in loops for r in loop.latencies}):
        latencies = [x for loop in loops for x in loop.latencies[route]]
        statuses = Counter()
        for loop in loops:
            statuses.update(loop.statuses[route])
        routes[route] = {
            "requests": len(latencies),
            "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "statuses": {str(code): count for code, count in sorted(statuses.items())},
        }
    return routes


def transport_errors(loops: list[Traffic]) -> dict[str, int]:
    transport = Counter()
    for loop in loops:
        transport.update(loop.statuses.get("(transport)", {}))
    return dict(transport)


def print_routes(routes: dict[str, dict]) -> None:
    print(f"{'route':<36} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for route, figures in routes.items():
        print(
            f"{route:<36} {figures['requests']:>8} {figures['per_second']:>7} {figures['p50_ms']:>8} "
            f"{figures['p99_ms']:>8}  {figures['statuses']}"
        )


def run(args) -> dict:
    """Start the topology, soak it for ``args.seconds`` (quick: 20 s), report per route."""
    sys.path.insert(0, str(ROOT / "tests"))
    from topology import ProdLocal

    seconds = getattr(args, "seconds", None) or (20 if args.quick else 120)
    threads = getattr(args, "threads", None) or 8
    with ProdLocal(workers=3) as prod:
        tokens = customers(prod)
        started = time.monotonic()
        loops = start_traffic(prod.web_url, tokens, seconds, threads, verify=str(prod.ca_file))
        for loop in loops:
            loop.thread.join()
        elapsed = time.monotonic() - started
        overlaps, active = double_bookings(prod.database_url)

    routes = route_figures(loops, elapsed)
    transport = transport_errors(loops)
    server_errors = sum(n for r in routes.values() for code, n in r["statuses"].items() if code.startswith("5"))
    result = {
        "seconds": round(elapsed, 1), "threads": threads, "gunicorn_workers": 3, "routes": routes,
        "server_errors": server_errors, "transport_errors": transport,
        "double_bookings": overlaps, "confirmed_bookings_left": active,
    }  # fmt: skip
    print(f"soak: {threads} threads for {elapsed:.0f} s against gunicorn (3 workers) on PostgreSQL, loopback")
    print_routes(routes)
    print(f"5xx: {server_errors}   transport errors: {transport or 0}   double bookings: {overlaps}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 seconds instead of 120")
    parser.add_argument("--seconds", type=int, help="how long to soak")
    parser.add_argument("--threads", type=int, help="client threads (default 8)")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

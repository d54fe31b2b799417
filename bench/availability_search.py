"""Availability search over 3 sites × 60 spaces with 200,000 existing bookings, on PostgreSQL.

The bench writes its own venue file and bookings (bulk inserts through SQLAlchemy core,
never overlapping within a space, like the exclusion constraint demands), then times
``GET /api/v1/availability`` for random windows through Flask's test client: in process,
no HTTP, so the figures are the app's and the database's own time. The baseline is
``GET /api/v1/sites`` through the same client in the same run.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

from bench import venues
from bench.database import prepared_app, scratch_dir, throwaway_postgres
from bench.report import Progress, percentiles, table

TARGET_P95_MS = 25.0
PARIS = ZoneInfo("Europe/Paris")
# two-hour bookings, 30 minutes apart: buffers of up to 15 minutes on each side never collide
SLOTS = ((8, 0), (10, 30), (13, 0), (15, 30), (18, 0))
STATUSES = ("confirmed",) * 16 + ("pending", "cancelled", "hold", "expired")
OUT = Path(__file__).resolve().parent / "out"


def generate_bookings(app, total: int, *, seed: int = 7, batch: int = 5_000) -> tuple[int, int]:
    """Insert ``total`` bookings, ~70% of the slots of every space, a fifth of them in the past.

    Returns how many were inserted and how many days ahead of today they reach.
    """
    from booking.extensions import db
    from booking.models import Booking, Organisation, Space

    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = now.astimezone(PARIS).date()
    with app.app_context():
        companies = [{"slug": f"company-{i}", "name": f"Company {i}", "created_at": now} for i in range(40)]
        db.session.execute(insert(Organisation), companies)
        organisations = db.session.scalars(select(Organisation.id)).all()
        spaces = db.session.execute(
            select(Space.id, Space.setup_minutes, Space.teardown_minutes, Space.rate_hour)
        ).all()
        per_space = -(-total // len(spaces))
        # enough days that ~70% of the slots are taken
        days = int(per_space / (len(SLOTS) * 0.7)) + 1
        history = days // 5  # a fifth of them in the past, as in a service that has run a while
        first_day = today - timedelta(days=history)

        def rows():
            made = 0
            for space_id, setup, teardown, rate in spaces:
                slots = [(d, s) for d in range(days) for s in range(len(SLOTS))]
                for d, s in sorted(rng.sample(slots, min(per_space, len(slots)))):
                    if made == total:
                        return
                    hh, mm = SLOTS[s]
                    start = datetime.combine(first_day + timedelta(days=d), clock(hh, mm), PARIS).astimezone(UTC)
                    end = start + timedelta(hours=2)
                    status = rng.choice(STATUSES)
                    made += 1
                    yield {
                        "space_id": space_id, "organisation_id": rng.choice(organisations), "created_by_id": None,
                        "group_id": None, "title": "Bench", "attendees": rng.randint(1, 4), "layout": None,
                        "start_at": start, "end_at": end,
                        "block_start": start - timedelta(minutes=setup), "block_end": end + timedelta(minutes=teardown),
                        "status": status, "price_excl_vat": rate * 2 if rate else Decimal("0"), "checked_in_at": None,
                        "hold_expires_at": now + timedelta(minutes=rng.choice((-30, 30))) if status == "hold" else None,
                        "notes": "", "created_at": now, "updated_at": now, "version": 1,
                    }  # fmt: skip

        inserted = 0
        with Progress("bookings", total) as bar:
            chunk = []
            for row in rows():
                chunk.append(row)
                if len(chunk) == batch:
                    db.session.execute(insert(Booking), chunk)
                    db.session.commit()
                    inserted += len(chunk)
                    bar.advance(len(chunk))
                    chunk = []
            if chunk:
                db.session.execute(insert(Booking), chunk)
                db.session.commit()
                inserted += len(chunk)
                bar.advance(len(chunk))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return inserted, days - history


def random_search(rng: random.Random, horizon: int) -> dict:
    """A plausible search: a random window in the booked days ahead, sometimes with filters."""
    day = datetime.now(PARIS).date() + timedelta(days=rng.randint(2, max(2, horizon - 1)))
    start = datetime.combine(day, clock(rng.choice((8, 9, 10, 13, 14, 16))), PARIS)
    args = {"start": start.isoformat(), "end": (start + timedelta(hours=rng.choice((1, 2, 3, 4)))).isoformat()}
    if rng.random() < 0.3:
        args["site"] = rng.choice(venues.SITES)
    if rng.random() < 0.3:
        args["attendees"] = rng.choice((5, 10, 20))
    if rng.random() < 0.2:
        args["equipment"] = rng.choice(venues.EQUIPMENT)
    return args


def time_requests(client, path: str, queries: list[dict | None]) -> tuple[list[float], int]:
    """Latencies in ms of GET path?query for each query; and the number of non-200 answers."""
    latencies, failures = [], 0
    for query in queries:
        began = time.perf_counter()
        response = client.get(path, query_string=query)
        latencies.append((time.perf_counter() - began) * 1000)
        failures += response.status_code != 200
    return latencies, failures


def run(args) -> dict:
    total = 20_000 if args.quick else 200_000
    samples = 150 if args.quick else 1_000
    rng = random.Random(11)
    with scratch_dir() as tmp, throwaway_postgres("onexp_bench_availability") as url:
        sites_file = venues.write_sites_file(tmp / "sites.toml")
        app = prepared_app(url, sites_file)
        began = time.monotonic()
        inserted, horizon = generate_bookings(app, total)
        load_seconds = time.monotonic() - began
        client = app.test_client()
        searches = [random_search(rng, horizon) for _ in range(samples)]
        with app.app_context():
            time_requests(client, "/api/v1/availability", [random_search(rng, horizon) for _ in range(30)])  # warm-up
            time_requests(client, "/api/v1/sites", [None] * 30)
            search_ms, search_failures = time_requests(client, "/api/v1/availability", searches)
            sites_ms, _ = time_requests(client, "/api/v1/sites", [None] * samples)
            offers = [len(client.get("/api/v1/availability", query_string=q).json) for q in searches[:50]]
            if args.profile:
                profile(client, searches[:100])

    search, sites = percentiles(search_ms), percentiles(sites_ms)
    result = {
        "method": "Flask test client, in process (no HTTP)",
        "sites": len(venues.SITES),
        "spaces": len(venues.SITES) * venues.SPACES_PER_SITE,
        "bookings": inserted,
        "days_ahead_booked": horizon,
        "load_seconds": round(load_seconds, 1),
        "samples": samples,
        "availability_ms": search,
        "sites_ms": sites,
        "p95_ratio_to_sites": round(search["p95"] / sites["p95"], 2) if sites["p95"] else None,
        "mean_offers": round(sum(offers) / len(offers), 1),
        "non_200": search_failures,
        "target_p95_ms": TARGET_P95_MS,
    }
    print(f"{inserted:,} bookings over {result['spaces']} spaces loaded in {load_seconds:.1f} s; {samples} searches")
    print(f"measured through {result['method']}; on average {result['mean_offers']} offers per answer")
    table(
        [
            ("GET /api/v1/availability", *(f"{search[k]:.1f}" for k in ("p50", "p95", "p99", "mean"))),
            ("GET /api/v1/sites (baseline)", *(f"{sites[k]:.1f}" for k in ("p50", "p95", "p99", "mean"))),
        ],
        ("request", "p50 ms", "p95 ms", "p99 ms", "mean ms"),
    )
    verdict = "meets" if search["p95"] <= TARGET_P95_MS else "MISSES"
    print(
        f"availability p95 = {search['p95']:.1f} ms ({verdict} the target ≤ {TARGET_P95_MS:.0f} ms); "
        f"{result['p95_ratio_to_sites']}× the baseline's p95; {search_failures} non-200"
    )
    return result


def profile(client, searches: list[dict]) -> None:
    """Where an availability search spends its time (pyinstrument), written next to the results."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    with profiler:
        time_requests(client, "/api/v1/availability", searches)
    OUT.mkdir(exist_ok=True)
    (OUT / "availability_profile.html").write_text(profiler.output_html())
    print(profiler.output_text(unicode=False, color=False)[:6000])

"""Booking creation through gunicorn on PostgreSQL, against bare Flask endpoints on the same config.

The figure that counts (issue 13) is POST /api/v1/bookings against "bare + a booking's write": a
bare endpoint that writes the same three rows (booking, audit row, outbox event) in one
transaction with plain SQL of its own. The other baselines are printed for reference.

Both servers run config/gunicorn.conf.py with the same ONEXP_WEB_* settings and are loaded
by the same client (bench/load.py) in the same run; each booking asks for a distinct free
slot, so every answer should be a 201. Afterwards the database is checked for overlaps.
"""

from __future__ import annotations

import itertools
import os
import runpy
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bench import cpu, venues
from bench.bare import ECHO_TABLE
from bench.database import prepared_app, scratch_dir, throwaway_postgres
from bench.load import LoadResult, hammer
from bench.report import percentiles, table
from bench.server import CONFIG, gunicorn

LOGS = Path(__file__).resolve().parent / "out"

TARGET_RATIO = 0.40  # POST /api/v1/bookings against "bare + a booking's write", a floor
# not measured: every worker boots (imports, create_app) and opens its database connections
WARM_UP = 5
PARIS = ZoneInfo("Europe/Paris")
SLOTS_PER_DAY = 10  # one-hour bookings every 90 minutes from 08:00: buffers (≤ 15 min each side) never touch
BARE_BOOK_FIRST_SLOT = 5_000_000  # about 7 years ahead: never a slot the app's own run asks for
OVERLAPS = text(
    "SELECT count(*) FROM bookings a JOIN bookings b ON a.space_id = b.space_id AND a.id < b.id"
    " AND a.block_start < b.block_end AND b.block_start < a.block_end"
    " WHERE a.status IN ('hold', 'pending', 'confirmed') AND b.status IN ('hold', 'pending', 'confirmed')"
)


def slot_maker(tokens: list[str]):
    """i -> a POST /api/v1/bookings for the i-th free slot (space-major, so neighbours rarely share a row)."""
    spaces = [(site, venues.space_slug(n)) for site in venues.SITES for n in range(1, venues.SPACES_PER_SITE + 1)]
    first_day = datetime.now(PARIS).date() + timedelta(days=2)

    def make(i: int):
        site, space = spaces[i % len(spaces)]
        k = i // len(spaces)
        day = first_day + timedelta(days=k // SLOTS_PER_DAY)
        start = datetime.combine(day, time(8), PARIS) + timedelta(minutes=90 * (k % SLOTS_PER_DAY))
        body = {
            "site": site, "space": space, "title": f"Bench {i}", "attendees": 2,
            "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
        }  # fmt: skip
        return "POST", "/api/v1/bookings", body, {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}

    return make


def bare_booking_maker(tokens: list[str]):
    """i -> a POST /bare/book: the booking's own write, with no app around it, in slots years ahead."""
    make = slot_maker(tokens)

    def bare(i: int):
        _method, _path, body, _headers = make(BARE_BOOK_FIRST_SLOT + i)
        return "POST", "/bare/book", {**body, "title": f"Bare {i}"}, {}

    return bare


def bare_maker(i: int):
    return "POST", "/bare", {"title": f"Bench {i}"}, {}


def insert_maker(i: int):
    return "POST", "/bare/insert", {"title": f"Bench {i}"}, {}


def _combined(runs: list[LoadResult]) -> LoadResult:
    total = LoadResult(seconds=sum(r.seconds for r in runs))
    for r in runs:
        total.server_cpu_s += r.server_cpu_s
        total.client_cpu_s += r.client_cpu_s
        total.latencies_ms += r.latencies_ms
        total.statuses.update(r.statuses)
        total.errors.update(r.errors)
    return total


def _make_tokens(app, n: int) -> list[str]:
    from booking.extensions import db
    from booking.services import accounts

    with app.app_context():
        accounts.ensure_organisation("bench-co")
        tokens = []
        for i in range(n):
            user = accounts.create_user(f"bench{i}@bench-co.example", organisation="bench-co")
            tokens.append(accounts.create_token(user, name="bench")[0])
        db.session.remove()
    return tokens


def _figures(result: LoadResult) -> dict:
    return {
        "requests": result.requests,
        "per_second": round(result.per_second, 1),
        "server_cpu_ms_per_request": round(result.server_cpu_s * 1000 / max(result.requests, 1), 3),
        "client_cpu_ms_per_request": round(result.client_cpu_s * 1000 / max(result.requests, 1), 3),
        **{f"{k}_ms": v for k, v in percentiles(result.latencies_ms).items()},
        "statuses": dict(result.statuses),
        "errors": dict(result.errors),
    }


def run(args) -> dict:
    seconds = 4 if args.quick else 15
    clients = int(os.environ.get("ONEXP_BENCH_CLIENTS", "8"))
    with scratch_dir() as tmp, throwaway_postgres("onexp_bench_booking") as url:
        sites_file = venues.write_sites_file(tmp / "sites.toml")
        app = prepared_app(url, sites_file)
        tokens = _make_tokens(app, clients)
        env = {"ONEXP_DATABASE_URL": url, "ONEXP_SITES_FILE": str(sites_file), "ONEXP_LOG_LEVEL": "WARNING"}
        make_booking, counter, bare_counter = slot_maker(tokens), itertools.count(), itertools.count()
        from booking.extensions import db

        with app.app_context():
            postgres = cpu.postmaster_pid(db.engine)

        with app.app_context():
            db.session.execute(text(ECHO_TABLE))
            db.session.commit()

        bare_book_maker = bare_booking_maker(tokens)

        def bare_run() -> tuple[LoadResult, LoadResult, LoadResult]:
            """The bare endpoint, then the same with one INSERT (a floor for any endpoint that writes),
            then writing a booking's rows (the floor under booking)."""
            with gunicorn("bench.bare:create_app()", env=env, probe="/bare", log=LOGS / "gunicorn-bare.log") as served:
                hammer(served.port, bare_maker, threads=clients, seconds=WARM_UP)
                echo = hammer(served.port, bare_maker, threads=clients, seconds=seconds, watch=(served.pid,))
                hammer(served.port, insert_maker, threads=clients, seconds=WARM_UP)
                inserts = hammer(
                    served.port, insert_maker, threads=clients, seconds=seconds, watch=(served.pid, postgres)
                )
                hammer(served.port, bare_book_maker, threads=clients, seconds=WARM_UP, counter=bare_counter)
                writes = hammer(
                    served.port, bare_book_maker, threads=clients, seconds=seconds, counter=bare_counter,
                    watch=(served.pid, postgres),
                )  # fmt: skip
            return echo, inserts, writes

        bare_runs = [bare_run()]
        with gunicorn("booking:create_app()", env=env, probe="/healthz", log=LOGS / "gunicorn-booking.log") as served:
            warm = hammer(served.port, make_booking, threads=clients, seconds=WARM_UP, counter=counter)
            booked = hammer(
                served.port, make_booking, threads=clients, seconds=seconds, counter=counter,
                watch=(served.pid, postgres),
            )  # fmt: skip
        if not args.quick:
            bare_runs.append(bare_run())  # before and after: the machine's other load drifts
        bare = _combined([echo for echo, _, _ in bare_runs])
        floor = _combined([inserts for _, inserts, _ in bare_runs])
        writes = _combined([booked for _, _, booked in bare_runs])

        from booking.models import ACTIVE_STATUSES, Booking

        with app.app_context():
            active = select(func.count(Booking.id)).where(Booking.status.in_(ACTIVE_STATUSES))
            stored = db.session.scalar(active.where(Booking.title.like("Bench %")))  # not the bare writes
            overlaps = db.session.scalar(OVERLAPS)
            db.session.remove()
            db.engine.dispose()

    created = warm.statuses[201] + booked.statuses[201]
    non_201 = sum(n for s, n in (warm.statuses + booked.statuses).items() if s != 201)
    ratio = booked.per_second / writes.per_second if writes.per_second else 0.0
    bare_ratio = booked.per_second / bare.per_second if bare.per_second else 0.0
    # what the throughput ratio tends to when nothing else runs: the cores are the bound
    cpu_ratio = bare.cpu_ms_per_request / booked.cpu_ms_per_request if booked.cpu_ms_per_request else 0.0
    served = runpy.run_path(str(CONFIG))  # what gunicorn ran with, read from the same file
    workers, threads = served["workers"], served["threads"]
    result = {
        "gunicorn": {"workers": workers, "threads": threads},
        "clients": clients,
        "seconds_per_run": seconds,
        "bare": _figures(bare),
        "bare_insert": _figures(floor),
        "bare_booking_write": _figures(writes),
        "booking": _figures(booked),
        "ratio": round(ratio, 3),  # booking / bare + a booking's write
        "bare_ratio": round(bare_ratio, 3),  # booking / bare (the retired target's ratio)
        "bare_insert_ratio": round(floor.per_second / bare.per_second, 3) if bare.per_second else 0.0,
        "bare_booking_write_ratio": round(writes.per_second / bare.per_second, 3) if bare.per_second else 0.0,
        "cpu_ratio": round(cpu_ratio, 3),
        "target_ratio": TARGET_RATIO,
        "non_201": non_201,
        "client_errors": sum((warm.errors + booked.errors).values()),
        "bookings_created": created,
        "active_bookings_in_db": stored,
        "double_bookings": overlaps,
    }
    print(f"gunicorn {workers} workers × {threads} threads; {clients} keep-alive clients; {seconds} s per run")
    table(
        [
            ("bare Flask JSON", f"{bare.per_second:,.0f}", *_ms(bare), *_cpu(bare), "-"),
            ("bare + one INSERT", f"{floor.per_second:,.0f}", *_ms(floor), *_cpu(floor), "-"),
            ("bare + a booking's write", f"{writes.per_second:,.0f}", *_ms(writes), *_cpu(writes), "-"),
            ("POST /api/v1/bookings", f"{booked.per_second:,.0f}", *_ms(booked), *_cpu(booked), str(non_201)),
        ],
        ("endpoint", "req/s", "p50 ms", "p99 ms", "server CPU ms/req", "client CPU ms/req", "non-201"),
    )
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"ratio booking / bare + a booking's write = {ratio:.2f} ({verdict} the floor ≥ {TARGET_RATIO})")
    print(f"for reference, booking / bare = {bare_ratio:.2f}")
    floor_ratio = floor.per_second / max(bare.per_second, 1)
    print(f"for reference, bare + one INSERT / bare = {floor_ratio:.2f}: the floor under any endpoint that writes")
    write_ratio = writes.per_second / max(bare.per_second, 1)
    print(
        f"bare + a booking's write / bare = {write_ratio:.2f}: the floor under booking"
        " (its three rows alone: no validation, caller, rules, audit payload or answer to build)"
    )
    print(f"CPU per request (server + client), bare/booking = {cpu_ratio:.2f}: the ratio on an otherwise idle machine")
    print(f"bookings: {created} answered 201, {stored} active in the database, {overlaps} overlapping pairs")
    return result


def _cpu(result: LoadResult) -> tuple[str, str]:
    per_request = [seconds * 1000 / max(result.requests, 1) for seconds in (result.server_cpu_s, result.client_cpu_s)]
    return f"{per_request[0]:.2f}", f"{per_request[1]:.2f}"


def _ms(result: LoadResult) -> tuple[str, str]:
    figures = percentiles(result.latencies_ms)
    return f"{figures['p50']:.1f}", f"{figures['p99']:.1f}"

"""The growth curve: the same measurements after 1 month, 1 year and 3 years of history, on PostgreSQL.

One database grows through the three ages. History is generated quickly (COPY and INSERT ...
SELECT: the bench is not the app's write path) at the issue's rates: bookings filling most of
3 sites × 60 spaces' slots every day (about 2,000,000 at 3 years) with their audit trail, sensors
reporting every 30 s. The last month's readings are real raw rows in their days' partitions,
rolled up, compacted and pruned by the jobs' own use cases (booking.services.retention); older
history is what those jobs leave behind, a compact row per space and day, written as copies of
the rolled-up weeks shifted back in time (the raw rows themselves would be billions of rows to
generate and then delete). At each age: availability search p95, booking creation,
the staff week calendar of a site, a month of utilization for a site, ingest throughput, and
the database's size. The figure to read is each at 3 years divided by the same at 1 month.
"""

from __future__ import annotations

import os
import random
import re
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

from bench import cpu, venues
from bench.availability_search import random_search, time_requests
from bench.database import prepared_app, scratch_dir, throwaway_postgres
from bench.report import Progress, percentiles, table

PARIS = ZoneInfo("Europe/Paris")
AGES = (("1 month", 30), ("1 year", 365), ("3 years", 3 * 365))
AHEAD_DAYS = 60  # bookings already taken ahead, at every age
# one-hour bookings every 90 minutes from 07:00: buffers of up to 15 minutes each side never collide
SLOTS = [(7 * 60 + 90 * i) for i in range(10)]
PASSWORD = "bench-password-1"
TEMPLATE_DAYS = 28  # rolled-up weeks copied back in time: weekdays stay weekdays


def scale(quick: bool) -> dict:
    if quick:
        return {"fill": 0.08, "sensors": 20, "interval": 120, "samples": 60, "bookings": 30, "utilization": 1,
                "ingest_batches": 10}  # fmt: skip
    # 95% of 1,800 slots a day: ~1,710 bookings a day, ~2,000,000 at 3 years with the days ahead
    return {"fill": 0.95, "sensors": 150, "interval": 30, "samples": 400, "bookings": 100, "utilization": 1,
            "ingest_batches": 30}  # fmt: skip


# --- generating history -------------------------------------------------------------------


def copy_bookings(app, first: date, last: date, fill: float, rng: random.Random) -> int:
    """Bookings on the days [first, last] (Paris), a ``fill`` share of every space's slots."""
    from booking.extensions import db
    from booking.models import Organisation, Space, User

    columns = ("space_id", "organisation_id", "title", "attendees", "start_at", "end_at", "block_start",
               "block_end", "status", "price_excl_vat", "notes", "created_at", "updated_at", "version")  # fmt: skip
    now = datetime.now(UTC)
    with app.app_context():
        spaces = db.session.execute(
            select(Space.id, Space.setup_minutes, Space.teardown_minutes, Space.rate_hour)
        ).all()
        orgs = db.session.scalars(select(Organisation.id)).all()
        booker = db.session.scalar(select(User.id).where(User.role == "customer").order_by(User.id))
        days = (last - first).days + 1
        raw = db.engine.raw_connection()
        made = 0
        try:
            with raw.cursor() as cursor:
                cursor.execute("SELECT coalesce(max(id), 0) FROM bookings")
                before = cursor.fetchone()[0]
            statement = f"COPY bookings ({', '.join(columns)}) FROM STDIN"
            with (
                raw.cursor() as cursor,
                Progress(f"bookings {first}..{last}", days) as bar,
                cursor.copy(statement) as copy,
            ):
                for d in range(days):
                    day = first + timedelta(days=d)
                    midnight = datetime.combine(day, clock(0), PARIS)
                    for space_id, setup, teardown, rate in spaces:
                        for minute in SLOTS:
                            if rng.random() >= fill:
                                continue
                            start = (midnight + timedelta(minutes=minute)).astimezone(UTC)
                            end = start + timedelta(hours=1)
                            status = "confirmed" if rng.random() < 0.9 else rng.choice(("cancelled", "released"))
                            copy.write_row((
                                    space_id, rng.choice(orgs), "Bench", 2, start, end,
                                    start - timedelta(minutes=setup), end + timedelta(minutes=teardown), status,
                                    rate or Decimal("0"), "", now, now, 1,
                                ))  # fmt: skip
                            made += 1
                    bar.advance(1)
            with raw.cursor() as cursor:
                cursor.execute(AUDIT_TRAIL, {"after": before, "booker": booker})
            raw.commit()
        finally:
            raw.close()
        db.session.remove()
    return made


# Each booking's audit trail as the app writes it (bookings.record_change): its creation by the
# booker, then its cancellation by the booker or its release by the system. Never pruned, it grows
# with the bookings: the bench writes it, or the database's size at 3 years leaves it out.
AUDIT_TRAIL = (
    "INSERT INTO booking_events (booking_id, at, actor_id, action, from_status, to_status, detail) "
    "SELECT id, created_at, %(booker)s, 'create', NULL, 'confirmed', "
    "json_build_object('start', start_at, 'end', end_at) FROM bookings WHERE id > %(after)s "
    "UNION ALL SELECT id, created_at, %(booker)s, 'cancel', 'confirmed', status, '{}'::json "
    "FROM bookings WHERE id > %(after)s AND status = 'cancelled' "
    "UNION ALL SELECT id, created_at, NULL, 'release', 'confirmed', status, "
    "json_build_object('reason', 'nobody came', 'sensor_health', 'ok', 'grace_minutes', 15) "
    "FROM bookings WHERE id > %(after)s AND status = 'released'"
)


# A day of every sensor's readings, written by the server itself (generate_series): the same rows a
# COPY from Python wrote, at a fraction of the time for 400,000 readings a day.
DAY_OF_READINGS = text(
    "INSERT INTO occupancy_readings (sensor_id, space_id, observed_at, count) "
    "SELECT s.id, s.space_id, t, CASE WHEN extract(hour FROM t AT TIME ZONE 'Europe/Paris') IN "
    "(9, 10, 11, 14, 15, 16, 17) THEN (s.id * 7 + :d) % 6 ELSE 0 END "
    "FROM sensors s CROSS JOIN generate_series(CAST(:start AS timestamptz), "
    "CAST(:start AS timestamptz) + interval '1 day' - make_interval(secs => :step), make_interval(secs => :step)) t"
)


def copy_readings(app, first: datetime, days: int, interval: int) -> int:
    """Raw readings of every sensor every ``interval`` s over ``days`` days from ``first``.

    People come 09:00-12:00 and 14:00-18:00 (Paris), a different number per sensor and day.
    """
    from booking.extensions import db

    made = 0
    with app.app_context(), Progress("raw readings (days)", days) as bar:
        for d in range(days):
            start = first + timedelta(days=d)
            made += db.session.execute(DAY_OF_READINGS, {"start": start, "d": d, "step": interval}).rowcount
            db.session.commit()
            bar.advance(1)
        db.session.remove()
    return made


def make_partitions(app, first: datetime, now: datetime) -> list[str]:
    """The raw readings' daily partitions from ``first`` to a week ahead of ``now``, made before the
    history is written: in production the upkeep job made each day's a week ahead, so the bench's
    past days must have theirs too, or they land in the default partition and pruning deletes them
    row by row (leaving its bloat behind) where it drops whole tables."""
    from booking.extensions import db
    from booking.services import retention
    from booking.services.unit_of_work import unit_of_work
    from booking.store import partitions

    with app.app_context():
        with unit_of_work():
            made = partitions.create_days(first, now)
        made += retention.keep_partitions(now)["created"]
        db.session.remove()
    return made


def copy_rollups_back(app, template_end: datetime, first: datetime, until: datetime, *, now: datetime,
                      template_days: int = TEMPLATE_DAYS) -> int:  # fmt: skip
    """The rolled-up history of the UTC days [first, until), in the tier the jobs leave it: the
    ``template_days`` rolled up before ``template_end``, shifted back a whole template at a time.

    Days older than ONEXP_ROLLUPS_COMPACT_AFTER_DAYS are written as the compaction job writes them,
    a row per space and day (booking.rollups.pack, its own rule), the rest a row per bucket; the
    rows are what roll_up and compact store for the same readings shifted back (the test
    tests/booking/test_growth_bench.py holds the bench to that). Returns the rows written.
    """
    from booking import rollups
    from booking.extensions import db
    from booking.models import OccupancyRollup, OccupancyRollupDay, Space
    from booking.services import history

    span = timedelta(days=template_days)
    template_start = template_end - span
    made = 0
    with app.app_context():
        compact_before = rollups.day_of(now) - timedelta(days=app.config["ROLLUPS_COMPACT_AFTER_DAYS"])
        space_ids = list(db.session.scalars(select(Space.id).order_by(Space.id)))
        found = history.stored_buckets(space_ids, template_start, template_end)
        by_day: dict[tuple[int, datetime], list] = {}
        for space_id, buckets in found.items():
            for bucket in buckets:
                by_day.setdefault((space_id, rollups.day_of(bucket.start)), []).append(bucket)
        # packed once: a whole-day shift leaves a day's bucket numbers as they are
        packed = {key: rollups.pack(key[0], key[1], buckets) for key, buckets in sorted(by_day.items())}
        shifts = []
        shift = span
        while template_end - shift > first:
            if template_start - shift < until:
                shifts.append(shift)
            shift += span
        fine_table, days_table = OccupancyRollup.__table__, OccupancyRollupDay.__table__
        with Progress("rollups (template copies)", len(shifts)) as bar:
            for shift in shifts:
                fine, compact = [], []
                for (_space_id, day), row in packed.items():
                    at = day - shift
                    if not first <= at < until:
                        continue
                    if at < compact_before:
                        compact.append({"space_id": row.space_id, "starts_at": at, "numbers": row.numbers,
                                        "occupied_seconds": row.occupied_seconds, "peak_counts": row.peak_counts,
                                        "mean_counts": row.mean_counts, "present": row.present})  # fmt: skip
                        continue
                    fine += [{"space_id": b.space_id, "starts_at": b.start - shift,
                              "occupied_seconds": b.occupied_seconds, "peak_count": b.peak_count,
                              "mean_count": b.mean_count, "present": b.present}
                             for b in rollups.unpack(row)]  # fmt: skip
                for table_, rows in ((days_table, compact), (fine_table, fine)):
                    if rows:
                        db.session.execute(insert(table_), rows)
                db.session.commit()
                made += len(fine) + len(compact)
                bar.advance(1)
        db.session.remove()
    return made


def age_with_the_jobs(app, now: datetime) -> dict:
    """The scheduler's history jobs (booking.jobs) run until each has nothing left: partition upkeep,
    roll-up, compaction, then pruning, through their use cases."""
    from booking.extensions import db
    from booking.services import retention

    with app.app_context():
        created = retention.keep_partitions(now)["created"]
        rolled = compacted = 0
        with Progress("roll-up (days)", 31) as bar:
            while done := retention.roll_up(now, max_days=1)["days"]:
                rolled += done
                bar.advance(done)
        with Progress("compaction (days)", 31) as bar:
            while done := retention.compact(now, max_days=1)["days"]:
                compacted += done
                bar.advance(done)
        pruned = retention.prune(now)
        db.session.remove()
    return {"partitions_created": len(created), "rolled_days": rolled, "compacted_days": compacted, **pruned}


def vacuum(app) -> None:
    from booking.extensions import db

    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


# --- measuring ----------------------------------------------------------------------------


# a partitioned table's size is its partitions' (occupancy_readings_20261201, ..._default)
TABLE_SIZES = text(
    "SELECT coalesce(parent.relname, c.relname) AS name, sum(pg_table_size(c.oid)) AS heap, "
    "sum(pg_indexes_size(c.oid)) AS indexes, sum(c.reltuples) AS rows "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class parent ON parent.oid = i.inhparent "
    "WHERE n.nspname = current_schema() AND c.relkind = 'r' GROUP BY 1"
)
ROLLUP_TABLES = ("occupancy_rollups", "occupancy_rollup_days")


def table_sizes(session) -> dict[str, dict]:
    """Each table's size on disk (heap with its TOAST, and its indexes) and its rows (as ANALYZE
    estimated them), biggest first: where the database's size goes."""
    found = {}
    for row in session.execute(TABLE_SIZES):
        heap, indexes = float(row.heap) / 2**20, float(row.indexes) / 2**20
        found[row.name] = {"total_mb": round(heap + indexes, 1), "heap_mb": round(heap, 1),
                           "indexes_mb": round(indexes, 1), "rows": max(int(row.rows), 0)}  # fmt: skip
    return dict(sorted(found.items(), key=lambda item: -item[1]["total_mb"]))


def print_breakdown(ages: dict) -> None:
    """Per table, its size at each age: what an operator wants to see of the growth."""
    labels = list(ages)
    names = list(ages[labels[-1]]["tables"])
    rows = []
    for name in names:
        cells = [ages[label]["tables"].get(name, {}) for label in labels]
        if not any(c.get("total_mb", 0) >= 0.1 for c in cells):
            continue
        rows.append((name, *(f"{c.get('total_mb', 0)} ({c.get('indexes_mb', 0)} idx, {c.get('rows', 0):,} rows)"
                             for c in cells)))  # fmt: skip
    rows.append(("database", *(str(ages[label]["db_mb"]) for label in labels)))
    table(rows, ("table: MB (of which indexes, rows)", *labels))


class CpuMeter:
    """CPU seconds spent by this process and the PostgreSQL server together over a block: on this
    shared machine, wall-clock figures swing with the others' load, CPU per operation much less."""

    def __init__(self, postmaster: int):
        self.postmaster = postmaster

    def __enter__(self):
        self.began = time.process_time() + cpu.tree_seconds(self.postmaster)
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.process_time() + cpu.tree_seconds(self.postmaster) - self.began


def measure(app, client, settings: dict, *, token: str, stage: int, rng: random.Random) -> dict:
    from booking.extensions import db
    from booking.models import Site, Space
    from booking.services import readings, utilization

    today = datetime.now(PARIS).date()
    figures: dict = {}
    with app.app_context():
        meter = CpuMeter(cpu.postmaster_pid(db.engine))
        searches = [random_search(rng, AHEAD_DAYS) for _ in range(settings["samples"])]
        time_requests(client, "/api/v1/availability", searches[:20])  # warm-up
        with meter:
            search_ms, failures = time_requests(client, "/api/v1/availability", searches)
        figures["availability_cpu_ms"] = round(meter.seconds * 1000 / len(searches), 2)
        figures["availability_p95_ms"] = percentiles(search_ms)["p95"]
        figures["availability_non_200"] = failures

        # creation: slots past the booked days, a fresh day per age so none collides
        spaces = [(site, venues.space_slug(n)) for site in venues.SITES for n in range(1, venues.SPACES_PER_SITE + 1)]
        day = today + timedelta(days=AHEAD_DAYS + 5 + 10 * stage)
        created = []
        cpu_before = time.process_time() + cpu.tree_seconds(meter.postmaster)
        for i in range(settings["bookings"]):
            site, space = spaces[i % len(spaces)]
            start = datetime.combine(day + timedelta(days=i // len(spaces)), clock(9), PARIS)
            body = {"site": site, "space": space, "title": "Bench", "attendees": 2, "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
            began = time.perf_counter()
            answer = client.post("/api/v1/bookings", json=body, headers={"Authorization": f"Bearer {token}"})
            created.append((time.perf_counter() - began) * 1000)
            figures.setdefault("booking_statuses", {}).setdefault(str(answer.status_code), 0)
            figures["booking_statuses"][str(answer.status_code)] += 1
        cpu_spent = time.process_time() + cpu.tree_seconds(meter.postmaster) - cpu_before
        figures["booking_create_cpu_ms"] = round(cpu_spent * 1000 / len(created), 2)
        figures["booking_create_p50_ms"] = percentiles(created)["p50"]
        figures["booking_create_p95_ms"] = percentiles(created)["p95"]

        week_ms = []
        with meter:
            for i in range(max(5, settings["samples"] // 20)):
                began = time.perf_counter()
                page = client.get(f"/staff/calendar/la-coque?view=week&day={today + timedelta(days=7 * (i % 4))}")
                week_ms.append((time.perf_counter() - began) * 1000)
                assert page.status_code == 200, page.status_code
        figures["staff_week_cpu_ms"] = round(meter.seconds * 1000 / len(week_ms), 2)
        figures["staff_week_p50_ms"] = percentiles(week_ms)["p50"]

        site = db.session.scalar(select(Site).where(Site.slug == "la-coque"))
        site_spaces = list(db.session.scalars(select(Space).where(Space.site_id == site.id, Space.active)))
        month_ms = []
        with meter:
            for _ in range(settings["utilization"]):
                began = time.perf_counter()
                rows = list(utilization.space_days(site_spaces, today - timedelta(days=28),
                                                   today - timedelta(days=1), now=datetime.now(UTC)))  # fmt: skip
                month_ms.append((time.perf_counter() - began) * 1000)
        figures["utilization_month_cpu_ms"] = round(meter.seconds * 1000 / len(month_ms), 1)
        figures["utilization_month_ms"] = round(min(month_ms), 1)
        figures["utilization_month_occupied_minutes"] = sum(f.occupied_minutes for _s, _d, o, f in rows if o == 0)
        if stage:  # a month from the rollups: a year back
            began = time.perf_counter()
            old = list(utilization.space_days(site_spaces, today - timedelta(days=358), today - timedelta(days=331),
                                              now=datetime.now(UTC)))  # fmt: skip
            figures["utilization_old_month_ms"] = round((time.perf_counter() - began) * 1000, 1)
            figures["utilization_old_month_occupied_minutes"] = sum(
                f.occupied_minutes for _s, _d, o, f in old if o == 0
            )
        db.session.remove()

        sensor_rows = db.session.execute(text("SELECT id FROM sensors ORDER BY id")).scalars().all()
        stored, began = 0, time.perf_counter()
        base = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=stage * 10_000)
        with meter:
            for b in range(settings["ingest_batches"]):
                at = base + timedelta(seconds=b)
                batch = readings.Batch(readings=[readings.SensorReading(s, at, at, count=b % 4) for s in sensor_rows])
                stored += readings.record_readings(batch, now=at).stored
        figures["ingest_readings_per_s"] = round(stored / (time.perf_counter() - began), 1)
        figures["ingest_readings_per_cpu_s"] = round(stored / meter.seconds, 1)

        figures["tables"] = table_sizes(db.session)
        figures["db_mb"] = round(db.session.execute(text("SELECT pg_database_size(current_database())")).scalar()
                                 / 2**20, 1)  # fmt: skip
        figures["raw_readings_mb"] = figures["tables"].get("occupancy_readings", {}).get("total_mb", 0.0)
        figures["rollups_mb"] = round(sum(figures["tables"].get(t, {}).get("total_mb", 0.0) for t in ROLLUP_TABLES), 1)
        figures["bookings_mb"] = figures["tables"].get("bookings", {}).get("total_mb", 0.0)
        figures["audit_mb"] = figures["tables"].get("booking_events", {}).get("total_mb", 0.0)
        figures["bookings"] = db.session.execute(text("SELECT count(*) FROM bookings")).scalar()
        figures["raw_readings"] = db.session.execute(text("SELECT count(*) FROM occupancy_readings")).scalar()
        figures["rollup_rows"] = db.session.execute(text("SELECT count(*) FROM occupancy_rollups")).scalar()
        figures["rollup_day_rows"] = db.session.execute(text("SELECT count(*) FROM occupancy_rollup_days")).scalar()
        db.session.remove()
    return figures


def _people(app, sensors_wanted: int) -> tuple[str, list[tuple[int, int]]]:
    from booking.extensions import db
    from booking.models import Space
    from booking.services import accounts, sensors

    with app.app_context():
        for i in range(40):
            accounts.ensure_organisation(f"company-{i}")
        accounts.ensure_organisation("bench-co")
        customer = accounts.create_user("booker@bench-co.example", organisation="bench-co")
        token = accounts.create_token(customer, name="bench")[0]
        accounts.create_user("staff@onexperience.example", role="staff", password=PASSWORD)
        spaces = db.session.execute(select(Space.id, Space.slug, Space.site_id).order_by(Space.id)).all()
        made = []
        for i in range(sensors_wanted):
            space = spaces[i % len(spaces)]
            site = db.session.execute(text("SELECT slug FROM sites WHERE id = :i"), {"i": space.site_id}).scalar()
            sensor = sensors.add_sensor(f"bench-{i:04d}", site=site, space=space.slug, interval_seconds=30)
            made.append((sensor.id, sensor.space_id))
        db.session.remove()
    return token, made


def sign_in(client) -> None:
    """The staff member signs in through the login form, as a browser does (its CSRF token included)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    answer = client.post("/login", data={"email": "staff@onexperience.example", "password": PASSWORD,
                                         "csrf_token": token[1] if token else ""})  # fmt: skip
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise RuntimeError(f"staff sign-in refused: {answer.status_code}")


def run(args) -> dict:
    settings = scale(args.quick)
    # BENCH_GROWTH_FILL=0.95 with --quick: the full booking rate (~2,000,000 at 3 years) beside the
    # quick sensors, when the full sensor history is too long to generate on the machine at hand
    settings["fill"] = float(os.environ.get("BENCH_GROWTH_FILL") or settings["fill"])
    rng = random.Random(5)
    now = datetime.now(UTC)
    today = now.astimezone(PARIS).date()
    midnight = datetime.combine(now.date(), clock(0), UTC)
    results: dict = {"scale": settings, "ages": {}}
    with scratch_dir() as tmp, throwaway_postgres("onexp_bench_growth") as url:
        app = prepared_app(url, venues.write_sites_file(tmp / "sites.toml"))
        token, sensor_rows = _people(app, settings["sensors"])
        client = app.test_client()
        sign_in(client)
        generated_from = today + timedelta(days=AHEAD_DAYS)  # bookings exist from here to AHEAD_DAYS ahead
        for stage, (label, age_days) in enumerate(AGES):
            began = time.monotonic()
            first = today - timedelta(days=age_days)
            made = copy_bookings(app, first, generated_from - timedelta(days=1), settings["fill"], rng)
            generated_from = first
            if stage == 0:
                oldest_rolled = midnight - timedelta(days=age_days + 2)
                make_partitions(app, oldest_rolled, now)
                readings_made = copy_readings(app, oldest_rolled, age_days + 2, settings["interval"])
                jobs = age_with_the_jobs(app, now)
                rolled_end = midnight - timedelta(days=1)
            else:
                readings_made = copy_rollups_back(app, rolled_end, midnight - timedelta(days=age_days), oldest_rolled,
                                                  now=now)  # fmt: skip
                oldest_rolled = midnight - timedelta(days=age_days)
                jobs = age_with_the_jobs(app, now)
            vacuum(app)
            generation_s = round(time.monotonic() - began, 1)
            print(f"\n{label}: {made:,} bookings and {readings_made:,} readings or rollups added in {generation_s} s; "
                  f"jobs: {jobs}", flush=True)  # fmt: skip
            figures = measure(app, client, settings, token=token, stage=stage, rng=rng)
            figures["generation_s"] = generation_s
            results["ages"][label] = figures
            print({k: v for k, v in figures.items() if k != "tables"}, flush=True)

    first, last = results["ages"][AGES[0][0]], results["ages"][AGES[-1][0]]
    measures = ("availability_p95_ms", "availability_cpu_ms", "booking_create_p95_ms", "booking_create_cpu_ms",
                "staff_week_p50_ms", "staff_week_cpu_ms", "utilization_month_ms", "utilization_month_cpu_ms",
                "ingest_readings_per_s", "ingest_readings_per_cpu_s", "db_mb", "raw_readings_mb", "rollups_mb",
                "bookings_mb", "audit_mb", "bookings")  # fmt: skip
    ratios = {m: round(last[m] / first[m], 2) if first[m] else None for m in measures}
    year = results["ages"][AGES[1][0]]
    ratios["db_mb_3y_over_1y"] = round(last["db_mb"] / year["db_mb"], 2)
    results["ratios_3y_over_1m"] = ratios
    print()
    table([(m, *(str(results["ages"][label][m]) for label, _ in AGES), str(ratios[m])) for m in measures],
          ("measure", *(label for label, _ in AGES), "3 years / 1 month"))  # fmt: skip
    print()
    print_breakdown(results["ages"])
    print(f"database size 3 years / 1 year: {ratios['db_mb_3y_over_1y']}")
    return results

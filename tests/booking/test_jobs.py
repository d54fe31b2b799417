"""The scheduler: exactly one leads, a second waits and takes over, jobs never run twice at once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from booking import jobs
from booking.extensions import db
from booking.infra.leadership import Lease
from booking.jobs import Job, SchedulerRunner


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def job_runs(app):
    """A table each test job writes a row to: who ran it, from when to when."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS job_runs"))
        conn.execute(
            text("CREATE TABLE job_runs (holder VARCHAR(100), started DOUBLE PRECISION, finished DOUBLE PRECISION)")
        )

    def rows() -> list[tuple[str, float, float]]:
        with db.engine.connect() as conn:
            return [
                tuple(r) for r in conn.execute(text("SELECT holder, started, finished FROM job_runs ORDER BY started"))
            ]

    yield rows
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE job_runs"))


def counting_job(holder: str) -> Job:
    def run(_now):
        started = time.time()
        time.sleep(0.02)  # the job's "work": long enough that two copies would overlap
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO job_runs (holder, started, finished) VALUES (:h, :s, :f)"),
                {"h": holder, "s": started, "f": time.time()},
            )

    return Job("count", run, 0.05)


class Scheduler:
    """A runner in a thread, as a second process would be."""

    def __init__(self, app, name: str):
        self.name = name
        self.stop = threading.Event()
        self.runner = SchedulerRunner(
            app, jobs=[counting_job(name)], holder=name, heartbeat_seconds=0.05, retry_seconds=0.05
        )
        self.thread = threading.Thread(target=self.runner.run, args=(self.stop,), daemon=True)

    def start(self) -> Scheduler:
        self.thread.start()
        return self

    def shutdown(self) -> None:
        self.stop.set()
        self.thread.join(20)


def never_overlap(rows) -> bool:
    return all(later[1] >= earlier[2] for earlier, later in zip(rows, rows[1:], strict=False))


def test_two_schedulers_never_run_a_job_twice_and_the_second_takes_over(app, job_runs):
    first = Scheduler(app, "first").start()
    wait_until(lambda: first.runner.leading.is_set())
    second = Scheduler(app, "second").start()
    try:
        wait_until(lambda: len(job_runs()) >= 6)
        assert {holder for holder, *_ in job_runs()} == {"first"}
        assert not second.runner.leading.is_set()
        first.shutdown()  # the leader goes away
        wait_until(lambda: any(holder == "second" for holder, *_ in job_runs()))
        rows = job_runs()
        assert never_overlap(rows)
        handover = [holder for holder, *_ in rows]
        assert handover == sorted(handover)  # all of first's runs, then only second's
    finally:
        first.shutdown()
        second.shutdown()


def test_a_leader_that_loses_its_lock_steps_down(app, job_runs, backend):
    leader = Scheduler(app, "leader").start()
    try:
        wait_until(lambda: len(job_runs()) >= 2)
        if backend == "postgresql":
            # its connection dies, as when the process is killed: the server drops the lock;
            # the runner notices, steps down, and (nobody else waiting) leads again
            with db.engine.begin() as conn:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                )
            wait_until(lambda: leader.runner.terms >= 2)
        else:
            # another scheduler holds the lease now (this one's lapsed while it was frozen)
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE scheduler_leases SET holder = 'usurper'"))
            wait_until(lambda: not leader.runner.leading.is_set())
    finally:
        leader.shutdown()
    assert never_overlap(job_runs())


def test_lease_is_taken_over_only_once_it_expires(app):
    now = [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]
    clock = lambda: now[0]  # noqa: E731
    first = Lease(db.engine, "first", seconds=30, clock=clock)
    second = Lease(db.engine, "second", seconds=30, clock=clock)
    assert first.acquire()
    assert not second.acquire()
    now[0] += timedelta(seconds=20)
    assert first.renew()  # renewed: runs until 09:00:50
    now[0] += timedelta(seconds=29)
    assert not second.acquire()
    now[0] += timedelta(seconds=1)  # the first died and stopped renewing
    assert second.acquire()
    assert not first.renew()  # it lost the lease: it must stop acting


def test_a_released_lease_is_taken_at_once(app):
    first, second = Lease(db.engine, "first"), Lease(db.engine, "second")
    assert first.acquire()
    first.release()
    assert second.acquire()


def test_jobs_have_stable_ids():
    assert [job.id for job in jobs.JOBS] == [
        "expire_holds", "check_in_by_presence", "release_no_shows", "watch_spaces", "offer_waitlist",
        "deliver_webhooks", "deliver_mail", "send_reminders", "rollup_utilization", "prune_outbox",
        "roll_up_readings", "compact_rollups", "prune_readings", "keep_partitions",
    ]  # fmt: skip


def test_a_failing_job_is_logged_and_does_not_stop_the_others(app, job_runs, caplog):
    def broken(_now):
        raise RuntimeError("boom")

    runner = SchedulerRunner(app, jobs=[Job("broken", broken, 0.05), counting_job("solo")], holder="solo",
                             heartbeat_seconds=0.05, retry_seconds=0.05)  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: len(job_runs()) >= 3)
    finally:
        stop.set()
        thread.join(20)
    assert "job broken failed" in caplog.text


def test_start_in_process_runs_the_jobs_and_stops(app, job_runs):
    stop = jobs.start_in_process(app, jobs=[counting_job("serve")], heartbeat_seconds=0.05, retry_seconds=0.05)
    try:
        wait_until(lambda: len(job_runs()) >= 1)
    finally:
        stop()


# what each real job did on a day with no bookings, sensors, waitlist, webhooks or mail
NOTHING_TO_DO = {
    "expire_holds": {"expired": 0},
    "check_in_by_presence": {"checked_in": 0},
    "release_no_shows": {"released": []},
    "watch_spaces": {"raised": 0, "resolved": 0},
    "offer_waitlist": {"lapsed": 0, "offered": 0},
    "deliver_webhooks": {"dispatched": 0, "delivered": 0, "retrying": 0, "failed": 0},
    "deliver_mail": {"written": 0, "sent": 0, "retrying": 0, "failed": 0},
    "send_reminders": {"reminders": 0, "lapsing_holds": 0},
    "prune_outbox": {"pruned": 0, "mail_pruned": 0},
    "roll_up_readings": {"days": 0},
    "compact_rollups": {"days": 0},
    "prune_readings": {"raw_from": None, "moved": False, "readings_deleted": 0},
    "keep_partitions": {"created": [], "busy": 0},  # PostgreSQL: the migration made the week ahead
}


def test_the_real_jobs_do_nothing_on_an_empty_day_and_the_same_nothing_again(app):
    """Every real job runs against the database; on an empty day each reports nothing done and
    changes nothing, and a second run (the scheduler's misfire or a second leader) repeats it."""
    from sqlalchemy import func, select

    from booking.models import (
        Alert,
        Booking,
        BookingEvent,
        MailMessage,
        OccupancyRollup,
        OutboxEvent,
        Space,
        UtilizationDay,
    )

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    now = datetime.now(UTC)
    first = {job.id: job.run(now) for job in jobs.JOBS}
    second = {job.id: job.run(now) for job in jobs.JOBS}

    assert first == second
    assert {name: first.pop(name) for name in NOTHING_TO_DO} == NOTHING_TO_DO
    # the rollup is the one job that writes on an empty day: yesterday and today, a row per space,
    # replaced (not added) by the second run, with nothing booked
    spaces = db.session.scalar(select(func.count()).where(Space.active))
    days = sorted({(now - timedelta(days=1)).date(), now.date()})
    assert first == {"rollup_utilization": {day.isoformat(): spaces for day in days}}
    assert count(UtilizationDay) == spaces * len(days)
    assert db.session.scalar(select(func.sum(UtilizationDay.booked_minutes))) == 0
    untouched = (Booking, BookingEvent, Alert, OutboxEvent, MailMessage, OccupancyRollup)
    assert [count(model) for model in untouched] == [0] * len(untouched)

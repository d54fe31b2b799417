"""The scheduler's jobs and the runner that makes sure exactly one scheduler acts.

``onexp scheduler`` runs ``SchedulerRunner`` in its own process; a second one waits on
the database lock (see ``booking.infra.leadership``) and takes over when the first dies.
``onexp serve`` runs the same runner in a thread (``start_in_process``). Every job is
idempotent: running it twice, or late, does no harm; misfires are coalesced into one run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask, current_app

from booking.clock import utcnow
from booking.extensions import db
from booking.infra import metrics
from booking.infra.leadership import Leadership, leadership_for

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Job:
    """A job with a stable id, run every ``seconds``; ``run(now)`` returns what it did."""

    id: str
    run: Callable[[datetime], object]
    seconds: float


# --- the jobs ----------------------------------------------------------------------------


def expire_holds(now: datetime) -> dict:
    """Holds past their time lapse; the slot is free again."""
    from booking.services import bookings

    return {"expired": bookings.expire_holds(now)}


def offer_waitlist(now: datetime) -> dict:
    """Freed slots offered, as holds, to the first waiting request that fits."""
    from booking.services import waitlist

    return waitlist.sweep(now)


def deliver_webhooks(now: datetime) -> dict:
    """Outbox events POSTed to their endpoints, retried with backoff."""
    from booking.services import webhooks

    return webhooks.deliver_due(now)


def deliver_mail(now: datetime) -> dict:
    """Queued e-mails sent, retried with backoff."""
    from booking.services import mail

    return mail.deliver_due(now)


def send_reminders(now: datetime) -> dict:
    """The day-before reminders and the warnings of holds about to lapse (sent by deliver_mail)."""
    from booking.services import reminders

    return reminders.queue_due(now)


def prune_outbox(now: datetime) -> dict:
    """Delivered events with their deliveries, and sent mails, past ONEXP_OUTBOX_KEEP_DAYS (failed and pending stay)."""
    from booking.services import mail, webhooks

    keep = timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"])
    return {"pruned": webhooks.prune(now, keep=keep), "mail_pruned": mail.prune(now, keep=keep)}


def rollup_utilization(now: datetime) -> dict:
    """Yesterday (closing it) and today (so far)."""
    from booking.services import utilization

    days = sorted({(now - timedelta(days=1)).date(), now.date()})
    return {day.isoformat(): utilization.rollup(day, now=now) for day in days}


def roll_up_readings(now: datetime) -> dict:
    """Settled days of raw readings into 5-minute buckets (booking.services.retention)."""
    from booking.services import retention

    return retention.roll_up(now)


def compact_rollups(now: datetime) -> dict:
    """Rolled-up days past ONEXP_ROLLUPS_COMPACT_AFTER_DAYS into a row per space and day."""
    from booking.services import retention

    return retention.compact(now)


def prune_readings(now: datetime) -> dict:
    """Raw readings past ONEXP_READINGS_KEEP_DAYS, rollups past ONEXP_ROLLUPS_KEEP_DAYS."""
    from booking.services import retention

    return retention.prune(now)


def keep_partitions(now: datetime) -> dict:
    """PostgreSQL: the raw readings' daily partitions for the week ahead."""
    from booking.services import retention

    return retention.keep_partitions(now)


def sensor_view():
    """What the sensors say, as the check-in and release decisions need it."""
    from booking.services import checkin, readings

    return checkin.SensorView(health=readings.space_sensor_health, presence=readings.presence_between)


def check_in_by_presence(now: datetime) -> dict:
    """Running bookings checked in when their space's sensors see people."""
    from booking.services import checkin

    return {"checked_in": checkin.check_in_by_presence(now, sensor_view())}


def release_no_shows(now: datetime) -> dict:
    """Bookings nobody came to released, where the sensors can be trusted."""
    from booking.services import checkin

    return {"released": [b.id for b in checkin.release_no_shows(now, sensor_view())]}


def watch_spaces(now: datetime) -> dict:
    """Raise and resolve the live alerts: over capacity, unbooked use, overrun, sensor offline."""
    from booking.services import alerts

    return alerts.watch_spaces(now)


JOBS = (
    Job("expire_holds", expire_holds, 60),
    Job("check_in_by_presence", check_in_by_presence, 60),
    Job("release_no_shows", release_no_shows, 60),
    Job("watch_spaces", watch_spaces, 60),
    Job("offer_waitlist", offer_waitlist, 120),
    Job("deliver_webhooks", deliver_webhooks, 10),
    Job("deliver_mail", deliver_mail, 5),
    Job("send_reminders", send_reminders, 60),
    Job("rollup_utilization", rollup_utilization, 900),
    Job("prune_outbox", prune_outbox, 3600),
    Job("roll_up_readings", roll_up_readings, 900),
    Job("compact_rollups", compact_rollups, 3600),
    Job("prune_readings", prune_readings, 3600),
    Job("keep_partitions", keep_partitions, 3600),
)


# --- the runner ---------------------------------------------------------------------------


class SchedulerRunner:
    """Wait for leadership, run the jobs while leading, step down the moment it is lost."""

    def __init__(
        self, app: Flask, *, jobs: tuple[Job, ...] | list[Job] = JOBS, leadership: Leadership | None = None,
        holder: str | None = None, heartbeat_seconds: float | None = None, retry_seconds: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):  # fmt: skip
        self.app = app
        self.jobs = list(jobs)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        lease = app.config["SCHEDULER_LEASE_SECONDS"]
        if leadership is None:
            with app.app_context():
                leadership = leadership_for(db.engine, app.config["SQLALCHEMY_DATABASE_URI"], self.holder,
                                            lease_seconds=lease)  # fmt: skip
        self.leadership = leadership
        # renew well within the lease, so a live leader never lets it lapse
        self.heartbeat_seconds = heartbeat_seconds or max(lease / 3, 1)
        self.retry_seconds = retry_seconds or max(lease / 3, 1)
        self.clock = clock
        self.leading = threading.Event()
        if str(app.config.get("LOG_LEVEL", "INFO")).upper() != "DEBUG":
            # APScheduler logs every run at INFO; each job's own line says what it did instead
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self.terms = 0  # how many times this runner became the leader

    def run(self, stop: threading.Event) -> None:
        """Block until ``stop`` is set, leading whenever the lock can be had."""
        log.info("scheduler %s waiting for leadership", self.holder)
        try:
            while not stop.is_set():
                if self.leadership.acquire():
                    self._lead(stop)
                else:
                    stop.wait(self.retry_seconds)
        finally:
            close = getattr(self.leadership, "close", None)
            if close:
                close()

    def _lead(self, stop: threading.Event) -> None:
        self.terms += 1
        log.info("scheduler %s leads (term %d)", self.holder, self.terms)
        self.leading.set()
        scheduler = BackgroundScheduler(
            timezone=UTC,
            # late runs collapse into one; a job never overlaps itself
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        for job in self.jobs:
            scheduler.add_job(
                self._run_job, "interval", seconds=job.seconds, id=job.id, name=job.id, args=(job,),
                next_run_time=utcnow(), replace_existing=True,
            )  # fmt: skip
        scheduler.start()
        try:
            while not stop.wait(self.heartbeat_seconds):
                if not self.leadership.renew():
                    log.warning("scheduler %s lost leadership; stepping down", self.holder)
                    break
        finally:
            self.leading.clear()  # before the shutdown: no job starts from here on
            scheduler.shutdown(wait=True)
            self.leadership.release()
            log.info("scheduler %s stopped leading", self.holder)

    def _run_job(self, job: Job) -> None:
        if not self.leading.is_set():
            return
        metrics.JOB_RUNS.labels(job.id).inc()
        with self.app.app_context():
            try:
                result = job.run(self.clock())
                log.info("job %s: %s", job.id, result)
            except Exception:
                db.session.rollback()
                metrics.JOB_FAILURES.labels(job.id).inc()
                log.exception("job %s failed; it runs again at its next time", job.id)
            finally:
                db.session.remove()


def start_in_process(app: Flask, **options) -> Callable[[], None]:
    """Run the scheduler in a thread of this process (``onexp serve``); returns ``stop()``."""
    stop = threading.Event()
    runner = SchedulerRunner(app, **options)
    thread = threading.Thread(target=runner.run, args=(stop,), name="onexp-scheduler", daemon=True)
    thread.start()

    def stop_scheduler() -> None:
        stop.set()
        thread.join(timeout=30)

    return stop_scheduler

"""The `onexp` command composes the processes above booking and sensors: `serve`, `ingest`,
`scheduler`, with every operator command; `flask --app booking ...` finds the same ones."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from importlib.metadata import entry_points

import pytest
from clock import paris

from booking.extensions import db
from booking.jobs import JOBS
from booking.models import Booking
from onexp import cli
from sensors import cli as sensors_cli


def test_the_processes_and_the_sensor_commands_are_flask_plugins_from_above_booking():
    plugins = {entry.name: entry.load() for entry in entry_points(group="flask.commands")}
    assert {"serve", "ingest", "scheduler", "simulate", "sensors"} <= set(plugins)
    assert {plugins[name] for name in ("serve", "ingest", "scheduler")} == set(cli.PROCESSES)
    assert {plugins["simulate"], plugins["sensors"]} == set(sensors_cli.COMMANDS)


def test_building_the_web_app_imports_neither_sensors_nor_the_process_composer():
    probe = (
        "import sys; from booking import create_app; create_app(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sensors', 'onexp')))"
    )
    assert subprocess.check_output([sys.executable, "-c", probe], text=True).strip() == "[]"


@pytest.mark.parametrize(("set_to", "served"), [(None, 64), (3, 3)])
def test_serve_lifts_the_live_stream_cap_unless_it_is_set(app, runner, monkeypatch, set_to, served):
    """`onexp serve` (make run) gives each connection a thread of its own: open pages' streams
    take no thread from anyone, unlike gunicorn's fixed pool."""
    import werkzeug.serving

    seen = {}
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **k: seen.update(app.config))
    app.config["WEB_LIVE_STREAMS"] = set_to
    result = runner.invoke(cli.serve, ["--no-ingest", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert seen["WEB_LIVE_STREAMS"] == served


def test_scheduler_says_a_second_one_takes_over(runner):
    result = runner.invoke(cli.scheduler, ["--help"])
    assert result.exit_code == 0
    assert "takes over" in result.output


def test_jobs_list_names_every_scheduled_job_with_its_interval(runner):
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{job.id}\tevery {job.seconds:g} s" for job in JOBS]


def test_jobs_run_runs_one_job_now(runner, customer, monday):
    from booking.services import bookings

    request = bookings.BookingRequest("la-coque", "salle-frioul", paris(monday, 10), paris(monday, 12), "Maybe", 4)
    held = bookings.book(customer, request, hold=True)
    held.hold_expires_at = paris(monday, 8) - timedelta(days=30)  # lapsed; the scheduler has not run
    db.session.commit()

    result = runner.invoke(args=["jobs", "run", "expire_holds"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "expire_holds: {'expired': 1}"
    db.session.expire_all()
    assert db.session.get(Booking, held.id).status == "expired"


def test_jobs_run_refuses_a_job_that_does_not_exist(runner):
    result = runner.invoke(args=["jobs", "run", "water_the_plants"])
    assert result.exit_code != 0
    assert "no job 'water_the_plants'" in result.output

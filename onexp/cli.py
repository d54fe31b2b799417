"""The ``onexp`` command: every process of the service and every operator command, in one place.

``booking`` (web and domain) never imports ``sensors`` (MQTT), so the commands that put the two
together live here, above both: ``serve`` runs every role in one process, ``ingest`` and
``scheduler`` run one role each. The operator commands stay with their packages
(``booking.cli``, ``sensors.cli``) and are listed here. Flask finds this module's commands through
the ``flask.commands`` entry points in pyproject.toml, so ``flask --app booking serve`` works too.
"""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from booking import cli as booking_cli
from sensors import cli as sensors_cli

log = logging.getLogger(__name__)

# `serve` gives each connection a thread of its own (gunicorn has a fixed pool), so open pages'
# live streams starve no one: the cap is lifted to this unless ONEXP_WEB_LIVE_STREAMS says otherwise.
SERVE_LIVE_STREAMS = 64


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--simulate", "with_simulator", is_flag=True, help="also run simulated sensors (demos)")
@click.option("--no-ingest", is_flag=True, help="web only, e.g. when `onexp ingest` runs elsewhere")
@click.option("--no-scheduler", is_flag=True, help="when `onexp scheduler` runs elsewhere")
@with_appcontext
def serve(host: str, port: int, with_simulator: bool, no_ingest: bool, no_scheduler: bool) -> None:
    """Run every role in one process: web, ingest, scheduler (and simulator); single-machine mode."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    stoppers = []
    simulator = None
    if with_simulator:
        from sensors.simulate import Simulator

        simulator = Simulator(app)
        simulator.register()  # before the worker loads the registry: no first reading refused
    if not no_ingest:
        from sensors.ingest import IngestWorker

        worker = IngestWorker(app).start()
        stoppers.append(worker.stop)
    if simulator is not None:
        threading.Thread(target=simulator.run, name="simulator", daemon=True).start()
        stoppers.append(simulator.stop)
    if not no_scheduler:
        from booking.jobs import start_in_process

        stoppers.append(start_in_process(app))
    if app.config.get("WEB_LIVE_STREAMS") is None:
        app.config["WEB_LIVE_STREAMS"] = SERVE_LIVE_STREAMS
    log.info("OneXperience Booking on http://%s:%s/", host, port)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        for stop in reversed(stoppers):
            stop()


@click.command("ingest")
@click.option("--client-id", help="stable MQTT client id (ONEXP_MQTT_CLIENT_ID); one per worker")
@click.option("--shared-group", help="split readings with other workers through $share/<group>/...")
@with_appcontext
def ingest(client_id: str | None, shared_group: str | None) -> None:
    """Run the ingest worker: MQTT readings into the database, door states out."""
    from booking.infra import metrics
    from sensors.ingest import IngestWorker

    metrics.serve_for_role(current_app)
    IngestWorker(current_app._get_current_object(), client_id=client_id, shared_group=shared_group).run()


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the scheduled jobs; a second scheduler waits and takes over if this one dies."""
    from booking.infra import metrics
    from booking.jobs import SchedulerRunner

    metrics.serve_for_role(current_app)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    SchedulerRunner(current_app._get_current_object()).run(stop)


PROCESSES = (serve, ingest, scheduler)
COMMANDS = (*PROCESSES, *booking_cli.COMMANDS, *sensors_cli.COMMANDS)


def _create_app() -> Flask:
    from booking import create_app
    from config.settings import SettingsError

    try:
        return create_app()
    except SettingsError as error:  # a clear message, not a traceback
        raise click.ClickException(str(error)) from None


class OnexpGroup(FlaskGroup):
    """Flask's command group, whose help still lists every command when the settings are refused.

    Flask prints a full traceback when the app cannot be built while it lists commands
    (``onexp --help``); the refusal already names each wrong setting, so it is said once, plainly.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for command in COMMANDS:  # known without building the app (each builds it when run)
            self.add_command(command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except click.ClickException as refused:
            if not ctx.meta.get("onexp.refused"):  # help asks for the list more than once
                ctx.meta["onexp.refused"] = True
                click.secho(f"Error: {refused.format_message()}\n", err=True, fg="red")
            self._load_plugin_commands()
            return sorted(click.Group.list_commands(self, ctx))
        return super().list_commands(ctx)


def main() -> None:
    """Entry point of the ``onexp`` console script."""
    cli = OnexpGroup(
        name="onexp",
        create_app=_create_app,
        add_default_commands=True,
        load_dotenv=False,
        help="OneXperience Booking: web, ingest, scheduler, and operator commands.",
    )
    cli.main(prog_name="onexp")

"""`onexp ingest`, `onexp simulate`, `onexp sensors ...` and `onexp serve`.

They live here, not in booking, because they run MQTT clients and booking never imports sensors.
Flask finds them through the `flask.commands` entry points in pyproject.toml, so both `onexp ingest`
and `flask --app booking ingest` work.
"""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from booking.errors import DomainError

log = logging.getLogger(__name__)


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


@click.command("simulate")
@click.option("--rate", default=0.2, show_default=True, help="readings per second of each sensor")
@click.option("--sensors", "extra", default=0, show_default=True, help="extra simulated counters (benches)")
@click.option("--duration", default=0.0, show_default=True, help="seconds to run; 0 runs until Ctrl-C")
@click.option("--url", help="broker URL; defaults to ONEXP_MQTT_URL")
@with_appcontext
def simulate(rate: float, extra: int, duration: float, url: str | None) -> None:
    """Simulated sensors for the three sites: daily patterns, bookings, no-shows, a flaky sensor."""
    from sensors.simulate import Simulator

    simulator = Simulator(current_app._get_current_object(), url=url, rate=rate, extra=extra, duration=duration)
    click.echo(f"registered {len(simulator.register())} simulated sensors")
    try:
        simulator.run()
    except KeyboardInterrupt:
        simulator.stop()
    click.echo(f"published {simulator.published} readings")


@click.group("sensors")
def sensors() -> None:
    """Manage the sensor registry."""


@sensors.command("add")
@click.argument("sensor_id")
@click.option("--site", required=True)
@click.option("--space", required=True)
@click.option("--kind", type=click.Choice(["counter", "presence"]), default="counter", show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["native", "zigbee2mqtt", "milesight", "senml", "homeassistant"]),
    default="native", show_default=True,
)  # fmt: skip
@click.option("--topic", help="its Zigbee2MQTT friendly name, or the full topic of a device that cannot use ours")
@click.option("--interval", default=60, show_default=True, help="expected seconds between two reports")
@with_appcontext
def sensors_add(sensor_id: str, site: str, space: str, kind: str, fmt: str, topic: str | None, interval: int) -> None:
    """Register a sensor in a space; readings of unregistered sensors are dropped."""
    from booking.services import sensors as registry

    try:
        registry.add_sensor(
            sensor_id, site=site, space=space, kind=kind, format=fmt, topic=topic, interval_seconds=interval
        )
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    click.echo(f"added {sensor_id} ({kind}, {fmt}) in {site}/{space}")


@sensors.command("list")
@click.option("--site")
@with_appcontext
def sensors_list(site: str | None) -> None:
    """List sensors with their health."""
    from datetime import UTC, datetime

    from booking.services import sensors as registry

    now = datetime.now(UTC)
    for sensor in registry.list_sensors(site):
        seen = sensor.last_seen_at.isoformat(timespec="seconds") if sensor.last_seen_at else "never"
        health = registry.sensor_health(sensor, now)
        click.echo(f"{sensor.slug}\t{sensor.space.site.slug}/{sensor.space.slug}\t{sensor.kind}\t{health}\t{seen}")


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
        # a thread per connection here, not a fixed pool as under gunicorn: streams starve no one
        app.config["WEB_LIVE_STREAMS"] = SERVE_LIVE_STREAMS
    log.info("OneXperience Booking on http://%s:%s/", host, port)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        for stop in reversed(stoppers):
            stop()

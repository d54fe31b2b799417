"""`onexp simulate` and `onexp sensors ...`: the sensors' operator commands.

They live here, not in booking, because booking never imports sensors. onexp/cli.py lists them
with every other command, and Flask finds them through the `flask.commands` entry points in
pyproject.toml, so both `onexp simulate` and `flask --app booking simulate` work.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from booking.errors import DomainError


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


# The processes (`onexp ingest`, `onexp serve`) are composed in onexp/cli.py, above booking and sensors.
COMMANDS = (simulate, sensors)

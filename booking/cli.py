"""The ``onexp`` command group (also reachable as ``flask --app booking ...``)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from booking.errors import DomainError
from booking.models import Role


def _fail(error: DomainError) -> None:
    raise click.ClickException(error.detail)


@click.command("seed")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), help="defaults to ONEXP_SITES_FILE")
@click.option("--demo", is_flag=True, help="also add demo companies and users (never in production)")
@with_appcontext
def seed(path: str | None, demo: bool) -> None:
    """Load the sites and spaces from sites.toml; run it again after editing the file."""
    from booking.services import catalog

    counts = catalog.seed_sites(path or current_app.config["SITES_FILE"])
    click.echo(f"seeded {counts['sites']} sites, {counts['spaces']} spaces, {counts['closures']} closures")
    if demo:
        from booking.services.demo import seed_demo_accounts, seed_demo_bookings

        for line in seed_demo_accounts():
            click.echo(line)
        click.echo(f"demo bookings at La Coque: {seed_demo_bookings()} added")


@click.group("users")
def users() -> None:
    """Manage users."""


@users.command("add")
@click.argument("email")
@click.option("--org", "organisation", help="the company's slug (created if new)")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CUSTOMER.value, show_default=True)
@click.option("--name", default="")
@click.option("--password", help="prompted for when omitted; empty for token-only users", default=None)
@with_appcontext
def users_add(email: str, organisation: str | None, role: str, name: str, password: str | None) -> None:
    """Add a user, and their company when it is new."""
    from booking.services import accounts

    try:
        if organisation:
            accounts.ensure_organisation(organisation)
        user = accounts.create_user(email, role=role, organisation=organisation, password=password or None, name=name)
    except DomainError as error:
        _fail(error)
    click.echo(f"added {user.email} ({user.role}{', ' + organisation if organisation else ''})")


@click.group("tokens")
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli")
@with_appcontext
def tokens_create(email: str, name: str) -> None:
    """Create an API token; the token is printed alone on the last line."""
    from booking.services import accounts

    try:
        token, _ = accounts.create_token(accounts.get_user(email), name=name)
    except DomainError as error:
        _fail(error)
    click.echo(f"token for {email} (shown once):")
    click.echo(token)


@click.group("displays")
def displays() -> None:
    """Manage door and lobby displays (wall tablets)."""


@displays.command("create")
@click.argument("site")
@click.argument("space", required=False)
@click.option("--name", default="", help="where the tablet hangs, for the staff page")
@click.option("--base-url", help="the address tablets reach the service at; defaults to ONEXP_PUBLIC_URL")
@with_appcontext
def displays_create(site: str, space: str | None, name: str, base_url: str | None) -> None:
    """Create a display token for a site's lobby, or for SPACE's door; the URL is printed alone on the last line."""
    from booking.services import displays as registry

    try:
        token, record = registry.create_display(site, space, name=name)
    except DomainError as error:
        _fail(error)
    fallback = f"http://{current_app.config.get('WEB_BIND') or '127.0.0.1:8000'}"
    base = base_url or registry.public_base(current_app.config, fallback)
    click.echo(f"display {record.id} for {site}{'/' + space if space else ' (lobby)'}; open this address on it:")
    click.echo(registry.display_url(record, token, base=base))


@displays.command("list")
@with_appcontext
def displays_list() -> None:
    """The displays whose token still works."""
    from booking.services import displays as registry

    for record in registry.list_displays():
        where = f"{record.site.slug}/{record.space.slug}" if record.space else f"{record.site.slug} (lobby)"
        seen = record.last_used_at.isoformat(timespec="minutes") if record.last_used_at else "never"
        click.echo(f"{record.id}\t{where}\t{record.name or '-'}\tlast seen {seen}")


@displays.command("revoke")
@click.argument("display_id", type=int)
@with_appcontext
def displays_revoke(display_id: int) -> None:
    """Stop a display's address from working."""
    from booking.services import displays as registry

    try:
        registry.revoke_display(display_id)
    except DomainError as error:
        _fail(error)
    click.echo(f"display {display_id} revoked")


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the scheduled jobs; a second scheduler waits and takes over if this one dies."""
    import signal
    import threading

    from booking.infra import metrics
    from booking.jobs import SchedulerRunner

    metrics.serve_for_role(current_app)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    SchedulerRunner(current_app._get_current_object()).run(stop)


# `serve`, `ingest`, `simulate` and `sensors` run MQTT clients: they are in sensors/cli.py,
# registered through the flask.commands entry points (booking never imports sensors).
COMMANDS = (seed, users, tokens, displays, scheduler)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


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

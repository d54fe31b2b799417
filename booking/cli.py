"""booking's operator commands: seed, users, tokens, displays, jobs.

``create_app`` adds them to the app's command group; ``onexp/cli.py`` lists them with the processes
in the ``onexp`` command (``flask --app booking ...`` reaches them too).
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

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
    seeded = ", ".join(f"{counts[name]} {name}" for name in ("sites", "spaces", "closures", "services"))
    click.echo(f"seeded {seeded}")
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


@click.group("jobs")
def jobs() -> None:
    """The scheduler's jobs, by hand (`onexp scheduler` runs them on their own)."""


@jobs.command("list")
def jobs_list() -> None:
    """Each job's id and how often the scheduler runs it."""
    from booking.jobs import JOBS

    for job in JOBS:
        click.echo(f"{job.id}\tevery {job.seconds:g} s")


@jobs.command("run")
@click.argument("name")
@with_appcontext
def jobs_run(name: str) -> None:
    """Run one job now, in this process, and print what it did (every job is idempotent), with a
    progress bar on long work."""
    from tqdm import tqdm

    from booking.clock import utcnow
    from booking.infra import progress
    from booking.jobs import JOBS

    job = next((job for job in JOBS if job.id == name), None)
    if job is None:
        raise click.ClickException(f"no job {name!r}; `onexp jobs list` names them")
    # long jobs (rolling up months of readings, pruning) say how far they got; on a terminal only
    with tqdm(desc=job.id, unit=" steps", leave=False, disable=None) as bar:

        def advance(steps: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.update(steps)

        with progress.watching(advance):
            result = job.run(utcnow())
    click.echo(f"{job.id}: {result}")


# The process entry points (serve, ingest, scheduler) and the commands that run MQTT clients are
# composed in onexp/cli.py, above booking and sensors; Flask finds them through the flask.commands
# entry points in pyproject.toml.
COMMANDS = (seed, users, tokens, displays, jobs)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)

"""Settings read from the environment (prefix ``ONEXP_``), in one place."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"
PRODUCTION = "production"
MIN_SECRET_KEY_LENGTH = 32


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# name -> (type, default); every setting the service reads, so a typo in the
# environment is the only way to miss one.
SETTINGS: dict[str, tuple[type, object]] = {
    "DATABASE_URL": (str, None),  # None: a SQLite file in the instance folder
    "MQTT_URL": (str, "mqtt://127.0.0.1:1883"),
    "MQTT_TOPIC_PREFIX": (str, "onexp"),
    "MQTT_CLIENT_ID": (str, ""),  # "": derived from the secret key and the broker user (mqtt_client_id)
    "MQTT_SHARED_GROUP": (str, ""),  # non-empty: subscribe through $share/<group>/...
    "SECRET_KEY": (str, DEFAULT_SECRET_KEY),
    # the sign-in cookie only over HTTPS; unset: on with ONEXP_ENV=production, off otherwise
    "SECURE_COOKIES": (bool, None),
    # how many proxies in front of the web role append to X-Forwarded-For/-Proto/-Host, trusted as
    # such (werkzeug's ProxyFix): 1 behind nginx alone. 0 (the default): the headers are ignored,
    # since without a proxy that sets them, any client could claim any address
    "PROXY_HOPS": (int, 0),
    "LOG_FORMAT": (str, "text"),  # "json" in production: one JSON object per line, with the request id
    "RETRY_AFTER_SECONDS": (int, 5),  # told to clients while the database is unreachable
    "METRICS_BIND": (str, ""),  # host:port of /metrics for `onexp ingest` and `onexp scheduler` (web: /metrics)
    "SITES_FILE": (str, str(CONFIG_DIR / "sites.toml")),
    "HOLD_TTL_MINUTES": (int, 15),
    "MAX_OCCURRENCES": (int, 104),  # two years of a weekly series
    "MAX_CONTENT_LENGTH": (int, 256 * 1024),
    # sign-in: after this many failures per email (x4 per address) within the window, each further
    # attempt waits LOGIN_BACKOFF_SECONDS, doubled after every failure, at most the window
    "LOGIN_FREE_FAILURES": (int, 5),
    "LOGIN_BACKOFF_SECONDS": (int, 2),
    "LOGIN_WINDOW_MINUTES": (int, 15),
    # sign-ups and forgotten-password requests per client address in an hour (half that per e-mail):
    # each one sends a mail
    "SIGNUP_MAX_PER_HOUR": (int, 10),
    "RESET_LINK_MINUTES": (int, 30),  # how long a forgotten-password link works
    "SESSION_HOURS": (float, 12.0),  # a sign-in lasts this long at most (a working day), then sign in again
    "FEED_BASE_URL": (str, ""),  # e.g. https://booking.example.org; empty: the request's host
    # door and lobby displays: how often they refresh (the event stream brings occupancy at once),
    # and after how long without an answer they say their data is stale
    "DISPLAY_POLL_SECONDS": (float, 15.0),
    "DISPLAY_STALE_SECONDS": (float, 60.0),
    # what displays compare to reload themselves after a deploy; empty: a digest of the installed code
    "BUILD_ID": (str, ""),
    # per-process caches: a change made by another process takes effect here within this many seconds
    "CATALOG_CACHE_SECONDS": (float, 30.0),  # sites, spaces, closures (e.g. after `onexp seed`)
    "TOKEN_CACHE_SECONDS": (float, 10.0),  # a revoked token or deactivated user, seen by other workers
    "ENV": (str, "development"),
    "LOG_LEVEL": (str, "INFO"),
    # gunicorn (config/gunicorn.conf.py) for the web role
    "WEB_BIND": (str, "127.0.0.1:8000"),
    "WEB_WORKERS": (int, 0),  # 0: one per CPU core
    "WEB_THREADS": (int, 4),
    "WEB_ACCESS_LOG": (str, ""),  # "" off, "-" to stdout, or a file path
    # live occupancy streams one web worker serves at once (each holds a thread while open; pages
    # beyond it poll instead); unset: half its threads, so streams never starve other requests
    "WEB_LIVE_STREAMS": (int, None),
    "WEB_LIVE_PUBLIC_STREAMS": (int, None),  # the same for callers who are not staff (door displays); unset: a quarter
    # webhooks: customers choose the URLs, so private addresses are refused unless allowed
    "WEBHOOK_ALLOW_PRIVATE": (bool, False),
    "WEBHOOK_ALLOWED_HOSTS": (str, ""),  # comma-separated hosts allowed even if private
    "WEBHOOK_TIMEOUT_SECONDS": (float, 5.0),
    "WEBHOOK_MAX_ATTEMPTS": (int, 8),
    "WEBHOOK_BACKOFF_SECONDS": (int, 30),  # doubled after each failed attempt, at most 6 h
    "WEBHOOK_CONCURRENCY": (int, 8),
    "OUTBOX_KEEP_DAYS": (int, 30),  # events and their deliveries are forgotten this long after
    # raw sensor readings are kept this many days (at least 3: they arrive up to a day late and a day
    # opens with the reading before it), then only their 5-minute rollups; rollups are kept this many
    # days (never fewer than the raw readings), or forever when unset
    "READINGS_KEEP_DAYS": (int, 30),
    "ROLLUPS_KEEP_DAYS": (int, None),
    # rolled-up days older than this are stored a row per space and day instead of a row per
    # 5-minute bucket (the same figures, a fraction of the size on disk)
    "ROLLUPS_COMPACT_AFTER_DAYS": (int, 30),
    # e-mail, sent from the outbox by the scheduler: smtp://[USER:PASSWORD@]HOST[:587] (STARTTLS whenever
    # offered, always before credentials), smtps://USER:PASSWORD@HOST:465, or file:///FOLDER (a local
    # catcher: one .eml per message, shown at /dev/mail); empty: the catcher in instance/mail (not in production)
    "MAIL_URL": (str, ""),
    "MAIL_FROM": (str, "OneXperience <reservations@onexperience.example>"),
    "MAIL_STAFF_TO": (str, ""),  # comma-separated: approvals, new companies, alerts; empty: every staff member
    "MAIL_CA_FILE": (str, ""),  # a CA bundle to trust for the mail server's certificate; empty: the system's
    "MAIL_TIMEOUT_SECONDS": (float, 10.0),
    "MAIL_MAX_ATTEMPTS": (int, 10),
    "MAIL_BACKOFF_SECONDS": (int, 30),  # doubled after each failed attempt, at most 6 h
    "MAIL_HOLD_WARNING_MINUTES": (int, 5),  # a hold's booker is told this long before it lapses
    # the public address of the service, written into e-mails' links (never the request's Host) and into
    # display URLs and their QR codes; empty: http://127.0.0.1:8000, where `make run` serves (production must set it)
    "PUBLIC_URL": (str, ""),
    # scheduler leadership (lease on SQLite; PostgreSQL uses an advisory lock)
    "SCHEDULER_LEASE_SECONDS": (int, 30),
}


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Flask config keys from ``ONEXP_*`` variables, typed, with defaults."""
    environ = os.environ if environ is None else environ
    config: dict[str, object] = {}
    for name, (kind, default) in SETTINGS.items():
        raw = environ.get(f"ONEXP_{name}")
        if raw is None or raw == "":
            value = default
        elif kind is bool:
            value = _bool(raw)
        else:
            try:
                value = kind(raw)
            except ValueError as exc:
                raise ValueError(f"ONEXP_{name}={raw!r} is not a valid {kind.__name__}") from exc
        config[name] = value
    return config


def is_production(config: Mapping[str, object]) -> bool:
    return str(config.get("ENV", "")).strip().lower() == PRODUCTION


def secure_cookies(config: Mapping[str, object]) -> bool:
    """Whether cookies carry ``Secure``: as set, else in production (served behind HTTPS)."""
    chosen = config.get("SECURE_COOKIES")
    return is_production(config) if chosen is None else bool(chosen)


def mqtt_client_id(config: Mapping[str, object]) -> str:
    """The ingest worker's MQTT client id: as set, else derived from the secret key and the broker user.

    A device that knows a worker's id can knock it off the broker, and a clean start then drops
    its queued readings: so the default is unguessable without ``ONEXP_SECRET_KEY``, differs per
    deployment and per worker account, and stays the same across restarts, which the persistent
    session needs (rotating the secret key starts a new session: drain the old one first).
    """
    chosen = str(config.get("MQTT_CLIENT_ID") or "")
    if chosen:
        return chosen
    user = urlsplit(str(config.get("MQTT_URL") or "")).username or ""
    key = str(config.get("SECRET_KEY") or DEFAULT_SECRET_KEY).encode()
    digest = hmac.new(key, f"onexp mqtt client id\0{user}".encode(), hashlib.sha256).hexdigest()
    return f"onexp-ingest-{digest[:20]}"


class SettingsError(ValueError):
    """The settings cannot run this environment; the message lists every problem."""


def production_problems(config: Mapping[str, object]) -> list[str]:
    """What is wrong with ``config`` for production, one sentence per setting (empty: fine)."""
    problems = []
    secret = str(config.get("SECRET_KEY") or "")
    if not secret or secret == DEFAULT_SECRET_KEY:
        problems.append("ONEXP_SECRET_KEY is not set (the development default is public); set a random value")
    elif len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"ONEXP_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; use a random value")
    database = str(config.get("DATABASE_URL") or "")
    if not database or database.startswith("sqlite"):
        problems.append(
            "ONEXP_DATABASE_URL is SQLite (or unset); production runs on PostgreSQL: "
            "postgresql+psycopg://USER:PASSWORD@HOST:5432/DB"
        )
    broker = urlsplit(str(config.get("MQTT_URL") or ""))
    if not broker.username:
        problems.append(
            "ONEXP_MQTT_URL has no user, so the broker connection is anonymous: mqtt://USER:PASSWORD@HOST:1883"
        )
    elif not broker.password:
        problems.append("ONEXP_MQTT_URL has a user but no password: mqtt://USER:PASSWORD@HOST:1883")
    problems += _mail_problems(config)
    return problems


def _mail_problems(config: Mapping[str, object]) -> list[str]:
    problems = []
    mail = urlsplit(str(config.get("MAIL_URL") or ""))
    if mail.scheme not in ("smtp", "smtps") or not mail.hostname:
        problems.append(
            "ONEXP_MAIL_URL is not an SMTP server, so nobody would be told anything: "
            "smtp://USER:PASSWORD@HOST:587 (STARTTLS) or smtps://USER:PASSWORD@HOST:465"
        )
    public = urlsplit(str(config.get("PUBLIC_URL") or ""))
    if public.scheme not in ("http", "https") or not public.hostname:
        problems.append("ONEXP_PUBLIC_URL is not the service's public address (e-mails link to it): https://HOST")
    return problems


def check(config: Mapping[str, object]) -> None:
    """Refuse to run production on development settings, naming every setting that is wrong."""
    if not is_production(config):
        return
    problems = production_problems(config)
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise SettingsError(f"refusing to start with ONEXP_ENV=production:\n{lines}")

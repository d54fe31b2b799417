"""Settings read from the environment (prefix ``ONEXP_``), in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# name -> (type, default); every setting the service reads, so a typo in the
# environment is the only way to miss one.
SETTINGS: dict[str, tuple[type, object]] = {
    "DATABASE_URL": (str, None),  # None: a SQLite file in the instance folder
    "MQTT_URL": (str, "mqtt://127.0.0.1:1883"),
    "MQTT_TOPIC_PREFIX": (str, "onexp"),
    "MQTT_CLIENT_ID": (str, "onexp-ingest"),
    "MQTT_SHARED_GROUP": (str, ""),  # non-empty: subscribe through $share/<group>/...
    "SECRET_KEY": (str, DEFAULT_SECRET_KEY),
    "SITES_FILE": (str, str(CONFIG_DIR / "sites.toml")),
    "HOLD_TTL_MINUTES": (int, 15),
    "MAX_OCCURRENCES": (int, 104),  # two years of a weekly series
    "MAX_CONTENT_LENGTH": (int, 256 * 1024),
    "ENV": (str, "development"),
    "LOG_LEVEL": (str, "INFO"),
    # gunicorn (config/gunicorn.conf.py) for the web role
    "WEB_BIND": (str, "127.0.0.1:8000"),
    "WEB_WORKERS": (int, 0),  # 0: one per CPU core
    "WEB_THREADS": (int, 4),
    "WEB_ACCESS_LOG": (str, ""),  # "" off, "-" to stdout, or a file path
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

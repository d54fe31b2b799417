"""Prometheus metrics of every role, and ``/metrics`` for the web role.

Under gunicorn each worker is a process: with ``PROMETHEUS_MULTIPROC_DIR`` set (see
``config/gunicorn_hooks.py``) the workers write their values to files there and ``/metrics``
adds them up, whichever worker answers the scrape. Without it (``onexp serve``, tests) the
process's own registry is served.
"""

from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"  # 404s for made-up paths share one label value, so scans cannot blow up the series

# --- web ---------------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "onexp_http_requests", "HTTP requests answered, by route (URL rule) and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "onexp_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (URL rule)",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BOOKING_CONFLICTS = Counter(
    "onexp_booking_conflicts", "Booking requests answered 409 because the space was taken (of any kind: one, series...)"
)

# --- ingest (sensors) --------------------------------------------------------------------------
READINGS_ACCEPTED = Counter("onexp_readings_accepted", "Sensor readings stored")
READINGS_REJECTED = Counter("onexp_readings_rejected", "Sensor readings refused, by reason", ["reason"])
INGEST_LAG = Histogram(
    "onexp_ingest_lag_seconds",
    "Age of the oldest message of each stored batch: from its arrival at the worker to its commit",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

# --- scheduler ---------------------------------------------------------------------------------
JOB_RUNS = Counter("onexp_job_runs", "Scheduled job runs, by job", ["job"])
JOB_FAILURES = Counter("onexp_job_failures", "Scheduled job runs that raised, by job", ["job"])
WEBHOOK_DELIVERIES = Counter(
    "onexp_webhook_deliveries", "Webhook delivery attempts, by outcome (delivered, retrying, failed)", ["outcome"]
)

bp = Blueprint("metrics", __name__)


def route_of_request() -> str:
    """The URL rule that matched (``/api/v1/bookings/<int:booking_id>``), never the raw path."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def registry() -> CollectorRegistry:
    """This process's registry, or all gunicorn workers' values added up in multiprocess mode."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)
    return merged


@bp.get("/metrics")
def metrics():
    """Prometheus metrics, in the text exposition format."""
    return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    route = route_of_request()
    if route == "/metrics":  # scrapes would dominate the figures they are reading
        return response
    HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    if started is not None:
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
    return response


def serve_for_role(app: Flask) -> None:
    """Ingest and scheduler processes: serve their metrics on ``ONEXP_METRICS_BIND`` (host:port), if set."""
    bind = app.config.get("METRICS_BIND") or ""
    if bind:
        from prometheus_client import start_http_server

        host, _, port = bind.rpartition(":")
        start_http_server(int(port), addr=host or "0.0.0.0")


def init_app(app: Flask) -> None:
    """Count and time every request; serve ``/metrics``."""
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.register_blueprint(bp)

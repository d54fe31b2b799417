"""Prometheus metrics at /metrics: requests by route and status, latency, booking conflicts."""

from __future__ import annotations

import pytest
from clock import iso, paris
from prometheus_client import REGISTRY

from booking.infra import metrics


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_by_url_rule_not_by_raw_path(client):
    route = "/api/v1/bookings/<int:booking_id>"
    before = sample("onexp_http_requests_total", method="GET", route=route, status="401")
    client.get("/api/v1/bookings/12345")
    client.get("/api/v1/bookings/67890")
    assert sample("onexp_http_requests_total", method="GET", route=route, status="401") == before + 2


def test_paths_that_match_no_route_share_one_label(client):
    before = sample("onexp_http_requests_total", method="GET", route=metrics.UNMATCHED, status="404")
    client.get("/wp-login.php")
    client.get("/.env")
    assert sample("onexp_http_requests_total", method="GET", route=metrics.UNMATCHED, status="404") == before + 2


def test_request_latency_is_observed_per_route(client):
    before = sample("onexp_http_request_duration_seconds_count", method="GET", route="/healthz")
    client.get("/healthz")
    assert sample("onexp_http_request_duration_seconds_count", method="GET", route="/healthz") == before + 1


def test_a_booking_refused_because_the_space_is_taken_counts_as_a_conflict(client, auth, customer, monday):
    body = {
        "site": "la-coque", "space": "salle-calanques", "title": "Kick-off", "attendees": 8,
        "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12)),
    }  # fmt: skip
    assert client.post("/api/v1/bookings", json=body, headers=auth(customer)).status_code == 201
    before = sample("onexp_booking_conflicts_total")
    assert client.post("/api/v1/bookings", json=body, headers=auth(customer)).status_code == 409
    assert sample("onexp_booking_conflicts_total") == before + 1


def test_a_409_for_a_state_clash_is_not_a_booking_conflict(client, auth, customer, monday):
    body = {
        "site": "la-coque", "space": "salle-calanques", "title": "Kick-off", "attendees": 8,
        "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12)),
    }  # fmt: skip
    booking = client.post("/api/v1/bookings", json=body, headers=auth(customer)).json
    assert client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=auth(customer)).status_code == 200
    before = sample("onexp_booking_conflicts_total")
    assert client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=auth(customer)).status_code == 409
    assert sample("onexp_booking_conflicts_total") == before


@pytest.mark.parametrize(
    "name",
    [
        "onexp_http_requests_total",
        "onexp_http_request_duration_seconds",
        "onexp_booking_conflicts_total",
        "onexp_readings_accepted_total",  # the ingest worker's
        "onexp_readings_rejected_total",
        "onexp_ingest_lag_seconds",
        "onexp_job_runs_total",  # the scheduler's
        "onexp_job_failures_total",
        "onexp_webhook_deliveries_total",
    ],
)
def test_metrics_page_lists_every_metric_in_prometheus_text_format(client, name):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert f"# TYPE {name} " in response.get_data(as_text=True)


def test_scheduled_job_runs_and_failures_are_counted_per_job(app):
    from booking.jobs import Job, SchedulerRunner

    def broken(now):
        raise RuntimeError("boom")

    runner = SchedulerRunner(app, jobs=[], leadership=object())
    runner.leading.set()
    runs, failures = sample("onexp_job_runs_total", job="broken"), sample("onexp_job_failures_total", job="broken")
    runner._run_job(Job("broken", broken, 60))
    runner._run_job(Job("fine", lambda now: "ok", 60))
    assert sample("onexp_job_runs_total", job="broken") == runs + 1
    assert sample("onexp_job_failures_total", job="broken") == failures + 1
    assert sample("onexp_job_failures_total", job="fine") == 0


def test_a_role_without_a_web_server_serves_its_metrics_on_metrics_bind(app):
    import requests
    from servers import free_port

    port = free_port()
    app.config["METRICS_BIND"] = f"127.0.0.1:{port}"
    metrics.serve_for_role(app)  # a daemon thread, for the rest of this test process
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert "# TYPE onexp_readings_accepted_total counter" in text

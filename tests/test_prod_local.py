"""`make prod-local` end to end: the production topology on loopback, and PostgreSQL restarted under load."""

from __future__ import annotations

import threading
import time
from collections import Counter

import paho.mqtt.client as mqtt
import pytest
import requests
from clock import iso, next_weekday, paris
from paho.mqtt.enums import CallbackAPIVersion
from topology import ProdLocal, wait_for

TIMEOUT = 30


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    with ProdLocal(workers=2, run_dir=str(tmp_path_factory.mktemp("prod-local"))) as topology:
        yield topology


@pytest.fixture(scope="module")
def token(prod):
    prod.onexp("users", "add", "alice@acme.example", "--org", "acme", "--role", "customer", "--password", "")
    return prod.onexp("tokens", "create", "alice@acme.example").strip().splitlines()[-1]


def test_it_runs_in_production_mode_and_is_ready(prod):
    response = requests.get(prod.web_url + "/readyz", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert prod.env["ONEXP_ENV"] == "production"
    assert response.headers["X-Request-ID"]


def test_a_booking_made_on_one_worker_is_seen_by_all(prod, token):
    day = next_weekday(1)
    body = {
        "site": "la-coque", "space": "salle-frioul", "title": "Board", "attendees": 4,
        "start": iso(paris(day, 9)), "end": iso(paris(day, 10)),
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    created = requests.post(prod.web_url + "/api/v1/bookings", json=body, headers=headers, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    for _ in range(4):  # new connections, so several workers answer
        again = requests.get(f"{prod.web_url}/api/v1/bookings/{created.json()['id']}", headers=headers, timeout=TIMEOUT)
        assert again.status_code == 200


def test_the_scheduler_mails_the_booker_through_the_mail_server(prod, token):
    day = next_weekday(2)
    body = {
        "site": "la-coque", "space": "salle-frioul", "title": "Mailed board", "attendees": 4,
        "start": iso(paris(day, 9)), "end": iso(paris(day, 10)),
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.post(prod.web_url + "/api/v1/bookings", json=body, headers=headers, timeout=TIMEOUT).ok
    wait_until = time.monotonic() + TIMEOUT
    while not [r for r in prod.smtp.to("alice@acme.example") if "Mailed board" in r.message["Subject"]]:
        assert time.monotonic() < wait_until, "no confirmation reached the mail server"
        prod.smtp.wait_for(len(prod.smtp.received) + 1, timeout=TIMEOUT)
    (mailed,) = [r for r in prod.smtp.to("alice@acme.example") if "Mailed board" in r.message["Subject"]]
    assert prod.web_url + "/portal/bookings" in mailed.message.get_body(("plain",)).get_content()


def test_the_broker_refuses_anonymous_clients(prod):
    refused = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="anonymous-probe")
    client.on_connect = lambda c, u, flags, reason, props: reason.is_failure and refused.set()
    client.connect(prod.broker.host, prod.broker.port)
    client.loop_start()
    try:
        assert refused.wait(TIMEOUT)
    finally:
        client.loop_stop()
        client.disconnect()


class Load:
    """Reads in a loop from a few threads, recording every status and the Retry-After of 503s."""

    def __init__(self, url: str, threads: int = 3):
        self.url, self.statuses, self.missing_retry_after = url, Counter(), 0
        self.seen = {200: threading.Event(), 503: threading.Event()}
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            response = requests.get(self.url, timeout=TIMEOUT)
            self.statuses[response.status_code] += 1
            if response.status_code == 503 and "Retry-After" not in response.headers:
                self.missing_retry_after += 1
            if response.status_code in self.seen:
                self.seen[response.status_code].set()

    def wait_for_count(self, status: int, count: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        while self.statuses[status] < count:
            assert time.monotonic() < deadline, f"fewer than {count} answers {status} in {TIMEOUT}s: {self.statuses}"
            self.seen[status].wait(0.1)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(TIMEOUT)


def test_postgresql_restarted_under_load_gives_503_with_retry_after_then_recovers(prod):
    web_pid = prod.processes["web"].pid
    day = next_weekday(2)
    url = f"{prod.web_url}/api/v1/availability?start={iso(paris(day, 10))}&end={iso(paris(day, 11))}".replace(
        "+", "%2B"
    )
    with Load(url) as load:
        assert load.seen[200].wait(TIMEOUT)
        prod.postgres.stop()
        load.wait_for_count(503, 20)  # an outage that lasts, under load
        load.seen[200].clear()
        prod.postgres.start()
        assert load.seen[200].wait(TIMEOUT)
    assert set(load.statuses) == {200, 503}, load.statuses
    assert load.missing_retry_after == 0
    assert prod.processes["web"].pid == web_pid and prod.processes["web"].poll() is None  # not restarted
    wait_for(prod.web_url + "/readyz")

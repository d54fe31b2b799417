"""`make prod-local` end to end: the production topology on loopback behind its proxy, and PostgreSQL
restarted under load."""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
import time
from collections import Counter

import paho.mqtt.client as mqtt
import pytest
import requests
from clock import iso, next_weekday, paris
from paho.mqtt.enums import CallbackAPIVersion
from requests.adapters import HTTPAdapter
from slow_clients import SlowClients
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
    response = requests.get(prod.web_url + "/readyz", timeout=TIMEOUT, verify=prod.ca_file)
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
    created = requests.post(
        prod.web_url + "/api/v1/bookings", json=body, headers=headers, timeout=TIMEOUT, verify=prod.ca_file
    )
    assert created.status_code == 201, created.text
    for _ in range(4):  # new connections, so several workers answer
        url = f"{prod.web_url}/api/v1/bookings/{created.json()['id']}"
        again = requests.get(url, headers=headers, timeout=TIMEOUT, verify=prod.ca_file)
        assert again.status_code == 200


def test_the_scheduler_mails_the_booker_through_the_mail_server(prod, token):
    day = next_weekday(2)
    body = {
        "site": "la-coque", "space": "salle-frioul", "title": "Mailed board", "attendees": 4,
        "start": iso(paris(day, 9)), "end": iso(paris(day, 10)),
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    url = prod.web_url + "/api/v1/bookings"
    assert requests.post(url, json=body, headers=headers, timeout=TIMEOUT, verify=prod.ca_file).ok
    wait_until = time.monotonic() + TIMEOUT
    while not [r for r in prod.smtp.to("alice@acme.example") if "Mailed board" in r.message["Subject"]]:
        left = wait_until - time.monotonic()
        # once in a loaded CI run the mail did not come; the schedulers' logs say what they were doing
        assert left > 0, "no confirmation reached the mail server\n" + prod.log_tail("scheduler-1", "scheduler-2")
        with contextlib.suppress(AssertionError):
            prod.smtp.wait_for(len(prod.smtp.received) + 1, timeout=left)
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

    def __init__(self, url: str, verify: str, threads: int = 3):
        self.url, self.verify, self.statuses, self.missing_retry_after = url, verify, Counter(), 0
        self.seen = {200: threading.Event(), 503: threading.Event()}
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            response = requests.get(self.url, timeout=TIMEOUT, verify=self.verify)
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
    with Load(url, prod.ca_file) as load:
        assert load.seen[200].wait(TIMEOUT)
        prod.postgres.stop()
        load.wait_for_count(503, 20)  # an outage that lasts, under load
        load.seen[200].clear()
        prod.postgres.start()
        assert load.seen[200].wait(TIMEOUT)
    assert set(load.statuses) == {200, 503}, load.statuses
    assert load.missing_retry_after == 0
    assert prod.processes["web"].pid == web_pid and prod.processes["web"].poll() is None  # not restarted
    wait_for(prod.web_url + "/readyz", cafile=prod.ca_file)


# --- the proxy in front of the web role ---------------------------------------------------------------


def tls_context(prod) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(prod.ca_file))


def test_clients_reach_the_proxy_over_https_and_gunicorn_is_not_what_answers(prod):
    response = requests.get(prod.web_url + "/healthz", timeout=TIMEOUT, verify=prod.ca_file)
    assert response.status_code == 200
    assert response.headers["Server"] == "nginx"  # without its version: server_tokens off
    with pytest.raises(requests.exceptions.SSLError):  # a certificate nobody vouches for is refused
        requests.get(prod.web_url + "/healthz", timeout=TIMEOUT)


def test_200_slow_clients_for_30_seconds_never_keep_healthz_from_answering(prod):
    answers: Counter = Counter()
    with SlowClients("127.0.0.1", prod.port, count=200, context=tls_context(prod)) as slow:
        assert slow.all_open.wait(120), f"only {slow.held()} slow connections open"
        until = time.monotonic() + 30  # how long the attack lasts, not how fast anything answers
        while time.monotonic() < until:
            response = requests.get(prod.web_url + "/healthz", timeout=60, verify=prod.ca_file)
            answers[response.status_code] += 1
        held = slow.held()
    assert held == 200  # still holding all of them at the end
    assert answers[200] >= 3 and set(answers) == {200}, answers


def read_until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection; TimeoutError if it never does (in 2 min)."""
    sock.settimeout(120)
    answer = b""
    try:
        while chunk := sock.recv(1024):
            answer += chunk
    except (ConnectionResetError, ssl.SSLEOFError):  # reset_timedout_connection: no goodbye
        pass
    return answer


@pytest.mark.parametrize(
    "start",
    [
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # headers never finished
        b"POST /api/v1/bookings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{",  # nor the body
    ],
    ids=["headers", "body"],
)
def test_a_client_that_stops_halfway_through_its_request_is_dropped_by_the_proxy(prod, start):
    connection = socket.create_connection(("127.0.0.1", prod.port))
    with tls_context(prod).wrap_socket(connection, server_hostname="127.0.0.1") as sock:
        sock.sendall(start)
        answer = read_until_closed(sock)
    assert b" 200 " not in answer  # and nothing was answered as if the request had come whole


class FromAddress(HTTPAdapter):
    """Connections from another loopback address: another client, as the proxy sees it."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def browser(prod, address: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE, when set, would win over `verify`
    session.verify = str(prod.ca_file)
    session.mount("https://", FromAddress(address))
    return session


def sign_in(session: requests.Session, prod, email: str, password: str, headers=None) -> requests.Response:
    form = session.get(prod.web_url + "/login", timeout=TIMEOUT)
    (csrf,) = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
    data = {"csrf_token": csrf, "email": email, "password": password, "next": ""}
    # over HTTPS, Flask-WTF also wants the form posted from this very origin, as a browser says it
    headers = {"Referer": prod.web_url + "/login", **(headers or {})}
    return session.post(prod.web_url + "/login", data=data, headers=headers, timeout=TIMEOUT, allow_redirects=False)


@pytest.fixture(scope="module")
def bob(prod):
    prod.onexp("users", "add", "bob@acme.example", "--org", "acme", "--role", "customer", "--password", "bob's secret")
    return "bob@acme.example", "bob's secret"


def test_sign_in_failures_count_against_the_clients_address_whatever_it_claims(prod, bob):
    attacker, neighbour = browser(prod, "127.0.0.3"), browser(prod, "127.0.0.4")
    statuses = []
    for attempt in range(100):  # a new mailbox each time: only the per-address limit can stop it
        spoofed = f"198.51.100.{attempt}"  # and a new address claimed each time: it is not believed
        answer = sign_in(attacker, prod, f"guess{attempt}@acme.example", "guess", {"X-Forwarded-For": spoofed})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            break
    assert statuses[-1] == 429 and set(statuses) == {401, 429}, statuses
    # another client, behind the same proxy, is not the one that failed
    assert sign_in(neighbour, prod, *bob).status_code == 302


def test_the_sign_in_cookie_is_https_only_and_signs_in_through_the_proxy(prod, bob):
    session = browser(prod, "127.0.0.5")
    answer = sign_in(session, prod, *bob)
    assert answer.status_code == 302
    assert "Secure" in answer.headers["Set-Cookie"]
    assert session.get(prod.web_url + "/", timeout=TIMEOUT, allow_redirects=False).headers["Location"] != "/login"


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "//metrics", "/%6Detrics", "/metrics?x=1"])
def test_the_proxy_does_not_serve_metrics(prod, path):
    response = requests.get(prod.web_url + path, timeout=TIMEOUT, verify=prod.ca_file)
    assert response.status_code == 404
    assert "onexp_http_requests" not in response.text


def test_metrics_are_scraped_from_the_web_role_itself(prod):
    response = requests.get(prod.metrics_url("web"), timeout=TIMEOUT)
    assert response.status_code == 200
    assert "onexp_http_requests" in response.text


def test_live_occupancy_streams_through_the_proxy_event_by_event(prod):
    prod.onexp("users", "add", "desk@onexperience.example", "--role", "staff", "--password", "")
    staff = prod.onexp("tokens", "create", "desk@onexperience.example").strip().splitlines()[-1]
    url = prod.web_url + "/api/v1/sites/la-coque/occupancy/stream"
    headers = {"Authorization": f"Bearer {staff}"}
    with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT, verify=prod.ca_file) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        # the stream lasts minutes: its first event arrives while it is still open, or not at all
        first = next(line for line in response.iter_lines(decode_unicode=True) if line.startswith("event:"))
    assert first == "event: occupancy"


def test_a_feed_url_made_behind_the_proxy_is_its_https_address_and_works(prod, bob):
    session = browser(prod, "127.0.0.6")
    assert sign_in(session, prod, *bob).status_code == 302
    page = session.get(prod.web_url + "/feeds", timeout=TIMEOUT)
    (csrf,) = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    headers = {"Referer": prod.web_url + "/feeds"}
    form = {"csrf_token": csrf, "target": "organisation:"}
    made = session.post(prod.web_url + "/feeds", data=form, headers=headers, timeout=TIMEOUT)
    (url,) = re.findall(r'id="new-feed-url"[^>]* value="([^"]+)"', made.text)
    assert url.startswith(prod.web_url + "/")  # https, and the port the client used: what it can reach
    calendar = requests.get(url, timeout=TIMEOUT, verify=prod.ca_file)
    assert calendar.status_code == 200 and calendar.text.startswith("BEGIN:VCALENDAR")


@pytest.mark.parametrize(
    ("size", "refused_by"),
    [
        (300_000, "application/problem+json"),  # over the app's 256 KiB: the app says so itself
        (2_000_000, "text/html"),  # over 1 MiB: the proxy refuses before the app sees a byte
    ],
)
def test_bodies_too_large_are_refused_with_413(prod, token, size, refused_by):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = prod.web_url + "/api/v1/bookings"
    response = requests.post(url, data=b"x" * size, headers=headers, timeout=TIMEOUT, verify=prod.ca_file)
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith(refused_by)


def test_headers_too_large_are_refused_by_the_proxy(prod):
    headers = {"X-Padding": "x" * 20_000}
    response = requests.get(prod.web_url + "/healthz", headers=headers, timeout=TIMEOUT, verify=prod.ca_file)
    assert response.status_code == 400

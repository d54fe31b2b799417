"""Under gunicorn with several workers, /metrics adds up every worker's counts."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests
from servers import free_port

WORKERS = 3
REQUESTS = 30


def wait_until_answering(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not bound yet; workers still booting
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@pytest.fixture
def metrics_dir(tmp_path):
    path = tmp_path / "metrics"
    path.mkdir()
    (path / "counter_1.db").write_bytes(b"left over by a previous run")
    return path


@pytest.fixture
def gunicorn(tmp_path, metrics_dir):
    port = free_port()
    env = os.environ | {
        "ONEXP_DATABASE_URL": f"sqlite:///{tmp_path / 'onexp.sqlite'}",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "ONEXP_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn_hooks", "-w", str(WORKERS)]
    proc = subprocess.Popen([*command, "-b", f"127.0.0.1:{port}", "booking:create_app()"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url + "/healthz", proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def healthz_count(text: str) -> float:
    prefix = 'onexp_http_requests_total{method="GET",route="/healthz",status="200"} '
    return sum(float(line.removeprefix(prefix)) for line in text.splitlines() if line.startswith(prefix))


def test_metrics_add_up_every_workers_requests(gunicorn):
    before = healthz_count(requests.get(gunicorn + "/metrics", timeout=15).text)
    for _ in range(REQUESTS):  # one connection each, so the workers share them
        requests.get(gunicorn + "/healthz", headers={"Connection": "close"}, timeout=15)
    for _ in range(WORKERS):  # whichever worker answers the scrape, it sees them all
        assert healthz_count(requests.get(gunicorn + "/metrics", timeout=15).text) == before + REQUESTS


def test_files_of_a_previous_run_are_cleared_at_start(gunicorn, metrics_dir):
    assert not (metrics_dir / "counter_1.db").exists()

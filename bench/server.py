"""Serve an app with gunicorn and config/gunicorn.conf.py, as production does, for the length of a bench."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(port: int, probe: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", probe)
        status = conn.getresponse().status
        conn.close()
        return status < 500
    except OSError:
        return False


@dataclass
class Served:
    port: int
    pid: int  # gunicorn's master: its workers are its children


@contextlib.contextmanager
def gunicorn(app: str, *, env: dict[str, str], probe: str, log: Path) -> Iterator[Served]:
    """Run ``gunicorn -c config/gunicorn.conf.py APP`` on a free port."""
    port = free_port()
    environ = {**os.environ, **env, "ONEXP_WEB_BIND": f"127.0.0.1:{port}", "ONEXP_WEB_ACCESS_LOG": ""}
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(CONFIG), app]
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _ready(port, probe):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} did not start; see {log}")
            time.sleep(0.1)
        yield Served(port, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""`make prod-local`: the production topology on this machine, without containers, until Ctrl-C.

Options: --workers N (gunicorn workers, default 3), --port P (the proxy's HTTPS port, default: a free one).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # servers.py, topology.py

from topology import ProdLocal  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    print("starting PostgreSQL, Mosquitto, migrations, then the roles...", flush=True)
    prod = ProdLocal(workers=args.workers, port=args.port)
    with prod:
        print(f"""
OneXperience Booking, production topology (ONEXP_ENV=production) on loopback:
  web        {prod.web_url}/   (nginx, HTTPS)  /readyz  /api/docs
             its self-signed certificate: {prod.ca_file}  (curl --cacert, or accept it in the browser)
  gunicorn   {prod.gunicorn_url}   ({prod.workers} workers, behind the proxy: for scrapes only)
  database   {prod.database_url}
  broker     mqtt://127.0.0.1:{prod.broker.port} (on loopback), mqtts://127.0.0.1:{prod.broker.tls_port}
  mail       {prod.smtp.url}   (a local SMTP server in this process: it keeps what it receives)
  roles      {", ".join(f"{name} (pid {pid})" for name, pid in prod.running().items())}
  metrics    {", ".join(prod.metrics_url(name) for name in prod.running())}
  logs       {prod.run_dir}/<role>.log
Ctrl-C stops everything.""", flush=True)  # fmt: skip
        while not stop.wait(1):
            for name, proc in prod.processes.items():
                if proc.poll() is not None and not getattr(proc, "reported", False):
                    proc.reported = True
                    print(f"{name} exited with {proc.returncode}; see {prod.log_file(name)}", flush=True)
        print("stopping...", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

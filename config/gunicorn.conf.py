"""gunicorn settings for the web role: ``gunicorn -c config/gunicorn.conf.py 'booking:create_app()'``.

Everything comes from ``ONEXP_WEB_*`` (config/settings.py). The defaults suit a small
machine: one worker per core, 4 threads each (2 × 4 on 2 cores). Measured with make bench on
2 cores, booking throughput was 158 req/s with 2 workers and 90 with the usual 2 × cores + 1:
the work is CPU-bound Python, and extra processes only fight over the cores. Threads cover
the waits on PostgreSQL. The web role is stateless, so scaling means more cores, workers or
replicas; no MQTT client or scheduler ever runs in here. Clients reach it through nginx
(config/nginx/onexp.conf.template), which holds slow clients so that no thread waits on one.
"""

from __future__ import annotations

import multiprocessing
import os

from config.settings import from_environ

_settings = from_environ()

bind = [address.strip() for address in _settings["WEB_BIND"].split(",") if address.strip()]
workers = _settings["WEB_WORKERS"] or multiprocessing.cpu_count()
threads = max(1, _settings["WEB_THREADS"])
# threads need the gthread worker; it also keeps client connections alive between requests
worker_class = "gthread" if threads > 1 else "sync"
keepalive = 5
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 20  # on SIGTERM, in-flight requests get this long to finish
# the heartbeat file is touched constantly: keep it off a disk-backed /tmp in containers
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The proxy's X-Forwarded-* are trusted in one place, the app (ONEXP_PROXY_HOPS), whatever the
# proxy's address: gunicorn would otherwise take X-Forwarded-Proto from any client on loopback.
forwarded_allow_ips = ""
accesslog = _settings["WEB_ACCESS_LOG"] or None
errorlog = "-"
loglevel = str(_settings["LOG_LEVEL"]).lower()

# Prometheus multiprocess mode: importing the hooks also sets PROMETHEUS_MULTIPROC_DIR before
# any worker imports prometheus_client, so /metrics adds up every worker's counters.
from config.gunicorn_hooks import child_exit, control_socket_disable, on_starting  # noqa: E402, F401

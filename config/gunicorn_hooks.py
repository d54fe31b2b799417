"""Gunicorn server hooks for Prometheus' multiprocess mode; ``config/gunicorn.conf.py`` imports them.

Each gunicorn worker is its own process with its own counters. In multiprocess mode they write
their values to files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds them up. The
directory must be known before ``prometheus_client`` is first imported (it picks its value
class then), so ``use_multiprocess_dir()`` runs while the config is read, before any app import;
``on_starting`` empties it (a previous run's files would be counted again) and ``child_exit``
lets the dead worker's live gauges go.

Also usable alone as a config module: ``gunicorn -c python:config.gunicorn_hooks ...``.
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def use_multiprocess_dir() -> str:
    """Make sure ``PROMETHEUS_MULTIPROC_DIR`` names an existing directory; return it."""
    path = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="onexp-metrics-")
    os.makedirs(path, exist_ok=True)
    if os.environ.get(MULTIPROC_ENV) != path and "prometheus_client" in sys.modules:
        # Too late for this process: the workers would count in memory, each on its own.
        print(f"warning: set {MULTIPROC_ENV} before gunicorn starts; /metrics shows one worker", file=sys.stderr)
    os.environ[MULTIPROC_ENV] = path
    return path


def on_starting(server) -> None:
    """Start from an empty metrics directory: old workers' files would be added to the new ones."""
    for stale in glob.glob(os.path.join(use_multiprocess_dir(), "*.db")):
        os.remove(stale)


def child_exit(server, worker) -> None:
    """A worker died or was replaced: drop its live gauges (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


use_multiprocess_dir()

# gunicorn >= 25 opens a control socket in $HOME by default: one per user, so two gunicorns on one
# machine fight over it, and in the image $HOME does not exist. Nothing here uses it.
control_socket_disable = True

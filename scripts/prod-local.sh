#!/usr/bin/env bash
# `make prod-local`: PostgreSQL, Mosquitto (config/mosquitto.conf: password + ACL), migrations once,
# nginx (HTTPS, self-signed) in front of gunicorn with several workers, two ingest workers on a shared
# subscription and the scheduler with a standby, all local, with ONEXP_ENV=production. Ctrl-C (or
# SIGTERM) stops everything. Args go to scripts/prod_local.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/prod_local.py "$@"

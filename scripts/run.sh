#!/usr/bin/env bash
# `make run`: migrate and seed a SQLite database, make sure a broker runs, start everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}  # HOST=0.0.0.0 make run: tablets on the network can reach their door displays
export ONEXP_MQTT_URL=${ONEXP_MQTT_URL:-mqtt://127.0.0.1:1883}

"$BIN/onexp" db upgrade
"$BIN/onexp" seed --demo

# A local broker: use the one listening on 1883, or start one for this session.
if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  mkdir -p instance
  conf="$PWD/instance/mosquitto.conf"
  # loopback only, anonymous, sessions kept across restarts of the broker
  {
    echo "listener 1883 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence true"
    echo "persistence_location $PWD/instance/"
    echo "max_queued_messages 10000"
    [ "$(id -u)" = 0 ] && echo "user root"
  } > "$conf"
  echo "starting a local Mosquitto on 127.0.0.1:1883"
  mosquitto -c "$conf" -d
fi

echo
echo "OneXperience Booking: open http://127.0.0.1:${PORT}/  (API docs: http://127.0.0.1:${PORT}/api/docs)"
echo "Live occupancy: http://127.0.0.1:${PORT}/api/v1/sites/la-coque/occupancy  (simulated sensors; Ctrl-C stops everything)"
echo "A door display for a tablet: $BIN/onexp displays create la-coque salle-frioul --base-url http://<this machine>:${PORT}"
echo "  (HOST=0.0.0.0 make run lets tablets on the network reach it)"
echo
exec "$BIN/onexp" serve --host "$HOST" --port "$PORT" --simulate

#!/usr/bin/env bash
# Make sure the system programs the test suite starts by itself are installed:
# PostgreSQL server binaries (initdb/pg_ctl/postgres, plus btree_gist which
# Debian 12 ships in the server package), mosquitto, nginx (the proxy in front of
# the web role), openssl (the self-signed certificates of make prod-local), with
# --browser chromium, and with --node Node.js and npm (the calendar tests read
# .ics files with Mozilla's ical.js).
#
# Idempotent and quick when everything is present: no apt call at all then.
# When something is missing it runs `apt-get update` once and installs only
# what is missing. Exits non-zero with a clear message when it cannot install
# (not root and no sudo, no apt-get, apt failure).
#
# Usage: scripts/ensure-system-packages.sh [--browser] [--node]
set -euo pipefail

want_browser=0
want_node=0
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        --node) want_node=1 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "ensure-system-packages: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

# The server binaries live in a versioned directory, not on PATH.
have_postgres_server() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            # btree_gist is needed by the exclusion constraints; check it too.
            local ver
            ver=$(basename "$(dirname "$d")")
            [ -f "/usr/share/postgresql/$ver/extension/btree_gist.control" ] && return 0
        fi
    done
    # Not a Debian layout (e.g. a source build): accept it when it is on PATH.
    command -v initdb >/dev/null && command -v pg_ctl >/dev/null && command -v postgres >/dev/null
}

# mosquitto lives in /usr/sbin, which a non-root PATH may not contain.
have_mosquitto() {
    command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ]
}

# nginx lives in /usr/sbin too.
have_nginx() {
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]
}

have_openssl() {
    command -v openssl >/dev/null
}

have_chromium() {
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null
}

have_node() {
    command -v node >/dev/null && command -v npm >/dev/null
}

missing=()
have_postgres_server || missing+=(postgresql)
have_mosquitto || missing+=(mosquitto)
have_nginx || missing+=(nginx)
have_openssl || missing+=(openssl)
if [ "$want_browser" = 1 ]; then
    have_chromium || missing+=(chromium)
fi
if [ "$want_node" = 1 ]; then
    have_node || missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

fail() {
    echo "ensure-system-packages: $*" >&2
    echo "ensure-system-packages: please install these Debian packages by hand: ${missing[*]}" >&2
    exit 1
}

command -v apt-get >/dev/null || fail "apt-get not found (not a Debian/Ubuntu machine?)"

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    fail "not root and sudo is not installed, so cannot install: ${missing[*]}"
fi

echo "ensure-system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive

# Whether Debian's postinst starts the distro services (postgresql on 5432,
# mosquitto on 1883, nginx on 80) does not matter: the test suite starts its own throwaway
# servers on free ports with private socket directories, so we leave that alone.

# sudo resets the environment; pass DEBIAN_FRONTEND explicitly via env.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update \
    || fail "apt-get update failed"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" \
    || fail "apt-get install ${missing[*]} failed"

# Check again: a package name that installs but does not provide what we need
# should fail here, not later with a confusing error in the tests.
have_postgres_server || fail "postgresql installed but initdb/pg_ctl/postgres or btree_gist still not found"
have_mosquitto || fail "mosquitto installed but the mosquitto binary is still not found"
have_nginx || fail "nginx installed but the nginx binary is still not found"
have_openssl || fail "openssl installed but the openssl binary is still not found"
if [ "$want_browser" = 1 ]; then
    have_chromium || fail "chromium installed but the chromium binary is still not found"
fi
if [ "$want_node" = 1 ]; then
    have_node || fail "nodejs and npm installed but node or npm is still not found"
fi
echo "ensure-system-packages: done" >&2

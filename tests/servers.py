"""Throwaway PostgreSQL and Mosquitto servers for the test suite.

The tests talk to real servers, never mocks, and never skip because a server
is missing: a skipped test hides a missing install step. So each class starts
its own private server on a free port in a temporary directory, which makes
the run independent of whatever the machine already runs on 5432/1883 and
lets fault tests stop, restart or kill it. A missing binary is an error that
names the fix, ``scripts/ensure-system-packages.sh``.

    with PostgresServer() as pg:          # or pg = PostgresServer().start()
        url = pg.create_database("t1")    # postgresql+psycopg://postgres@127.0.0.1:PORT/t1
        pg.restart()                      # same port, same data

    with MosquittoBroker() as mq:
        mq.host, mq.port, mq.url          # mqtt://127.0.0.1:PORT
        mq.restart(); mq.kill(); mq.start()

Environment overrides, to use an existing server instead of starting one
(restart/stop/kill are then refused, since the server is not ours):
    ONEXP_TEST_POSTGRES_URL  e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    ONEXP_TEST_MQTT_URL      e.g. mqtt://127.0.0.1:1883

Only the standard library is used, except psycopg (a project dependency) to
create databases.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Sequence

ENSURE_SCRIPT = "scripts/ensure-system-packages.sh"
POSTGRES_ENV = "ONEXP_TEST_POSTGRES_URL"
MQTT_ENV = "ONEXP_TEST_MQTT_URL"
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now.

    There is a small race (someone may take it before the server binds), so
    the servers retry with a fresh port when the first bind fails.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _missing(binary: str, package: str) -> RuntimeError:
    return RuntimeError(
        f"{binary!r} not found: the tests need a real {package} server. "
        f"Install it with `{ENSURE_SCRIPT}` (Debian package {package!r}), "
        f"or point {POSTGRES_ENV if package == 'postgresql' else MQTT_ENV} at a running server."
    )


def _tail(path: str, limit: int = 4000) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()[-limit:]
    except OSError as e:
        return f"(cannot read {path}: {e})"


def _port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class PostgresServer:
    """A private PostgreSQL cluster in a temp dir, or an existing one via the env."""

    def __init__(self, external_url: str | None = None):
        self.external_url = external_url or os.environ.get(POSTGRES_ENV) or None
        self.host = HOST
        self.port: int | None = None
        self.dir: str | None = None
        self._bin: str | None = None
        self._running = False
        self._atexit = False
        self._databases: list[str] = []  # made by us on an external server; dropped on cleanup
        if self.external_url:
            parts = urllib.parse.urlsplit(self.external_url)
            self.host, self.port = parts.hostname or HOST, parts.port or 5432

    # --- paths and commands -------------------------------------------------

    @staticmethod
    def find_bindir() -> str:
        """Debian keeps initdb/pg_ctl in /usr/lib/postgresql/<ver>/bin, off PATH."""
        dirs = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.isfile(d + "/initdb")]
        if dirs:
            # numeric sort so that 9.6 < 15 < 16
            def version(d):
                return [int(x) for x in re.findall(r"\d+", d.split("/")[-2])]

            return max(dirs, key=version)
        initdb = shutil.which("initdb")
        if initdb and shutil.which("pg_ctl"):
            return os.path.dirname(initdb)
        raise _missing("initdb", "postgresql")

    @property
    def data_dir(self) -> str:
        return os.path.join(self.dir, "data")

    @property
    def log_file(self) -> str:
        return os.path.join(self.dir, "postgres.log")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [os.path.join(self._bin, args[0]), *args[1:]]
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # cwd: the postgres user may not be able to enter the caller's cwd.
        proc = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        return proc

    # --- lifecycle -----------------------------------------------------------

    def start(self) -> PostgresServer:
        if self.external_url:
            self._connect("postgres").close()  # fail early and clearly if it is not there
            return self
        if self._running:
            return self
        if self.dir is None:
            self._init_cluster()
        # A fresh start may pick a new port when the first one was taken
        # meanwhile; a restart must keep its port (clients hold the URL).
        attempts = 1 if self.port else 5
        for attempt in range(attempts):
            port = self.port or free_port()
            proc = self._pg_ctl_start(port)
            if proc.returncode == 0:
                self.port = port
                self._running = True
                self._register_atexit()
                return self
            if "could not bind" not in _tail(self.log_file) or attempt == attempts - 1:
                raise RuntimeError(
                    f"pg_ctl start failed on port {port} ({proc.returncode}):\n"
                    f"{proc.stdout}{proc.stderr}\n--- {self.log_file} ---\n{_tail(self.log_file)}"
                )
        raise AssertionError("unreachable")

    def _init_cluster(self) -> None:
        self._bin = self.find_bindir()
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise RuntimeError("as root, PostgreSQL needs `runuser` (util-linux) to start")
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root, but there is no `postgres` OS user to run PostgreSQL as; "
                    f"install the Debian package with `{ENSURE_SCRIPT}`"
                ) from None
        self.dir = tempfile.mkdtemp(prefix="onexp-pg-")
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)  # other users may use the socket dir inside
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        # trust auth + no fsync: a throwaway cluster, speed over durability.
        initdb_args = ["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]
        self._run("initdb", "-D", self.data_dir, *initdb_args)

    def _pg_ctl_start(self, port: int) -> subprocess.CompletedProcess:
        opts = " ".join(
            [
                f"-p {port}",
                f"-c listen_addresses={HOST}",
                f"-k {self.dir}",  # our own socket dir: /var/run/postgresql may not exist
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        args = ["-D", self.data_dir, "-l", self.log_file, "-o", opts, "-w", "-t", "60", "start"]
        return self._run("pg_ctl", *args, check=False)

    def _register_atexit(self) -> None:
        # Don't leave a server behind when a test run dies before cleanup().
        if not self._atexit:
            atexit.register(self.cleanup)
            self._atexit = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode is pg_ctl's: smart, fast or immediate (a crash)."""
        self._refuse_external("stop")
        if self._running:
            self._run("pg_ctl", "-D", self.data_dir, "-m", mode, "-w", "-t", "60", "stop")
            self._running = False

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again on the same port, keeping the data."""
        self._refuse_external("restart")
        self.stop(mode)
        self.start()

    def cleanup(self) -> None:
        """Stop the server and delete its directory (external: drop our databases)."""
        if self.external_url:
            for name in reversed(self._databases):
                with contextlib.suppress(Exception):
                    self.drop_database(name)
            return
        if self._running:
            with contextlib.suppress(Exception):
                self.stop("immediate")
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
            self.port = None

    def _refuse_external(self, what: str) -> None:
        if self.external_url:
            raise RuntimeError(
                f"cannot {what} PostgreSQL given by {POSTGRES_ENV}={self.external_url}: "
                f"it is not ours; unset {POSTGRES_ENV} to run tests that {what} the server"
            )

    # --- databases -----------------------------------------------------------

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        if self.external_url:
            parts = urllib.parse.urlsplit(self.external_url)
            return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/{dbname}"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database."""
        if self.external_url:
            return self.external_url
        return self.url_for("postgres")

    def _connect(self, dbname: str):
        import psycopg  # lazily: only needed once a server exists

        # libpq does not know SQLAlchemy's "+driver" suffix.
        conninfo = re.sub(r"^postgresql\+\w+://", "postgresql://", self.url_for(dbname))
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)

    def create_database(self, name: str) -> str:
        """Create (or re-create: they are throwaway) database `name`; return its URL."""
        from psycopg import sql

        ident = sql.Identifier(name)
        with self._connect("postgres") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
        if name not in self._databases:
            self._databases.append(name)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        ident = sql.Identifier(name)
        with self._connect("postgres") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        if name in self._databases:
            self._databases.remove(name)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()


class MosquittoBroker:
    """A private Mosquitto broker with persistence in a temp dir, or an existing one."""

    def __init__(self, external_url: str | None = None, *, anonymous: bool = True, extra_config: Sequence[str] = ()):
        """``anonymous=False`` and ``extra_config`` (e.g. password_file/acl_file lines) test a secured broker."""
        self.external_url = external_url or os.environ.get(MQTT_ENV) or None
        self.anonymous = anonymous
        self.extra_config = list(extra_config)
        self.host = HOST
        self.port: int | None = None
        self.dir: str | None = None
        self.proc: subprocess.Popen | None = None
        self._atexit = False
        if self.external_url:
            parts = urllib.parse.urlsplit(self.external_url)
            self.host, self.port = parts.hostname or HOST, parts.port or 1883

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def log_file(self) -> str:
        return os.path.join(self.dir, "mosquitto.log")

    @staticmethod
    def find_binary() -> str:
        # /usr/sbin is not on a non-root user's PATH on Debian.
        found = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
        if not found:
            raise _missing("mosquitto", "mosquitto")
        return found

    def _write_config(self, port: int) -> str:
        lines = [
            f"listener {port} {HOST}",
            f"allow_anonymous {'true' if self.anonymous else 'false'}",
            # Persistent sessions (clean_session=False) and their queued QoS 1/2
            # messages must survive restart(): keep them on disk, saved every
            # second, and once more on a clean SIGTERM shutdown.
            "persistence true",
            f"persistence_location {self.dir}/",
            "autosave_interval 1",
            "max_queued_messages 100000",
            f"log_dest file {self.log_file}",
            *self.extra_config,
        ]
        if os.geteuid() == 0:
            # As root mosquitto would drop to the `mosquitto` user, which cannot
            # write to our temp dir (and may not exist); stay root instead.
            lines.append("user root")
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return conf

    def start(self) -> MosquittoBroker:
        if self.external_url:
            if not _port_accepts(self.host, self.port):
                raise RuntimeError(f"no MQTT broker answers at {MQTT_ENV}={self.external_url}")
            return self
        if self.proc is not None:
            return self
        binary = self.find_binary()
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="onexp-mqtt-")
        # As for PostgreSQL: a restart keeps its port, a fresh start retries.
        attempts = 1 if self.port else 5
        for attempt in range(attempts):
            port = self.port or free_port()
            conf = self._write_config(port)
            log_offset = os.path.getsize(self.log_file) if os.path.exists(self.log_file) else 0
            # stdout/stderr: errors from before the log file is opened land here.
            with open(os.path.join(self.dir, "mosquitto.out"), "ab") as out:
                proc = subprocess.Popen([binary, "-c", conf], stdout=out, stderr=subprocess.STDOUT, cwd=self.dir)
            if self._wait_ready(proc, port, log_offset):
                self.proc, self.port = proc, port
                self._register_atexit()
                return self
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
            log = _tail(self.log_file) + _tail(os.path.join(self.dir, "mosquitto.out"))
            if "in use" not in log or attempt == attempts - 1:
                raise RuntimeError(f"mosquitto did not start on port {port} (exit {proc.returncode}):\n{log}")
        raise AssertionError("unreachable")

    def _wait_ready(self, proc: subprocess.Popen, port: int, log_offset: int, timeout: float = 15) -> bool:
        # A bare TCP probe is not enough: if someone else holds the port, the
        # probe connects to *them* while our mosquitto has exited. So wait for
        # this launch's own "running" log line (written after it has bound),
        # with the process still alive, and then for the port.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            with contextlib.suppress(OSError), open(self.log_file, errors="replace") as f:
                f.seek(log_offset)
                if " running" in f.read() and _port_accepts(HOST, port):
                    return True
            time.sleep(0.05)
        return False

    def _register_atexit(self) -> None:
        # Don't leave a server behind when a test run dies before cleanup().
        if not self._atexit:
            atexit.register(self.cleanup)
            self._atexit = True

    def stop(self) -> None:
        """SIGTERM and wait, so mosquitto writes its persistence file."""
        self._refuse_external("stop")
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def kill(self) -> None:
        """SIGKILL: a crash; only what was autosaved (≤ 1 s ago) survives."""
        self._refuse_external("kill")
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self) -> None:
        """Stop cleanly and start again on the same port with the same persistence."""
        self._refuse_external("restart")
        self.stop()
        self.start()

    def cleanup(self) -> None:
        if self.external_url:
            return
        if self.proc is not None:
            self.kill()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
            self.port = None

    def _refuse_external(self, what: str) -> None:
        if self.external_url:
            raise RuntimeError(
                f"cannot {what} the MQTT broker given by {MQTT_ENV}={self.external_url}: "
                f"it is not ours; unset {MQTT_ENV} to run tests that {what} the broker"
            )

    def __enter__(self) -> MosquittoBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

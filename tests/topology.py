"""The production topology on one machine, without containers (what ``make prod-local`` starts).

A throwaway PostgreSQL, a Mosquitto on config/mosquitto.conf (password file + config/mosquitto.acl),
an SMTP server that keeps what it receives (``prod.smtp.received``), migrations run once, nginx
(config/nginx/onexp.conf.template, HTTPS with a self-signed certificate) in front of gunicorn with
several workers, and, when this checkout has them, two
``onexp ingest`` workers on one shared subscription and two ``onexp scheduler`` (one active,
one standby). Everything runs with ``ONEXP_ENV=production`` and generated secrets, on loopback.
Fault tests and the soak bench drive it: ``stop``/``kill``/``start`` any role, restart the
servers.

    with ProdLocal(workers=3) as prod:
        prod.web_url, prod.mqtt_url, prod.database_url
        prod.kill("ingest-1"); prod.postgres.restart(); prod.broker.restart()

Uses tests/servers.py for the servers, so it runs from a script as well as from a test.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from mailserver import SmtpServer
from servers import ENSURE_SCRIPT, HOST, MosquittoBroker, PostgresServer, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WEB_MQTT_USER = "onexp-web"  # web and scheduler: credentials production asks for, no rights in the ACL
INGEST_USERS = {"ingest-1": "onexp-ingest-1", "ingest-2": "onexp-ingest-2"}  # one account each (ACL)
SHARED_GROUP = "onexp-ingest"
MOSQUITTO_CONF = ROOT / "config" / "mosquitto.conf"
MOSQUITTO_ACL = ROOT / "config" / "mosquitto.acl"
PROXY_TEMPLATE = ROOT / "config" / "nginx" / "onexp.conf.template"


def self_signed_certificate(directory: Path, name: str = "onexp-prod-local") -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 and localhost, made once per directory (openssl)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    if not cert.exists():
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "30", "-subj", f"/CN={name}",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True, capture_output=True,
        )  # fmt: skip
    return cert, key


class ProductionBroker(MosquittoBroker):
    """Mosquitto on ``config/mosquitto.conf`` itself, with ``config/mosquitto.acl`` and a password file.

    Only what belongs to the machine changes: each listener gets a free port (keeping its bind
    address; one the file leaves on every interface gets 127.0.0.1 unless ``loopback_only`` is
    false), and the paths, the log and the TLS certificate are this run's.
    """

    PER_HOST = {"password_file", "acl_file", "persistence_location", "certfile", "keyfile", "log_dest"}

    def __init__(self, users: dict[str, str], *, loopback_only: bool = True):
        super().__init__(external_url=None)
        self.external_url, self.host, self.port = None, HOST, None  # never ONEXP_TEST_MQTT_URL's broker
        self.users, self.loopback_only = users, loopback_only
        self.reference = [line for line in MOSQUITTO_CONF.read_text().splitlines() if line and line[0] != "#"]
        self.listener_ports: list[int] = []
        self.certificate: Path | None = None

    @property
    def tls_port(self) -> int:
        """The port of the listener with the certificate (the file's second)."""
        return self.listener_ports[1]

    def _write_config(self, port: int) -> str:
        directory = Path(self.dir)
        passwd = directory / "passwd"
        if not passwd.exists():
            passwd.touch(mode=0o600)
            for user, password in self.users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
        cert, key = self_signed_certificate(directory)
        self.certificate = cert  # what a TLS client trusts
        listeners = sum(line.split()[0] == "listener" for line in self.reference)
        if not self.listener_ports or self.listener_ports[0] != port:
            self.listener_ports = [port, *(free_port() for _ in range(listeners - 1))]
        paths = {
            "password_file": passwd, "acl_file": MOSQUITTO_ACL, "persistence_location": f"{directory}/",
            "certfile": cert, "keyfile": key, "log_dest": f"file {self.log_file}",
        }  # fmt: skip
        ports, lines = iter(self.listener_ports), []
        for line in self.reference:
            name, *values = line.split()
            if name == "listener":
                address = values[1] if len(values) > 1 else (HOST if self.loopback_only else "")
                lines.append(f"listener {next(ports)} {address}".rstrip())
            elif name in self.PER_HOST:
                lines.append(f"{name} {paths[name]}")
            else:
                lines.append(line)
        lines.append("log_type information")  # its "running" line, which start() waits for
        if os.geteuid() == 0:
            lines.append("user root")  # as root it would switch to `mosquitto`, who cannot read our files
        conf = directory / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        return str(conf)


def render_template(template: Path, values: dict[str, str]) -> str:
    """What envsubst makes of ``template`` given only these variables: nginx's own ``$host`` stays."""
    text = template.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    left = sorted(set(re.findall(r"\$\{(\w+)\}", text)))
    if left:
        raise ValueError(f"{template.name}: no value for {', '.join(left)}")
    return text


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not found:
        raise RuntimeError(
            f"'nginx' not found: prod-local puts it in front of gunicorn. Install it with `{ENSURE_SCRIPT}`"
        )
    return found


def proxy_main_config(run_dir: Path, server_configs: list[Path]) -> str:
    """An nginx.conf like the official image's (its http {} includes conf.d), with this run's paths."""
    temp = run_dir / "nginx"
    temp.mkdir(exist_ok=True)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    paths = "".join(f"    {kind}_temp_path {temp / kind};\n" for kind in kinds)
    includes = "".join(f"    include {path};\n" for path in server_configs)
    # as root, workers would switch to nobody, who cannot enter this run's directory
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes auto;
pid {temp / "nginx.pid"};
error_log stderr warn;
events {{
    worker_connections 1024;
}}
http {{
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_timeout 65;
{paths}{includes}}}
"""


def onexp_commands() -> set[str]:
    """The subcommands this checkout's ``onexp`` has (ingest and scheduler arrive with other branches)."""
    out = subprocess.run([str(BIN / "onexp"), "--help"], capture_output=True, text=True, env=_bare_env()).stdout
    commands, listing = set(), False
    for line in out.splitlines():
        if line.strip() == "Commands:":
            listing = True
        elif listing and line.startswith("  ") and line.strip():
            commands.add(line.split()[0])
    return commands


def _bare_env() -> dict[str, str]:
    """The caller's environment without ONEXP_* settings, which would leak into the topology."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ONEXP_") and k != "PROMETHEUS_MULTIPROC_DIR"}


def wait_for(
    url: str, *, status: int = 200, timeout: float = 60, alive: subprocess.Popen | None = None,
    cafile: Path | None = None,
) -> None:  # fmt: skip
    """Poll ``url`` until it answers ``status`` (over HTTPS: trusting ``cafile``)."""
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            raise RuntimeError(f"exited with {alive.returncode} while waiting for {url}")
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:
                if response.status == status:
                    return
                last = str(response.status)
        except urllib.error.HTTPError as error:
            last = f"{error.code} {error.read()[:300]!r}"
            if error.code == status:
                return
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer {status} within {timeout}s (last: {last})")


class ProdLocal:
    """PostgreSQL + Mosquitto + migrations + nginx + gunicorn + ingest x2 + scheduler x2, as processes.

    ``web_url`` is the proxy's (HTTPS, its certificate in ``ca_file``), as clients see the service;
    ``gunicorn_url`` the web role's own address, which only the proxy and the scrapes use.
    """

    def __init__(
        self, *, workers: int = 3, port: int | None = None, run_dir: str | None = None,
        devices: tuple[str, ...] = (), env: dict[str, str] | None = None,
    ):  # fmt: skip
        """``port``: the proxy's; ``devices``: sensor ids that get broker accounts (the ACL lets each
        publish its own topics)."""
        self.workers = workers
        self.port = port
        self.web_port: int | None = None
        self.run_dir = Path(run_dir or tempfile.mkdtemp(prefix="onexp-prod-local-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.mqtt_password = secrets.token_urlsafe(16)
        # one account per ingest worker: the broker makes it the client id (config/mosquitto.conf)
        self.ingest_passwords = {user: secrets.token_urlsafe(16) for user in INGEST_USERS.values()}
        self.device_passwords = {device: secrets.token_urlsafe(12) for device in devices}
        self.extra_env = env or {}
        self.postgres = PostgresServer(external_url=None)
        self.broker = ProductionBroker({**self.ingest_passwords, **self.device_passwords})
        self.smtp = SmtpServer()  # a local relay: plain SMTP on loopback, no credentials
        self.processes: dict[str, subprocess.Popen] = {}
        self.metrics_ports: dict[str, int] = {}
        self.commands: dict[str, list[str]] = {}
        self.env: dict[str, str] = {}
        self.database_url = ""

    # --- the servers and the settings ---------------------------------------------------------

    @property
    def web_url(self) -> str:
        """The service's address: the proxy."""
        return f"https://{HOST}:{self.port}"

    @property
    def gunicorn_url(self) -> str:
        """The web role behind the proxy: for the proxy and for Prometheus, not for clients."""
        return f"http://{HOST}:{self.web_port}"

    @property
    def ca_file(self) -> Path:
        """The proxy's self-signed certificate: what a client of ``web_url`` trusts."""
        return self.run_dir / "onexp-prod-local.crt"

    @property
    def mqtt_url(self) -> str:
        """The web and scheduler roles' broker URL: they never connect with it (see config/mosquitto.acl)."""
        return f"mqtt://{WEB_MQTT_USER}:{self.mqtt_password}@{HOST}:{self.broker.port}"

    def ingest_url(self, name: str) -> str:
        """Ingest worker ``name``'s broker URL, with its own account."""
        user = INGEST_USERS[name]
        return f"mqtt://{user}:{self.ingest_passwords[user]}@{HOST}:{self.broker.port}"

    def start(self) -> ProdLocal:
        try:
            self.postgres.start()
            # a fresh name: on a shared server (ONEXP_TEST_POSTGRES_URL) nobody else's database is touched
            self.database_url = self.postgres.create_database(f"onexp_prod_{secrets.token_hex(4)}")
            self.broker.start()
            self.smtp.start()
            self.port = self.port or free_port()
            self.web_port = free_port()
            self._write_proxy_config()
            self.env = (
                _bare_env()
                | {
                    "ONEXP_ENV": "production",
                    "ONEXP_SECRET_KEY": secrets.token_urlsafe(48),
                    "ONEXP_DATABASE_URL": self.database_url,
                    "ONEXP_MQTT_URL": self.mqtt_url,
                    "ONEXP_MAIL_URL": self.smtp.url,
                    "ONEXP_PUBLIC_URL": self.web_url,
                    "ONEXP_LOG_FORMAT": "json",
                    "ONEXP_PROXY_HOPS": "1",  # X-Forwarded-* from the proxy, and only from it
                    "ONEXP_LOG_LEVEL": os.environ.get("ONEXP_LOG_LEVEL", "INFO"),
                }
                | self.extra_env
            )
            self.onexp("db", "upgrade")  # once, before any role starts, as the compose `migrate` service
            self.onexp("seed")
            self._plan_roles()
            for name in self.commands:
                self.start_role(name)
            wait_for(self.web_url + "/readyz", alive=self.processes["web"], cafile=self.ca_file)
        except BaseException:
            self.cleanup()
            raise
        return self

    def onexp(self, *args: str) -> str:
        """Run an ``onexp`` command against this topology; its output."""
        result = subprocess.run([str(BIN / "onexp"), *args], env=self.env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"onexp {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def _write_proxy_config(self) -> None:
        cert, key = self_signed_certificate(self.run_dir)
        values = {
            "PROXY_LISTEN": f"{HOST}:{self.port}", "PROXY_UPSTREAM": f"{HOST}:{self.web_port}",
            "PROXY_CERTIFICATE": str(cert), "PROXY_CERTIFICATE_KEY": str(key),
        }  # fmt: skip
        server = self.run_dir / "onexp-proxy.conf"
        server.write_text(render_template(PROXY_TEMPLATE, values))
        (self.run_dir / "nginx.conf").write_text(proxy_main_config(self.run_dir, [server]))

    def _plan_roles(self) -> None:
        self.commands["proxy"] = [nginx_binary(), "-e", "stderr", "-p", str(self.run_dir), "-c", "nginx.conf"]
        conf = ROOT / "config" / "gunicorn.conf.py"
        config = str(conf) if conf.exists() else "python:config.gunicorn_hooks"
        self.commands["web"] = [
            str(BIN / "gunicorn"), "-c", config, "--workers", str(self.workers),
            "--bind", f"{HOST}:{self.web_port}", "booking:create_app()",
        ]  # fmt: skip
        available = onexp_commands()
        if "ingest" in available:
            self.commands["ingest-1"] = [str(BIN / "onexp"), "ingest"]
            self.commands["ingest-2"] = [str(BIN / "onexp"), "ingest"]
        if "scheduler" in available:
            self.commands["scheduler-1"] = [str(BIN / "onexp"), "scheduler"]
            self.commands["scheduler-2"] = [str(BIN / "onexp"), "scheduler"]

    def _role_env(self, name: str) -> dict[str, str]:
        if name == "web":
            metrics = self.run_dir / "metrics"
            metrics.mkdir(exist_ok=True)
            return self.env | {"PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        # the other roles serve their own /metrics, each on its own port
        env = self.env | {"ONEXP_METRICS_BIND": f"{HOST}:{self.metrics_ports.setdefault(name, free_port())}"}
        if name.startswith("ingest"):
            # one subscription shared by the workers, one account and so one persistent session each
            env |= {"ONEXP_MQTT_SHARED_GROUP": SHARED_GROUP, "ONEXP_MQTT_URL": self.ingest_url(name)}
        return env

    def metrics_url(self, name: str) -> str:
        """Where role ``name`` serves its Prometheus metrics (the web role: ``/metrics``)."""
        return f"{self.gunicorn_url}/metrics" if name == "web" else f"http://{HOST}:{self.metrics_ports[name]}/metrics"

    def device_url(self, device: str) -> str:
        return f"mqtt://{device}:{self.device_passwords[device]}@{HOST}:{self.broker.port}"

    # --- the roles ----------------------------------------------------------------------------

    def log_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"

    def log_tail(self, *names: str, chars: int = 4000) -> str:
        """The end of each role's log, for a failure message to say what the roles were doing."""
        tails = []
        for name in names:
            path = self.log_file(name)
            text = path.read_text(errors="replace")[-chars:] if path.exists() else "(none)"
            tails.append(f"--- {name}.log\n{text}")
        return "\n".join(tails)

    def start_role(self, name: str) -> subprocess.Popen:
        """Start (or start again) one role; its output goes to ``<run_dir>/<name>.log``."""
        with open(self.log_file(name), "ab") as log:
            proc = subprocess.Popen(
                self.commands[name], env=self._role_env(name), stdout=log, stderr=subprocess.STDOUT,
                cwd=ROOT, start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop them in order
            )  # fmt: skip
        self.processes[name] = proc
        return proc

    def stop_role(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Stop one role (SIGTERM: clean; SIGKILL: a crash) and wait for it."""
        proc = self.processes.get(name)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def kill(self, name: str) -> None:
        self.stop_role(name, signal.SIGKILL)

    def running(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.processes.items() if proc.poll() is None}

    def cleanup(self) -> None:
        """Stop every role (the proxy and web first, so nothing new comes in), then the servers."""
        for name in sorted(self.processes, key=lambda n: ("proxy", "web").index(n) if n in ("proxy", "web") else 2):
            self.stop_role(name)
        self.broker.cleanup()
        self.smtp.stop()
        self.postgres.cleanup()
        shutil.rmtree(self.run_dir / "metrics", ignore_errors=True)

    def __enter__(self) -> ProdLocal:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

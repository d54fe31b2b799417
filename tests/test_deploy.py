"""The image and the compose topology, checked without a Docker engine: the Dockerfile lints clean,
the package carries its data files, and compose.yaml wires the roles as the README says."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INGEST = ("ingest-1", "ingest-2")
ROLES = ("web", *INGEST, "scheduler", "scheduler-standby")
SECRET = re.compile(r"SECRET|PASSWORD|DATABASE_URL|MQTT_URL")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def final_stage(dockerfile: str) -> str:
    return dockerfile.rsplit("\nFROM ", 1)[1]


def test_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_an_unprivileged_user():
    stage = final_stage((ROOT / "Dockerfile").read_text())
    (user,) = re.findall(r"^USER (\S+)", stage, re.M)
    assert user.split(":")[0] not in ("root", "0")


def test_the_image_defaults_to_the_web_role_under_gunicorn():
    stage = final_stage((ROOT / "Dockerfile").read_text())
    (cmd,) = re.findall(r"^CMD (.+)$", stage, re.M)
    assert cmd.startswith('["gunicorn", "-c", "config/gunicorn.conf.py"')
    assert cmd.endswith('"booking:create_app()"]')


def test_the_wheel_carries_migrations_and_config_files(tmp_path):
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w"]
    subprocess.run([*command, str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = {p.relative_to(ROOT).as_posix() for p in (ROOT / "booking/migrations").rglob("*") if p.is_file()}
    migrations = {name for name in migrations if "__pycache__" not in name}
    assert migrations <= names
    assert {"config/sites.toml", "config/gunicorn_hooks.py", "booking/migrations/alembic.ini", "onexp/cli.py"} <= names


@pytest.mark.parametrize("role", ROLES)
def test_every_role_runs_the_one_image_after_migrations(services, role):
    assert services[role]["image"] == services["migrate"]["image"]
    assert services[role]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_migrations_run_once_when_postgresql_is_healthy(services):
    migrate = services["migrate"]
    assert migrate["command"] == ["onexp", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_ingest_workers_share_one_subscription(services):
    workers = [services[name]["environment"] for name in INGEST]
    assert {w["ONEXP_MQTT_SHARED_GROUP"] for w in workers} == {"onexp-ingest"}


def example_settings(env_file: str) -> dict[str, str]:
    lines = rules(ROOT / f"{env_file}.example")
    return dict(line.split("=", 1) for line in lines)


def acl_users() -> set[str]:
    return {line.split()[1] for line in rules(ROOT / "config" / "mosquitto.acl") if line.startswith("user ")}


def test_each_ingest_worker_has_its_own_broker_account_from_the_acl(services):
    accounts = []
    for name in INGEST:
        env_files = services[name]["env_file"]
        assert env_files[0] == "deploy/onexp.env"  # the shared settings first: the worker's own file wins
        url = example_settings(env_files[-1])["ONEXP_MQTT_URL"]
        accounts.append(urlsplit(url).username)
    assert len(set(accounts)) == len(INGEST)
    assert set(accounts) <= acl_users()


def test_no_ingest_worker_is_given_a_client_id_a_device_could_guess(services):
    # the broker makes each account its client id; elsewhere the default is derived from the secret
    for name in INGEST:
        assert "ONEXP_MQTT_CLIENT_ID" not in services[name]["environment"]


def test_the_web_and_scheduler_roles_broker_account_has_no_rights():
    url = example_settings("deploy/onexp.env")["ONEXP_MQTT_URL"]
    assert urlsplit(url).username not in acl_users()


def test_mosquitto_uses_the_acl_from_the_repository_a_password_file_and_a_certificate(services):
    mounts = dict(volume.split(":")[:2] for volume in services["mosquitto"]["volumes"])
    assert mounts["./config/mosquitto.acl"] == "/mosquitto/config/mosquitto.acl"
    assert mounts["./deploy/mosquitto.passwd"] == "/mosquitto/config/mosquitto.passwd"
    assert mounts["./deploy/mosquitto.conf"] == "/mosquitto/config/mosquitto.conf"
    settings = dict(line.split(None, 1) for line in rules(ROOT / "deploy" / "mosquitto.conf"))
    assert {settings["certfile"], settings["keyfile"]} <= set(mounts.values())


def test_mosquitto_publishes_its_tls_listener_only(services):
    published = {port.split(":")[-1] for port in services["mosquitto"]["ports"]}
    assert published == {"8883"}
    listeners = mosquitto_listeners(ROOT / "deploy" / "mosquitto.conf")
    assert "certfile" in listeners["8883"]
    assert "certfile" not in listeners["1883"]  # plain: for the compose network only


def test_the_reference_mosquitto_answers_plain_mqtt_on_its_own_host_only():
    listeners = mosquitto_listeners(ROOT / "config" / "mosquitto.conf")
    plain = [address for address, settings in listeners.items() if "certfile" not in settings]
    assert plain == ["1883 127.0.0.1"]


def mosquitto_listeners(path: Path) -> dict[str, dict[str, str]]:
    """Each listener's address and its own settings (the lines that follow it)."""
    listeners: dict[str, dict[str, str]] = {}
    current = None
    for line in rules(path):
        key, _, value = line.partition(" ")
        if key == "listener":
            current = listeners.setdefault(value, {})
        elif current is not None and key in MOSQUITTO_LISTENER_SETTINGS:
            current[key] = value
    return listeners


def mosquitto_settings(path: Path) -> list[tuple[str, str]]:
    """The settings in order, listeners as markers: what must be the same on a Debian host and in compose."""
    settings = []
    for line in rules(path):
        key, _, value = line.partition(" ")
        if key == "listener":
            settings.append((key, ""))
        elif key not in MOSQUITTO_PER_HOST:
            settings.append((key, value))
    return settings


# paths, logging and listeners' addresses differ between a Debian host and the container; the rest must not
MOSQUITTO_PER_HOST = {"password_file", "acl_file", "persistence_location", "certfile", "keyfile"}
MOSQUITTO_PER_HOST |= {"log_dest", "log_type"}
MOSQUITTO_LISTENER_SETTINGS = {"certfile", "keyfile", "use_username_as_clientid"}


def test_the_containers_mosquitto_settings_are_the_reference_ones_listener_by_listener():
    reference = mosquitto_settings(ROOT / "config" / "mosquitto.conf")
    assert mosquitto_settings(ROOT / "deploy" / "mosquitto.conf") == reference


def test_every_listener_makes_the_account_the_client_id():
    for path in (ROOT / "config" / "mosquitto.conf", ROOT / "deploy" / "mosquitto.conf"):
        for address, settings in mosquitto_listeners(path).items():
            assert settings.get("use_username_as_clientid") == "true", f"{path.name}: listener {address}"


@pytest.mark.parametrize("service", ["migrate", "postgres", *ROLES])
def test_secrets_come_from_env_files_never_from_compose_yaml(services, service):
    inline = services[service].get("environment", {})
    assert not [name for name in inline if SECRET.search(name)]
    for env_file in services[service]["env_file"]:
        assert (ROOT / f"{env_file}.example").is_file(), f"{env_file}.example documents what goes in {env_file}"


def rules(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def test_env_files_with_secrets_stay_out_of_git_and_out_of_the_image():
    assert {"deploy/*.env", "deploy/mosquitto.passwd", "deploy/tls/"} <= set(rules(ROOT / ".gitignore"))
    dockerignore = rules(ROOT / ".dockerignore")
    assert dockerignore[0] == "*"  # an allow-list...
    assert not [rule for rule in dockerignore if rule.startswith("!deploy")]  # ...without deploy/


# --- the proxy ---------------------------------------------------------------------------------------

PROXY_TEMPLATES = ROOT / "config" / "nginx"


def test_only_the_proxy_publishes_a_web_port(services):
    assert "ports" not in services["web"]  # gunicorn: the compose network only
    assert {port.split(":")[-1] for port in services["proxy"]["ports"]} == {"443", "80"}


def test_the_web_role_believes_x_forwarded_headers_from_one_proxy(services):
    assert services["web"]["environment"]["ONEXP_PROXY_HOPS"] == "1"


def proxy_templates(services) -> dict[Path, str]:
    """Template file in the repository -> where the image fills it in."""
    mounts = dict(volume.split(":")[:2] for volume in services["proxy"]["volumes"])
    return {ROOT / source: target for source, target in mounts.items() if source.endswith(".template")}


def test_the_proxy_fills_in_both_templates_from_the_repository(services):
    templates = proxy_templates(services)
    assert set(templates) == {PROXY_TEMPLATES / "onexp.conf.template", PROXY_TEMPLATES / "redirect.conf.template"}
    assert all(target.startswith("/etc/nginx/templates/") for target in templates.values())


def placeholders(template: Path) -> set[str]:
    return set(re.findall(r"\$\{(\w+)\}", template.read_text()))


def test_the_proxy_is_given_every_placeholder_and_envsubst_touches_nothing_else(services):
    environment = services["proxy"]["environment"]
    wanted = set().union(*(placeholders(template) for template in proxy_templates(services)))
    assert wanted <= set(environment)
    assert all(re.search(environment["NGINX_ENVSUBST_FILTER"], name) for name in wanted)
    assert not re.search(environment["NGINX_ENVSUBST_FILTER"], "host")  # nginx's $host stays as it is


def test_the_proxys_certificate_is_mounted_where_its_settings_say(services):
    mounts = dict(volume.split(":")[:2] for volume in services["proxy"]["volumes"])
    environment = services["proxy"]["environment"]
    assert {environment["PROXY_CERTIFICATE"], environment["PROXY_CERTIFICATE_KEY"]} <= set(mounts.values())


def test_nginx_accepts_the_proxy_configuration_inside_an_http_block_like_the_images(services, tmp_path):
    # compose's own values, but for what only exists in compose: the `web` host and the certificate
    from topology import nginx_binary, proxy_main_config, render_template, self_signed_certificate

    cert, key = self_signed_certificate(tmp_path)
    values = services["proxy"]["environment"] | {
        "PROXY_UPSTREAM": "127.0.0.1:8000", "PROXY_CERTIFICATE": str(cert), "PROXY_CERTIFICATE_KEY": str(key),
    }  # fmt: skip
    rendered = []
    for template in proxy_templates(services):
        rendered.append(tmp_path / template.name.removesuffix(".template"))
        rendered[-1].write_text(render_template(template, values))
    (tmp_path / "nginx.conf").write_text(proxy_main_config(tmp_path, rendered))
    command = [nginx_binary(), "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", "nginx.conf"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

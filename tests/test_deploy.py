"""The image and the compose topology, checked without a Docker engine: the Dockerfile lints clean,
the package carries its data files, and compose.yaml wires the roles as the README says."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("web", "ingest-1", "ingest-2", "scheduler", "scheduler-standby")
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
    assert {"config/sites.toml", "config/gunicorn_hooks.py", "booking/migrations/alembic.ini"} <= names


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


def test_ingest_workers_share_one_subscription_with_their_own_sessions(services):
    workers = [services[name]["environment"] for name in ("ingest-1", "ingest-2")]
    assert {w["ONEXP_MQTT_SHARED_GROUP"] for w in workers} == {"onexp-ingest"}
    assert len({w["ONEXP_MQTT_CLIENT_ID"] for w in workers}) == 2


def test_mosquitto_uses_the_acl_from_the_repository_and_a_password_file(services):
    mounts = dict(volume.split(":")[:2] for volume in services["mosquitto"]["volumes"])
    assert mounts["./config/mosquitto.acl"] == "/mosquitto/config/mosquitto.acl"
    assert mounts["./deploy/mosquitto.passwd"] == "/mosquitto/config/mosquitto.passwd"
    assert mounts["./deploy/mosquitto.conf"] == "/mosquitto/config/mosquitto.conf"


def mosquitto_settings(path: Path) -> dict[str, str]:
    lines = [line.split(None, 1) for line in rules(path) if " " in line]
    return {key: value for key, value in lines if key not in MOSQUITTO_PER_HOST}


# paths, logging and listeners differ between a Debian host and the container; the rest must not
MOSQUITTO_PER_HOST = {"password_file", "acl_file", "persistence_location", "listener", "certfile", "keyfile"}
MOSQUITTO_PER_HOST |= {"log_dest", "log_type"}


def test_the_containers_mosquitto_settings_are_the_reference_ones():
    reference = mosquitto_settings(ROOT / "config" / "mosquitto.conf")
    assert mosquitto_settings(ROOT / "deploy" / "mosquitto.conf") == reference


@pytest.mark.parametrize("service", ["migrate", "postgres", *ROLES])
def test_secrets_come_from_env_files_never_from_compose_yaml(services, service):
    inline = services[service].get("environment", {})
    assert not [name for name in inline if SECRET.search(name)]
    for env_file in services[service]["env_file"]:
        assert (ROOT / f"{env_file}.example").is_file(), f"{env_file}.example documents what goes in {env_file}"


def rules(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def test_env_files_with_secrets_stay_out_of_git_and_out_of_the_image():
    assert {"deploy/*.env", "deploy/mosquitto.passwd"} <= set(rules(ROOT / ".gitignore"))
    dockerignore = rules(ROOT / ".dockerignore")
    assert dockerignore[0] == "*"  # an allow-list...
    assert not [rule for rule in dockerignore if rule.startswith("!deploy")]  # ...without deploy/

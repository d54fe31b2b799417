"""The ingest worker's default MQTT client id: unguessable per deployment, stable across restarts."""

from __future__ import annotations

from booking import create_app
from config.settings import from_environ, mqtt_client_id

SECRET = "s3cret-" * 8
WORKER_1 = {"ONEXP_SECRET_KEY": SECRET, "ONEXP_MQTT_URL": "mqtt://onexp-ingest-1:pw@broker:1883"}


def default_id(environ: dict[str, str]) -> str:
    return mqtt_client_id(from_environ(environ))


def test_the_default_id_is_the_same_at_every_start_so_the_session_survives():
    assert default_id(WORKER_1) == default_id(dict(WORKER_1))


def test_another_deployment_with_another_secret_gets_another_id():
    assert default_id(WORKER_1) != default_id(WORKER_1 | {"ONEXP_SECRET_KEY": "other-" * 8})


def test_each_worker_account_gets_its_own_id():
    worker_2 = WORKER_1 | {"ONEXP_MQTT_URL": "mqtt://onexp-ingest-2:pw@broker:1883"}
    assert default_id(WORKER_1) != default_id(worker_2)


def test_the_default_id_is_no_longer_a_fixed_name_anyone_can_read_in_the_code():
    client_id = default_id(WORKER_1)
    assert client_id != "onexp-ingest"
    assert client_id.startswith("onexp-ingest-") and len(client_id) >= len("onexp-ingest-") + 20  # 80 bits


def test_the_broker_password_does_not_change_the_id():
    rotated = WORKER_1 | {"ONEXP_MQTT_URL": "mqtt://onexp-ingest-1:new-password@broker:1883"}
    assert default_id(WORKER_1) == default_id(rotated)


def test_a_client_id_chosen_in_the_environment_is_kept():
    assert default_id(WORKER_1 | {"ONEXP_MQTT_CLIENT_ID": "venue-ingest-a"}) == "venue-ingest-a"


def test_the_app_carries_the_resolved_id_for_its_ingest_worker():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": SECRET, "MQTT_URL": WORKER_1["ONEXP_MQTT_URL"]})
    assert app.config["MQTT_CLIENT_ID"] == default_id(WORKER_1)

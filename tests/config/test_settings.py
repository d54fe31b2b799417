"""Production refuses development settings, and says which setting is wrong and how to fix it."""

from __future__ import annotations

import pytest

from booking import create_app
from config.settings import DEFAULT_SECRET_KEY, SettingsError, check, from_environ, production_problems

GOOD = {
    "ENV": "production",
    "SECRET_KEY": "x" * 48,
    "DATABASE_URL": "postgresql+psycopg://onexp:pw@db:5432/onexp",
    "MQTT_URL": "mqtt://onexp-web:pw@broker:1883",
    "MAIL_URL": "smtp://onexp:pw@smtp.example.org:587",
    "PUBLIC_URL": "https://booking.onexperience.example",
}


def test_production_settings_that_are_right_raise_nothing():
    assert production_problems(GOOD) == []
    check(GOOD)


@pytest.mark.parametrize(
    "setting, value, named",
    [
        ("SECRET_KEY", DEFAULT_SECRET_KEY, "ONEXP_SECRET_KEY"),  # the public development default
        ("SECRET_KEY", "", "ONEXP_SECRET_KEY"),  # unset
        ("SECRET_KEY", "short", "ONEXP_SECRET_KEY"),  # guessable
        ("DATABASE_URL", None, "ONEXP_DATABASE_URL"),  # unset: the SQLite file in instance/
        ("DATABASE_URL", "sqlite:////var/lib/onexp.sqlite", "ONEXP_DATABASE_URL"),  # SQLite given explicitly
        ("MQTT_URL", "mqtt://broker:1883", "ONEXP_MQTT_URL"),  # anonymous
        ("MQTT_URL", "mqtt://onexp@broker:1883", "ONEXP_MQTT_URL"),  # a user without a password
        ("MAIL_URL", "", "ONEXP_MAIL_URL"),  # unset: the local catcher, which nobody reads
        ("MAIL_URL", "file:///var/mail/onexp", "ONEXP_MAIL_URL"),  # the catcher given explicitly
        ("PUBLIC_URL", "", "ONEXP_PUBLIC_URL"),  # unset: links in e-mails would point at 127.0.0.1
    ],
)
def test_each_wrong_production_setting_is_named(setting, value, named):
    problems = production_problems(GOOD | {setting: value})
    assert len(problems) == 1
    assert problems[0].startswith(named)


def test_production_with_every_default_lists_every_problem_at_once():
    defaults = from_environ({"ONEXP_ENV": "production"})
    with pytest.raises(SettingsError) as refused:
        check(defaults)
    message = str(refused.value)
    for setting in ("ONEXP_SECRET_KEY", "ONEXP_DATABASE_URL", "ONEXP_MQTT_URL", "ONEXP_MAIL_URL", "ONEXP_PUBLIC_URL"):
        assert setting in message


def test_development_runs_on_the_defaults():
    check(from_environ({}))


def test_the_app_refuses_to_start_in_production_on_development_settings():
    with pytest.raises(SettingsError, match="ONEXP_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": GOOD["DATABASE_URL"], "MQTT_URL": GOOD["MQTT_URL"]})


def test_the_app_starts_in_production_on_production_settings():
    app = create_app(GOOD)
    assert app.config["ENV"] == "production"


@pytest.mark.parametrize(
    "settings, secure",
    [
        ({}, False),  # development: plain HTTP on localhost
        (GOOD, True),  # production is served behind HTTPS
        (GOOD | {"SECURE_COOKIES": False}, False),  # production topology on plain loopback (make prod-local)
        ({"SECURE_COOKIES": True}, True),
    ],
)
def test_the_sign_in_cookie_is_https_only_in_production_unless_told(settings, secure):
    app = create_app({"DATABASE_URL": "sqlite://"} | settings)
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    with app.test_request_context():
        from flask import session

        session["user_id"] = 1
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
    assert ("Secure" in response.headers["Set-Cookie"]) is secure


def test_onexp_commands_refuse_with_the_list_and_no_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEXP_")} | {"ONEXP_ENV": "production"}
    command = [sys.executable, "-c", "from onexp.cli import main; main()", "db", "upgrade"]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for setting in ("ONEXP_SECRET_KEY", "ONEXP_DATABASE_URL", "ONEXP_MQTT_URL", "ONEXP_MAIL_URL", "ONEXP_PUBLIC_URL"):
        assert setting in result.stderr


def test_onexp_help_lists_the_commands_and_the_refusal_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEXP_")} | {"ONEXP_ENV": "production"}
    command = [sys.executable, "-c", "from onexp.cli import main; main()", "--help"]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert "ONEXP_SECRET_KEY" in result.stderr
    processes = ("serve", "ingest", "scheduler")
    for name in (*processes, "seed", "users", "tokens", "sensors", "simulate", "displays", "jobs"):
        assert f"  {name} " in result.stdout

"""Every request has an id (the caller's X-Request-ID or a new one), sent back and in each of its log lines."""

from __future__ import annotations

import io
import json
import logging

import pytest

from booking.infra import logs


@pytest.fixture
def json_lines(app):
    """The app logs JSON into a buffer; returns a function that parses what was logged so far."""
    buffer = io.StringIO()
    logs.configure("json", "INFO", stream=buffer)

    @app.get("/_test/log-twice")
    def log_twice():
        logging.getLogger("booking.test").info("first")
        logging.getLogger("some.library").warning("second")
        return "ok"

    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def test_a_request_without_an_id_gets_a_new_one_in_the_response(client):
    response = client.get("/healthz")
    assert len(response.headers["X-Request-ID"]) == 32


def test_the_callers_request_id_is_sent_back(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.42"})
    assert response.headers["X-Request-ID"] == "edge-7f3a.42"


@pytest.mark.parametrize(
    "given",
    [
        "x" * 129,  # too long for a log field
        "a b",  # spaces
        'quote"d',  # would break out of a quoted field
    ],
)
def test_an_unreasonable_request_id_is_replaced(client, given):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] != given
    assert len(response.headers["X-Request-ID"]) == 32


def test_every_log_line_of_a_request_carries_its_id(client, json_lines):
    client.get("/_test/log-twice", headers={"X-Request-ID": "req-1"})
    client.get("/_test/log-twice", headers={"X-Request-ID": "req-2"})
    lines = json_lines()
    by_message = [(line["message"], line["request_id"]) for line in lines if line["logger"] != "booking.access"]
    assert by_message == [("first", "req-1"), ("second", "req-1"), ("first", "req-2"), ("second", "req-2")]


def test_each_request_is_logged_once_with_method_path_status_and_duration(client, json_lines):
    client.get("/api/v1/bookings/999", headers={"X-Request-ID": "req-3"})
    (access,) = [line for line in json_lines() if line["logger"] == "booking.access"]
    assert access["request_id"] == "req-3"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/api/v1/bookings/999", 401)
    assert access["ms"] >= 0


def test_log_lines_outside_a_request_have_no_id(app, json_lines):
    logging.getLogger("booking.test").info("between requests")
    (line,) = json_lines()
    assert line["request_id"] == "-"
    assert line["level"] == "INFO"


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="ONEXP_LOG_FORMAT"):
        logs.configure("xml")

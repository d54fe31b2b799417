"""ONEXP_PROXY_HOPS: X-Forwarded-* believed from that many proxies in front, and from nobody else."""

from __future__ import annotations

import pytest
from flask import request

from booking import create_app
from config.settings import SettingsError

PROXY = "10.0.0.5"  # the address gunicorn sees: the proxy's
FORWARDED = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"}
FORWARDED |= {"X-Forwarded-Host": "booking.example.org", "X-Forwarded-Port": "8443"}


def seen(hops: int, headers: dict[str, str]) -> dict[str, str]:
    """What the app takes for the client's address, scheme and host."""
    app = create_app({"DATABASE_URL": "sqlite://", "PROXY_HOPS": hops})

    @app.get("/_seen")
    def show():
        return {"address": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app.test_client().get("/_seen", headers=headers, environ_base={"REMOTE_ADDR": PROXY}).json


def test_without_a_proxy_forwarded_headers_are_ignored():
    assert seen(0, FORWARDED) == {"address": PROXY, "scheme": "http", "host": "localhost"}


def test_behind_one_proxy_the_address_is_the_one_it_saw_not_one_the_client_claimed():
    # the client wrote 198.51.100.7 itself; the proxy appended the address it connected from
    assert seen(1, FORWARDED)["address"] == "203.0.113.9"


def test_behind_one_proxy_the_scheme_and_host_are_the_clients():
    answer = seen(1, FORWARDED)
    assert (answer["scheme"], answer["host"]) == ("https", "booking.example.org")


def test_a_forwarded_port_is_never_believed_the_proxy_does_not_set_it():
    assert seen(1, FORWARDED | {"X-Forwarded-Host": "booking.example.org:8443"})["host"] == "booking.example.org:8443"
    assert seen(1, FORWARDED)["host"] == "booking.example.org"  # X-Forwarded-Port: 8443 left out


def test_behind_two_proxies_the_address_is_the_one_the_outer_proxy_saw():
    assert seen(2, FORWARDED)["address"] == "198.51.100.7"


def test_a_negative_hop_count_is_refused_naming_the_setting():
    with pytest.raises(SettingsError, match="ONEXP_PROXY_HOPS"):
        create_app({"DATABASE_URL": "sqlite://", "PROXY_HOPS": -1})

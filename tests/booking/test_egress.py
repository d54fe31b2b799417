"""Which webhook URLs may be called: public http(s) only, unless the operator allows more."""

from __future__ import annotations

import pytest

from booking import egress


def resolver(*addresses: str):
    return lambda _host, _port: list(addresses)


def unresolvable(_host, _port):
    raise OSError("Name or service not known")


@pytest.mark.parametrize(
    ("url", "addresses", "words"),
    [
        ("https://hooks.example.com/x", ["93.184.216.34"], None),  # a public address
        ("http://hooks.example.com:8080/x", ["2606:2800:220:1::1"], None),  # public IPv6, any port
        ("ftp://hooks.example.com/x", ["93.184.216.34"], "only http and https"),  # another scheme
        ("file:///etc/passwd", [], "only http and https"),  # local files
        ("https:///nohost", [], "no host"),  # no host at all
        ("https://user:pw@hooks.example.com/", ["93.184.216.34"], "credentials"),  # secrets in the URL
        ("http://localhost/x", ["127.0.0.1"], "private or reserved"),  # loopback
        ("http://[::1]/x", ["::1"], "private or reserved"),  # IPv6 loopback
        ("http://db.internal/x", ["10.0.0.5"], "private or reserved"),  # private network
        ("http://meta/x", ["169.254.169.254"], "private or reserved"),  # cloud metadata (link-local)
        ("http://cgnat/x", ["100.64.0.1"], "private or reserved"),  # shared address space
        ("http://multi/x", ["224.0.0.1"], "private or reserved"),  # multicast
        ("http://ula/x", ["fc00::1"], "private or reserved"),  # IPv6 unique local
        ("http://mapped/x", ["::ffff:127.0.0.1"], "private or reserved"),  # IPv4-mapped loopback
        ("http://zero/x", ["0.0.0.0"], "private or reserved"),  # unspecified
        ("http://mixed/x", ["93.184.216.34", "10.0.0.1"], "private or reserved"),  # any private answer
    ],
)
def test_refusal(url, addresses, words):
    reason = egress.refusal(url, resolver=resolver(*addresses))
    assert (reason is None) if words is None else (words in reason)


def test_an_unresolvable_host_is_refused():
    assert "cannot be resolved" in egress.refusal("https://nowhere.invalid/", resolver=unresolvable)


def test_the_operator_may_allow_private_addresses():
    assert egress.refusal("http://localhost:9000/x", allow_private=True, resolver=resolver("127.0.0.1")) is None


def test_the_operator_may_allow_one_host():
    allowed = ["crm.internal"]
    assert egress.refusal("http://crm.internal/x", allowed_hosts=allowed, resolver=resolver("10.1.2.3")) is None
    assert egress.refusal("http://other.internal/x", allowed_hosts=allowed, resolver=resolver("10.1.2.4"))


def test_allowing_private_addresses_still_refuses_other_schemes():
    assert "only http" in egress.refusal("gopher://localhost/", allow_private=True, resolver=resolver("127.0.0.1"))

"""Which webhook URLs may be called: public http(s) only, unless the operator allows more; and
the request goes to the address that was checked."""

from __future__ import annotations

import pytest

from booking.infra import egress


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
        ("http://localhost/x", ["127.0.0.1"], "not allowed"),  # loopback
        ("http://[::1]/x", ["::1"], "not allowed"),  # IPv6 loopback
        ("http://db.internal/x", ["10.0.0.5"], "not allowed"),  # private network
        ("http://meta/x", ["169.254.169.254"], "not allowed"),  # cloud metadata (link-local)
        ("http://cgnat/x", ["100.64.0.1"], "not allowed"),  # shared address space
        ("http://multi/x", ["224.0.0.1"], "not allowed"),  # multicast
        ("http://ula/x", ["fc00::1"], "not allowed"),  # IPv6 unique local
        ("http://mapped/x", ["::ffff:127.0.0.1"], "not allowed"),  # IPv4-mapped loopback
        ("http://zero/x", ["0.0.0.0"], "not allowed"),  # unspecified
        ("http://mixed/x", ["93.184.216.34", "10.0.0.1"], "not allowed"),  # any private answer
        # IPv6 forms that carry an IPv4 address reach that address
        ("http://nat64/x", ["64:ff9b::7f00:1"], "not allowed"),  # NAT64 to 127.0.0.1
        ("http://nat64/x", ["64:ff9b::a9fe:a9fe"], "not allowed"),  # NAT64 to the metadata address
        ("http://nat64/x", ["64:ff9b::5db8:d822"], None),  # NAT64 to a public address
        ("http://nat64/x", ["64:ff9b:1::7f00:1"], "not allowed"),  # local-use NAT64: never public
        ("http://nat64/x", ["64:ff9b:1::5db8:d822"], "not allowed"),
        ("http://6to4/x", ["2002:7f00:1::1"], "not allowed"),  # 6to4 from 127.0.0.1
        ("http://6to4/x", ["2002:a00:5::1"], "not allowed"),  # 6to4 from 10.0.0.5
        ("http://6to4/x", ["2002:5db8:d822::1"], None),  # 6to4 from a public address
        ("http://compat/x", ["::7f00:1"], "not allowed"),  # IPv4-compatible ::127.0.0.1
        ("http://compat/x", ["::5db8:d822"], "not allowed"),  # deprecated: never public
        ("http://translated/x", ["::ffff:0:7f00:1"], "not allowed"),  # IPv4-translated ::ffff:0:127.0.0.1
        ("http://translated/x", ["::ffff:0:a00:5"], "not allowed"),
        ("http://mapped/x", ["::ffff:93.184.216.34"], None),  # IPv4-mapped public address
        ("http://teredo/x", ["2001:0:4136:e378:8000:63bf:3fff:fdd2"], "not allowed"),  # a tunnel
        ("http://reserved/x", ["240.0.0.1"], "not allowed"),  # IPv4 reserved (class E)
    ],
)
def test_refusal(url, addresses, words):
    reason = egress.refusal(url, resolver=resolver(*addresses))
    assert (reason is None) if words is None else (words in reason)


@pytest.mark.parametrize("address", ["10.0.0.5", "::ffff:10.0.0.5", "64:ff9b::a00:5", "fd12:3456::1"])
def test_a_refusal_names_the_host_but_never_the_address_it_resolved_to(address):
    # the customer reading it must not learn the private network's addresses
    reason = egress.refusal("http://crm.example.com/hook", resolver=resolver(address))
    assert reason == (
        "the host crm.example.com resolves to a private, loopback or reserved address, which is not allowed"
    )


def test_the_target_keeps_every_address_checked_in_the_resolvers_order():
    target = egress.target("https://hooks.example.com/in?x=1", resolver=resolver("2606:2800:220:1::1", "93.184.216.34"))
    assert target.addresses == ("2606:2800:220:1::1", "93.184.216.34")
    assert (target.host, target.port, target.netloc) == ("hooks.example.com", 443, "hooks.example.com")
    assert target.path == "/in?x=1"


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

"""Which URLs the service may call on someone's behalf (webhooks): no server-side request forgery.

A customer chooses the URL, so without a check they could make the service call the
database, the broker or a cloud metadata address on the private network. Anything that
is not a public http(s) address is refused unless the operator allows it.

The name is resolved once: the request goes to an address that was checked, with the name
only in ``Host`` and, for https, in SNI and the certificate check. Resolving again to send
would let a name that answered a public address for the check answer a private one for the
request (DNS rebinding). Refusals never repeat what the name resolved to: the customer
reading them should not learn the private network's addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, IPv6Network
from urllib.parse import urlsplit

import urllib3

Resolver = Callable[[str, int], Iterable[str]]

# IPv6 forms that carry an IPv4 address: the IPv4 address is what is really reached.
_CARRIES_IPV4 = (
    IPv6Network("::ffff:0:0/96"),  # IPv4-mapped, ::ffff:a.b.c.d
    IPv6Network("64:ff9b::/96"),  # NAT64's well-known prefix (RFC 6052): a gateway to a.b.c.d
)
_SIX_TO_FOUR = IPv6Network("2002::/16")  # 6to4 (RFC 3056): the IPv4 address in bits 16-47
# Forms never used by a public receiver, whatever IPv4 address they carry.
_NEVER_PUBLIC = (
    IPv6Network("::/96"),  # IPv4-compatible ::a.b.c.d, deprecated (RFC 4291)
    IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated ::ffff:0:a.b.c.d (RFC 2765)
    IPv6Network("64:ff9b:1::/48"),  # NAT64 for local use (RFC 8215)
    IPv6Network("2001::/32"),  # Teredo: a tunnel to anywhere
)


class Refused(Exception):
    """The URL may not be called; the message says why, in words a customer may read."""


class Unreachable(Exception):
    """The checked addresses did not answer (connection refused, reset, TLS failure, timeout)."""


@dataclass(frozen=True)
class Target:
    """A URL that passed the check, and the addresses its host resolved to then."""

    scheme: str
    host: str  # the name, for Host, SNI and the certificate
    port: int
    netloc: str  # host[:port] as the URL spells it: the Host header
    path: str  # path and query
    addresses: tuple[str, ...]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order of preference."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, IPv6Address):
        if any(ip in network for network in _NEVER_PUBLIC):
            return False
        if any(ip in network for network in _CARRIES_IPV4):
            ip = IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip in _SIX_TO_FOUR:
            ip = ip.sixtofour
    # is_global excludes private, loopback, link-local, shared (CGNAT) and unspecified ranges;
    # reserved and multicast are checked on their own: Python 3.11 counts some of them as global
    return ip.is_global and not ip.is_reserved and not ip.is_multicast


def target(
    url: str, *, allow_private: bool = False, allowed_hosts: Iterable[str] = (), resolver: Resolver | None = None
) -> Target:
    """The checked target of ``url``; raises Refused saying why it may not be called."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise Refused("only http and https URLs are allowed")
    if not parts.hostname:
        raise Refused("the URL has no host")
    if parts.username or parts.password:
        raise Refused("credentials in the URL are not allowed; use the signing secret")
    host = parts.hostname.lower()
    try:
        addresses = tuple((resolver or resolve)(host, port))
    except (OSError, UnicodeError):
        addresses = ()
    if not addresses:
        raise Refused(f"the host {host} cannot be resolved")
    trusted = host in {h.strip().lower() for h in allowed_hosts if h.strip()}
    if not (allow_private or trusted) and not all(is_public(address) for address in addresses):
        raise Refused(f"the host {host} resolves to a private, loopback or reserved address, which is not allowed")
    path = parts.path or "/"
    return Target(parts.scheme, host, port, parts.netloc, f"{path}?{parts.query}" if parts.query else path, addresses)


def refusal(
    url: str, *, allow_private: bool = False, allowed_hosts: Iterable[str] = (), resolver: Resolver | None = None
) -> str | None:
    """Why ``url`` may not be called, or None when it may."""
    try:
        target(url, allow_private=allow_private, allowed_hosts=allowed_hosts, resolver=resolver)
    except Refused as refused:
        return str(refused)
    return None


@dataclass(frozen=True)
class Answer:
    status: int
    location: str | None


def post(to: Target, body: bytes, headers: dict, *, timeout: float) -> Answer:
    """POST ``body`` to the first of the target's addresses that answers; never follows a redirect."""
    failure = "no address to try"
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    for address in to.addresses:
        options = dict(host=address, port=to.port, timeout=limits, retries=False)
        if to.scheme == "https":
            # the name, not the address, is what SNI asks for and what the certificate must name
            pool = urllib3.HTTPSConnectionPool(**options, server_hostname=to.host, cert_reqs="CERT_REQUIRED")
        else:
            pool = urllib3.HTTPConnectionPool(**options)
        try:
            with pool:
                response = pool.urlopen(
                    "POST", to.path, body=body, headers={**headers, "Host": to.netloc}, redirect=False,
                    assert_same_host=False,
                )  # fmt: skip
                return Answer(response.status, response.headers.get("Location"))
        except urllib3.exceptions.NewConnectionError as exc:  # before TimeoutError: urllib3 derives it from that
            failure = f"could not connect: {_reason(exc)}"
        except urllib3.exceptions.TimeoutError:
            failure = f"no answer within {timeout:g} s"
        except urllib3.exceptions.SSLError as exc:
            failure = f"TLS failed: {_reason(exc)}"
        except urllib3.exceptions.HTTPError as exc:
            failure = f"the connection failed: {_reason(exc)}"
    raise Unreachable(failure)


def _reason(exc: BaseException) -> str:
    """What went wrong, from the OS or TLS error underneath, without the address urllib3's own messages name."""
    seen: BaseException | None = exc
    for _ in range(8):  # a short chain: the OS error is one or two links down
        if seen is None:
            break
        if isinstance(seen, OSError) and not isinstance(seen, urllib3.exceptions.HTTPError) and seen.strerror:
            return seen.strerror
        seen = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
    return exc.__class__.__name__

"""Which URLs the service may call on someone's behalf (webhooks): no server-side request forgery.

A customer chooses the URL, so without a check they could make the service call the
database, the broker or a cloud metadata address on the private network. Anything that
is not a public http(s) address is refused unless the operator allows it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], Iterable[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global excludes private, loopback, link-local, shared (CGNAT), reserved and
    # unspecified ranges; multicast is checked on its own as some of it counts as global
    return ip.is_global and not ip.is_multicast


def refusal(
    url: str, *, allow_private: bool = False, allowed_hosts: Iterable[str] = (), resolver: Resolver = resolve
) -> str | None:
    """Why ``url`` may not be called, or None when it may."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return "only http and https URLs are allowed"
    if not parts.hostname:
        return "the URL has no host"
    if parts.username or parts.password:
        return "credentials in the URL are not allowed; use the signing secret"
    host = parts.hostname.lower()
    if host in {h.strip().lower() for h in allowed_hosts if h.strip()}:
        return None
    try:
        addresses = list(resolver(host, port))
    except (OSError, UnicodeError):
        return f"the host {host} cannot be resolved"
    if not addresses:
        return f"the host {host} cannot be resolved"
    if allow_private:
        return None
    for address in addresses:
        if not is_public(address):
            return f"the host {host} resolves to {address}, a private or reserved address"
    return None

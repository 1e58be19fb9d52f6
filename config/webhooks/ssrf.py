"""Server-side request forgery guard: which URLs a webhook may target and which address to connect to.

Only `http` and `https`. With `WEBHOOKS["BLOCK_PRIVATE_ADDRESSES"]` on (production), the host is resolved
and every address it resolves to must be a public one; the request then connects to the checked address
(`DeliveryPool.post` in config/webhooks/http.py), so a DNS answer that changes between check and connect
(rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from config.exceptions import ApplicationError


class UnsafeURL(ApplicationError):
    """400 at registration; at delivery time the attempt fails with this message."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent


def url_parse(url: str) -> Target:
    """The parts a delivery needs; refuses other schemes, credentials in the URL and a missing host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("The URL cannot be parsed.", {"code": "url_invalid", "field": "url"}) from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Webhook URLs must be http or https.", {"code": "url_scheme", "field": "url"})
    if not parts.hostname:
        raise UnsafeURL("The URL has no host.", {"code": "url_invalid", "field": "url"})
    if parts.username or parts.password:
        raise UnsafeURL("Credentials in the URL are refused; sign with the secret.", {"code": "url_credentials"})
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def address_is_public(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged by its IPv4 address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
        or ip.is_unspecified
    )  # fmt: skip


def addresses_resolve(target: Target, *, block_private: bool) -> list[str]:
    """Every address the host resolves to; with `block_private`, refuses the host if any one is not public."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"The host {target.host} does not resolve.", {"code": "url_unresolvable"}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeURL(f"The host {target.host} does not resolve.", {"code": "url_unresolvable"})
    if block_private:
        refused = [address for address in addresses if not address_is_public(address)]
        if refused:
            raise UnsafeURL(
                f"The host {target.host} resolves to a non-public address ({refused[0]}).",
                {"code": "url_private_address", "field": "url"},
            )
    return addresses

"""One HTTP POST of a delivery: to the checked address, with a timeout, never following a redirect."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter

from config.webhooks import conf
from config.webhooks.ssrf import UnsafeURL, addresses_resolve, url_parse

MAX_ERROR = 500


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int | None
    error: str


class _PinnedHTTPSAdapter(HTTPAdapter):
    """Connect to an IP address while checking the certificate (and sending SNI) for the URL's host name."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


def post(url: str, *, body: str, headers: dict[str, str]) -> SendResult:
    """POST `body`; ok only on 2xx. A 3xx is a failed attempt (redirects are not followed: docs/webhooks.md)."""
    try:
        target = url_parse(url)
        address = addresses_resolve(target, block_private=conf.block_private_addresses())[0]
    except UnsafeURL as exc:
        return SendResult(False, None, exc.message[:MAX_ERROR])
    netloc = f"[{address}]" if ":" in address else address
    pinned = f"{target.scheme}://{netloc}:{target.port}{target.path}"
    timeout = conf.timeout_seconds()
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the checked address is the one connected to
        if target.scheme == "https":
            session.mount("https://", _PinnedHTTPSAdapter(target.host))
        try:
            response = session.post(
                pinned,
                data=body.encode(),
                headers={**headers, "host": _host_header(target.host, target.port, target.scheme)},
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
        status = response.status_code
        response.close()
    if 200 <= status < 300:
        return SendResult(True, status, "")
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        return SendResult(False, status, f"Redirect refused (to {location})"[:MAX_ERROR])
    return SendResult(False, status, f"HTTP {status}")

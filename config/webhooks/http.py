"""The HTTP POSTs of a delivery run: to the checked address, with a timeout, never following a redirect.

`DeliveryPool` keeps connections alive across the attempts of one run. Every attempt still resolves and checks
the host (config/webhooks/ssrf.py) first; a kept connection is reused only for the same
(scheme, host, port, checked address), so a host that now resolves elsewhere gets a new connection, to the
new address, only if that address passes the guard.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

import requests
from django.utils import timezone
from requests.adapters import HTTPAdapter

from config.webhooks import conf
from config.webhooks.ssrf import Target, UnsafeURL, addresses_resolve, url_parse

MAX_ERROR = 500
# A receiver's answer body is read (so its connection can be reused) up to this many bytes; past it the
# connection is closed instead.
MAX_ANSWER_BYTES = 64 * 1024

PoolKey = tuple[str, str, int, str]  # scheme, host, port, checked address


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int | None
    error: str
    started_at: datetime | None = field(default=None, compare=False)
    duration_ms: int = field(default=0, compare=False)


class _PinnedHTTPSAdapter(HTTPAdapter):
    """Connect to an IP address while checking the certificate (and sending SNI) for the URL's host name."""

    def __init__(self, hostname: str, **kwargs) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


class DeliveryPool:
    """Kept-alive connections for one delivery run, at most `max_hosts` keys of `max_per_host` connections each.

    Thread-safe: the run's sending threads share it. The least recently used key's connections are closed
    when a new key would pass the bound; `close()` (or leaving the `with` block) closes them all.
    """

    def __init__(self, *, max_hosts: int | None = None, max_per_host: int | None = None) -> None:
        self.max_hosts = max_hosts or conf.pool_max_hosts()
        self.max_per_host = max_per_host or conf.send_concurrency()
        self._adapters: OrderedDict[PoolKey, HTTPAdapter] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    def _adapter(self, key: PoolKey) -> HTTPAdapter:
        with self._lock:
            if self._closed:
                raise RuntimeError("The delivery pool is closed.")
            adapter = self._adapters.get(key)
            if adapter is not None:
                self._adapters.move_to_end(key)
                return adapter
            scheme, host = key[0], key[1]
            sizes = {"pool_connections": 1, "pool_maxsize": self.max_per_host}
            adapter = _PinnedHTTPSAdapter(host, **sizes) if scheme == "https" else HTTPAdapter(max_retries=0, **sizes)
            self._adapters[key] = adapter
            while len(self._adapters) > self.max_hosts:
                _, evicted = self._adapters.popitem(last=False)
                evicted.close()  # a connection still in use is closed when it is released
            return adapter

    def keys(self) -> list[PoolKey]:
        with self._lock:
            return list(self._adapters)

    def post(self, url: str, *, body: str, headers: dict[str, str]) -> SendResult:
        """POST `body`; ok only on 2xx. A 3xx is a failed attempt (redirects are not followed: docs/webhooks.md)."""
        started_at, clock = timezone.now(), time.monotonic()
        result = self._post(url, body=body, headers=headers)
        elapsed = max(0, round((time.monotonic() - clock) * 1000))
        return SendResult(result.ok, result.status, result.error, started_at=started_at, duration_ms=elapsed)

    def _post(self, url: str, *, body: str, headers: dict[str, str]) -> SendResult:
        try:
            target = url_parse(url)
            address = addresses_resolve(target, block_private=conf.block_private_addresses())[0]
        except UnsafeURL as exc:
            return SendResult(False, None, exc.message[:MAX_ERROR])
        adapter = self._adapter((target.scheme, target.host, target.port, address))
        timeout = conf.timeout_seconds()
        request = requests.Request(
            "POST",
            _pinned_url(target, address),
            data=body.encode(),
            headers={**headers, "host": _host_header(target.host, target.port, target.scheme)},
        ).prepare()
        try:
            # The adapter alone: no cookies kept between receivers' answers, no redirects, no proxy.
            response = adapter.send(request, stream=True, timeout=(timeout, timeout), verify=True, proxies={})
            _drain(response)
        except requests.RequestException as exc:
            return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
        status = response.status_code
        if 200 <= status < 300:
            return SendResult(True, status, "")
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            return SendResult(False, status, f"Redirect refused (to {location})"[:MAX_ERROR])
        return SendResult(False, status, f"HTTP {status}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            adapters, self._adapters = list(self._adapters.values()), OrderedDict()
        for adapter in adapters:
            adapter.close()

    def __enter__(self) -> DeliveryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pinned_url(target: Target, address: str) -> str:
    netloc = f"[{address}]" if ":" in address else address
    return f"{target.scheme}://{netloc}:{target.port}{target.path}"


def _drain(response: requests.Response) -> None:
    """Read a short answer to its end, so the connection goes back to the pool; close it after a long one."""
    read = 0
    try:
        for chunk in response.iter_content(8192):
            read += len(chunk)
            if read > MAX_ANSWER_BYTES:
                break
    finally:
        response.close()  # returns the connection when the body was read to its end, closes it otherwise


def post(url: str, *, body: str, headers: dict[str, str]) -> SendResult:
    """One POST on its own connection (closed afterwards): for a single send outside a delivery run."""
    with DeliveryPool(max_hosts=1, max_per_host=1) as pool:
        return pool.post(url, body=body, headers=headers)

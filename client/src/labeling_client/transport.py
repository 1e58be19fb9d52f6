"""One HTTP session: base URL, token header, timeouts, retries with backoff, and error mapping.

Retried: 429 and 503 (the server refused before doing anything; `Retry-After` is honoured), and a
connection that could not be made. A request that may have reached the server (a read timeout, a 502 or
504) is retried only when it is safe to repeat: GET/HEAD/PUT/DELETE, or a POST the caller marks
`idempotent` (an item import chunk: external ids make a second insert a duplicate, not a second item).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3

from labeling_client.errors import TransportError, error_for

RETRY_ALWAYS = {429, 503}
RETRY_IF_IDEMPOTENT = {502, 504}
IDEMPOTENT_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
USER_AGENT = "labeling-client/0.1"


class Transport:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        self._sleep = sleep
        self.token = token

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        if value:
            self.session.headers["Authorization"] = f"Token {value}"
        else:
            self.session.headers.pop("Authorization", None)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else urljoin(self.base_url, path.lstrip("/"))

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        stream: bool = False,
        timeout: float | None = None,
    ) -> requests.Response:
        """Send one request (retrying what is safe to retry); return the response or raise the mapped error."""
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        url = self.url(path)
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    params=clean,
                    data=data,
                    files=files,
                    headers=dict(headers or {}),
                    stream=stream,
                    timeout=timeout or self.timeout,
                )
            except requests.ConnectionError as exc:
                if attempt < self.max_retries and (safe or _never_sent(exc)):
                    self._sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise TransportError(f"{method} {url}: {exc}", cause=exc) from exc
            except requests.Timeout as exc:
                if attempt < self.max_retries and safe:
                    self._sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise TransportError(f"{method} {url} timed out: {exc}", cause=exc) from exc
            except requests.RequestException as exc:
                raise TransportError(f"{method} {url}: {exc}", cause=exc) from exc
            status = response.status_code
            retryable = status in RETRY_ALWAYS or (safe and status in RETRY_IF_IDEMPOTENT)
            if retryable and attempt < self.max_retries:
                delay = self._delay(attempt, response.headers.get("Retry-After"))
                response.close()
                self._sleep(delay)
                attempt += 1
                continue
            if status >= 400:
                raise error_for(status, _json_or_none(response), f"{method} {url} answered {status}")
            return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON body, or None for 204."""
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def pages(self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = 100) -> Iterator[dict]:
        """Follow a LimitOffsetPagination listing page by page (`next` links); a bare list is one page."""
        yield from self.page_bodies(path, params, page_size=page_size, flatten=True)

    def page_bodies(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = 100, flatten: bool = False
    ) -> Iterator[Any]:
        body = self.json("GET", path, params={"limit": page_size, **(params or {})})
        while True:
            if isinstance(body, list):
                yield from body if flatten else [{"count": len(body), "next": None, "results": body}]
                return
            if flatten:
                yield from body.get("results", [])
            else:
                yield body
            if not body.get("next"):
                return
            body = self.json("GET", body["next"])

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        advised = _retry_after_seconds(retry_after)
        if advised is not None:
            return min(advised, self.max_backoff)
        # Full jitter: many scripted raters retrying at once do not come back in step.
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when no connection was made, so the server cannot have acted on the request."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None

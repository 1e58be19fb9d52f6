"""Retries and backoff against a real HTTP server on a free port that answers 429/503 before succeeding."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from labeling_client import BadRequestError, Client, RateLimitedError, ServerError


class _Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, headers, body) of the server's script."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.bodies.append(self.rfile.read(length) if length else b"")  # type: ignore[attr-defined]
        self.server.seen.append((self.command, self.path, time.monotonic()))  # type: ignore[attr-defined]
        status, headers, body = self.server.script.pop(0)  # type: ignore[attr-defined]
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    server.script, server.seen, server.bodies = [], [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _client(server: ThreadingHTTPServer, **options) -> Client:
    return Client(f"http://127.0.0.1:{server.server_address[1]}", token="t", **options)


LIMITED = {"message": "Too many requests; try again in 1 seconds.", "extra": {"code": "rate_limited", "retry_after": 1}}


def test_429_is_retried_after_the_servers_retry_after(scripted):
    scripted.script[:] = [(429, {"Retry-After": "1"}, LIMITED), (200, {}, {"id": 1, "name": "p"})]

    project = _client(scripted).projects.get(1)

    assert project == {"id": 1, "name": "p"}
    (_, _, first), (_, _, second) = scripted.seen
    assert second - first >= 0.95  # waited the advised second, not the short default backoff


def test_503_is_retried_and_a_post_of_an_import_chunk_too(scripted):
    answer = {"created": 2, "duplicates": 0, "error_count": 0, "errors": []}
    scripted.script[:] = [(503, {}, {"message": "down", "extra": {}}), (200, {}, answer)]

    result = _client(scripted, backoff=0.01).items.bulk_import(1, [{"payload": {"a": 1}}, {"payload": {"a": 2}}])

    assert result.created == 2 and len(scripted.seen) == 2
    assert scripted.bodies[0] == scripted.bodies[1]  # the same chunk sent again


def test_retries_run_out_into_the_mapped_error(scripted):
    scripted.script[:] = [(429, {"Retry-After": "0"}, LIMITED)] * 3

    with pytest.raises(RateLimitedError) as caught:
        _client(scripted, max_retries=2).projects.get(1)

    assert caught.value.retry_after == 1 and caught.value.code == "rate_limited" and len(scripted.seen) == 3


def test_a_502_on_a_post_is_not_repeated(scripted):
    """A 502 may come after the server acted: a POST that is not idempotent is not sent twice."""
    scripted.script[:] = [(502, {}, {"message": "bad gateway", "extra": {}}), (201, {}, {"id": 9})]

    with pytest.raises(ServerError):
        _client(scripted, backoff=0.01).projects.create("p", label_type="single", categories=["a", "b"])

    assert len(scripted.seen) == 1


def test_a_400_is_not_retried_and_keeps_message_and_extra(scripted):
    body = {"message": "Validation error", "extra": {"code": "invalid", "fields": {"name": ["Required."]}}}
    scripted.script[:] = [(400, {}, body)]

    with pytest.raises(BadRequestError) as caught:
        _client(scripted).projects.create("", label_type="single")

    assert (caught.value.message, caught.value.extra, caught.value.status) == ("Validation error", body["extra"], 400)
    assert len(scripted.seen) == 1


def test_pages_are_fetched_lazily_following_next(scripted):
    base = f"http://127.0.0.1:{scripted.server_address[1]}"
    scripted.script[:] = [
        (200, {}, {"count": 3, "next": f"{base}/api/annotations/?limit=2&offset=2", "results": [{"id": 1}, {"id": 2}]}),
        (200, {}, {"count": 3, "next": None, "results": [{"id": 3}]}),
    ]
    pages = _client(scripted).annotations.list(page_size=2)

    iterator = iter(pages)
    assert next(iterator) == {"id": 1} and len(scripted.seen) == 1  # the second page is not fetched yet
    assert [row["id"] for row in iterator] == [2, 3] and len(scripted.seen) == 2
    assert scripted.seen[0][1] == "/api/annotations/?limit=2"

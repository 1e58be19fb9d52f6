"""A real HTTP receiver for webhook tests: http.server in a thread on 127.0.0.1, verifying with standardwebhooks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    status: int
    verified: dict | None = None  # the parsed body when a signature checked out
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one per TCP connection


@dataclass
class Receiver:
    """Answers with `statuses` in turn (then `default_status`); `hold` blocks a request until released.

    With `keep_alive` it speaks HTTP/1.1 and keeps connections open; `closed` lists the peers that hung up.
    """

    secrets: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    extra_headers: dict[str, str] = field(default_factory=dict)
    hold_first: bool = False
    received: list[Received] = field(default_factory=list)
    keep_alive: bool = False
    bind: tuple[str, int] = ("127.0.0.1", 0)
    closed: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if self.keep_alive else "HTTP/1.0"

            def handle(self) -> None:
                super().handle()
                with receiver._lock:
                    receiver.closed.append(self.client_address[:2])

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._lock:
                    first = not receiver.received
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default_status
                    entry = Received({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic(), status)
                    entry.verified = receiver.verify(body, entry.headers)
                    entry.peer = self.client_address[:2]
                    receiver.received.append(entry)
                if first and receiver.hold_first:
                    receiver.release.wait(60)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(self.bind, Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.server_address[0]}:{self.server.server_address[1]}/hooks?source=test"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def peers(self) -> set[tuple[str, int]]:
        """The distinct connections requests arrived on."""
        return {entry.peer for entry in self.received}

    def verify(self, body: bytes, headers: dict[str, str]) -> dict | None:
        for secret in self.secrets:
            try:
                return Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
        return None

    def wait_for(self, count: int, *, timeout: float = 20.0, pump: Callable[[], object] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return
            if pump is not None:
                pump()
            time.sleep(0.05)
        raise AssertionError(f"receiver got {len(self.received)} requests, expected {count}")

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

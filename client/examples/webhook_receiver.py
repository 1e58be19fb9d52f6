"""A webhook receiver with nothing but the standard library: verify, de-duplicate, hand the event on.

    LABELING_WEBHOOK_SECRET=whsec_... python webhook_receiver.py --port 8080

Answers 204 for a verified event (and for a repeat of one already handled: deliveries are at least
once, so the `webhook-id` is the key), 400 for a signature that does not verify. Handle the event
quickly or queue it: the sender retries a delivery that is not answered in time.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from labeling_client import SignatureError
from labeling_client.webhooks import verify, webhook_id

MAX_BODY = 1 << 20


def make_server(
    secrets: list[str], handle: Callable[[dict[str, Any]], None], *, host: str = "127.0.0.1", port: int = 8080
) -> ThreadingHTTPServer:
    seen: set[str] = set()  # in production: a unique key in your database, not process memory
    lock = threading.Lock()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_error(413)
                return
            body = self.rfile.read(length)
            try:
                event = verify(body, dict(self.headers.items()), secrets)
            except SignatureError as exc:
                self.send_error(400, str(exc))
                return
            key = webhook_id(dict(self.headers.items())) or ""
            with lock:
                repeat = key in seen
                seen.add(key)
            if not repeat:
                handle(event)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Receiver)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    secrets = [s for s in os.environ["LABELING_WEBHOOK_SECRET"].split(",") if s]
    server = make_server(secrets, lambda event: print(json.dumps(event)), port=args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()

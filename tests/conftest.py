"""Shared fixtures: real PostgreSQL (pytest-django), real Redis, a real Kafka-protocol broker."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.services import free_port, start_broker


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Start Tansu (a Kafka-protocol broker, memory storage) on a free loopback port for the session."""
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"tansu-test-{port}.log"
    proc = start_broker(port, log_path)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def shared_data() -> Path:
    """The workplace's shared data folder (../shared/data from the project root)."""
    path = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    if not path.exists():
        pytest.fail(f"shared data not found at {path}")
    return path

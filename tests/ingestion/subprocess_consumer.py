"""Start `manage.py run_consumer feedback-join` as a real subprocess against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def consumer_env(*, bootstrap: str, names: dict[str, str], group: str, session_timeout_ms: int = 6000) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": test_database_url(),
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "FEEDBACK_REQUESTS_TOPIC": names["REQUESTS_TOPIC"],
            "FEEDBACK_EVENTS_TOPIC": names["FEEDBACK_TOPIC"],
            "FEEDBACK_DEAD_LETTER_TOPIC": names["DEAD_LETTER_TOPIC"],
            "FEEDBACK_CONSUMER_GROUP": group,
            "FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS": str(session_timeout_ms),
            "FEEDBACK_CONSUMER_HEARTBEAT_MS": str(max(session_timeout_ms // 6, 100)),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def consumer_start(env: dict, *extra: str, log_path: Path | None = None) -> subprocess.Popen:
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_consumer", "feedback-join", *extra],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )

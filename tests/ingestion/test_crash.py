"""Crash safety: a stream of 100,000 requests with their feedback (5% duplicated, 10% out of order) is
consumed once without interruption and once by a consumer killed with SIGKILL at random points 10
times; the labels must be the same, row for row."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from feedback.services.windows import windows_close_due
from ingestion.producers import messages_produce, producer_make
from ingestion.simulator import TrafficConfig, traffic_generate
from tests.feedback.helpers import make_rule
from tests.ingestion.kafka_helpers import topics_create, unique_names, wait_for
from tests.ingestion.subprocess_consumer import consumer_env, consumer_start

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REQUESTS = 100_000
KILLS = 10
START = datetime(2026, 1, 1, tzinfo=UTC)

LABEL_COLUMNS = (
    "request_id, version, is_current, is_final, label, weight, source, rule_version, window_start, window_end, "
    "model, model_version, features::text, user_id, feedback_event_ids::text, downsampling_rate"
)


def snapshot() -> dict[str, list[tuple]]:
    """Close every window (far future), then read everything the join produced, in a stable order."""
    windows_close_due(now=START + timedelta(days=365))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {LABEL_COLUMNS} FROM feedback_directlabel ORDER BY request_id, version")
        labels = cursor.fetchall()
        cursor.execute("SELECT event_id, request_id, status FROM feedback_feedbackevent ORDER BY event_id")
        events = cursor.fetchall()
        cursor.execute("SELECT request_id, state, rule_id FROM feedback_inferencerequest ORDER BY request_id")
        requests = cursor.fetchall()
    return {"labels": labels, "events": events, "requests": requests}


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE feedback_directlabel, feedback_feedbackevent, feedback_inferencerequest, "
            "feedback_feedbackcounter, ingestion_deadletter"
        )


def committed(group: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT coalesce(sum(committed_offset), 0) FROM ingestion_consumeroffset WHERE "group" = %s', [group]
        )
        return int(cursor.fetchone()[0])


def test_sigkill_at_random_points_gives_the_labels_of_an_uninterrupted_run(settings, kafka_bootstrap):
    names = unique_names("crash")
    settings.FEEDBACK = {**settings.FEEDBACK, **{k: v for k, v in names.items() if k != "GROUP"}}
    topics_create(kafka_bootstrap, [names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"], names["DEAD_LETTER_TOPIC"]], 4)
    # A 60 s window with feedback ~30 s after serving: about one event in eight is late by event time.
    make_rule(model="ranker", window=timedelta(seconds=60), grace=timedelta(seconds=30), negative_downsampling_rate=0.5)
    messages, summary = traffic_generate(
        TrafficConfig(requests=REQUESTS, seed=20261122, start=START, duplicate_rate=0.05, out_of_order_rate=0.10)
    )
    assert summary.requests == REQUESTS
    assert 0.04 < summary.duplicates / (len(messages) - summary.duplicates) < 0.06
    assert summary.out_of_order > 0.08 * summary.feedback
    producer = producer_make(bootstrap_servers=kafka_bootstrap)
    assert messages_produce(producer=producer, messages=messages) == len(messages)
    producer.close()
    log = Path(tempfile.gettempdir()) / f"crash-{names['GROUP']}.log"

    # Given the labels of an uninterrupted run,
    env = consumer_env(bootstrap=kafka_bootstrap, names=names, group=names["GROUP"] + "-clean", session_timeout_ms=3000)
    clean = consumer_start(env, "--idle-exit", "3", log_path=log)
    assert clean.wait(timeout=600) == 0
    expected = snapshot()
    assert len(expected["requests"]) == REQUESTS
    assert len(expected["events"]) == summary.feedback
    reset()

    # when a consumer of another group is killed with SIGKILL at random points and restarted,
    rng = random.Random(4)
    group = names["GROUP"] + "-crashy"
    env = consumer_env(bootstrap=kafka_bootstrap, names=names, group=group, session_timeout_ms=3000)
    kills = []
    for _ in range(KILLS):
        before = committed(group)
        proc = consumer_start(env, log_path=log)
        progressed = lambda before=before: committed(group) > before  # noqa: E731
        wait_for(progressed, timeout=120, what="progress before the kill", every=0.05)
        time.sleep(rng.uniform(0, 0.8))
        proc.kill()
        proc.wait(timeout=30)
        kills.append(committed(group))
    assert kills[-1] < len(messages), "the stream ended before the last kill"
    final = consumer_start(env, "--idle-exit", "3", log_path=log)
    assert final.wait(timeout=600) == 0

    # then the labels (and every event's fate) equal the uninterrupted run's, row for row.
    got = snapshot()
    assert len(kills) == KILLS
    assert got["requests"] == expected["requests"]
    assert got["events"] == expected["events"]
    assert len(got["labels"]) == len(expected["labels"])
    assert got["labels"] == expected["labels"]

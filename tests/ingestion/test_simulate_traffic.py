from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from kafka import KafkaConsumer

from feedback.models import LabelRule
from tests.ingestion.kafka_helpers import unique_names

pytestmark = [pytest.mark.kafka, pytest.mark.django_db]


def test_simulate_traffic_produces_requests_and_feedback(settings, kafka_bootstrap):
    names = unique_names("sim")
    settings.FEEDBACK = {**settings.FEEDBACK, **{k: v for k, v in names.items() if k != "GROUP"}}
    out = StringIO()
    call_command("simulate_traffic", count=200, bootstrap_servers=kafka_bootstrap, create_rule=True, stdout=out)
    assert LabelRule.objects.filter(model="ranker").exists()
    sent = int(out.getvalue().split("sent ")[1].split(" ")[0])
    consumer = KafkaConsumer(
        names["REQUESTS_TOPIC"], names["FEEDBACK_TOPIC"], bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest", consumer_timeout_ms=5000,
    )  # fmt: skip
    messages = list(consumer)
    consumer.close()
    assert len(messages) == sent
    requests = {json.loads(m.value)["request_id"] for m in messages if m.topic == names["REQUESTS_TOPIC"]}
    events = [json.loads(m.value) for m in messages if m.topic == names["FEEDBACK_TOPIC"]]
    assert len(requests) == 200 and events
    assert {e["request_id"] for e in events} <= requests

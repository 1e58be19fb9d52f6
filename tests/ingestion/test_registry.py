from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from feedback import conf as feedback_conf
from ingestion.registry import consumer_get


def test_feedback_join_consumes_both_topics_from_settings(settings):
    # The declared consumer reads its topics from FEEDBACK when asked, defaults included
    spec = consumer_get("feedback-join")
    assert spec.topics == (feedback_conf.requests_topic(), feedback_conf.feedback_topic())
    assert spec.dead_letter_topic == feedback_conf.dead_letter_topic()
    assert callable(spec.handler)
    settings.FEEDBACK = {**settings.FEEDBACK, "REQUESTS_TOPIC": "req-x", "DEAD_LETTER_TOPIC": "dlq-x"}
    settings.KAFKA_CONSUMERS = {"feedback-join": {"group": "group-x"}}
    spec = consumer_get("feedback-join")
    assert spec.topics == ("req-x", "feedback-events") and spec.dead_letter_topic == "dlq-x"
    assert spec.group == "group-x" and spec.max_batch == 5000


def test_unknown_consumer_is_a_command_error():
    with pytest.raises(CommandError, match="No consumer"):
        call_command("run_consumer", "nope")

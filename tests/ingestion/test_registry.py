from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from ingestion.registry import consumer_get


def test_feedback_join_consumes_both_topics_from_settings(settings):
    spec = consumer_get("feedback-join")
    assert spec.topics == (settings.FEEDBACK["REQUESTS_TOPIC"], settings.FEEDBACK["FEEDBACK_TOPIC"])
    assert spec.dead_letter_topic == settings.FEEDBACK["DEAD_LETTER_TOPIC"]
    assert callable(spec.handler)


def test_unknown_consumer_is_a_command_error():
    with pytest.raises(CommandError, match="No consumer"):
        call_command("run_consumer", "nope")

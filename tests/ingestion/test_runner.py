"""The runner's batch processing without a broker: a record the database refuses never stalls the batch."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import DataError

from feedback.models import InferenceRequest
from ingestion.handlers.feedback_join import handle_batch
from ingestion.models import ConsumerOffset, DeadLetter
from ingestion.registry import consumer_get
from ingestion.runner import ConsumerRunner
from tests.feedback.helpers import feed, make_rule, req, request_bytes

pytestmark = pytest.mark.django_db


def refusing_handler(records, *, consumer):
    """The real handler, except that the database refuses request "poison" (as it would a NUL byte)."""
    if any(b'"poison"' in (r.value or b"") for r in records):
        raise DataError("invalid byte sequence")
    return handle_batch(records, consumer=consumer)


def test_a_record_the_database_refuses_is_dead_lettered_and_the_rest_stored(settings):
    settings.KAFKA_CONSUMERS = {
        "feedback-join": {**settings.KAFKA_CONSUMERS["feedback-join"], "handler": f"{__name__}.refusing_handler"}
    }
    make_rule()
    runner = ConsumerRunner(consumer_get("feedback-join"))
    records = [req(request_bytes("a")), req(request_bytes("poison")), req(request_bytes("b"))]
    result = runner.process(records)
    assert set(InferenceRequest.objects.values_list("pk", flat=True)) == {"a", "b"}
    assert [d.reason for d in result.dead_letters] == ["unstorable"]
    assert DeadLetter.objects.get().offset == records[1].offset
    assert ConsumerOffset.objects.get().committed_offset == records[-1].offset + 1


def test_nul_characters_are_dead_lettered_by_validation():
    make_rule()
    result = feed(req(request_bytes("nul\x00id")), req(request_bytes("ok", features={"x": "a\x00b"})))
    assert [d.reason for d in result.dead_letters] == ["schema", "schema"]
    assert not InferenceRequest.objects.exists()


def test_spec_is_frozen():
    spec = consumer_get("feedback-join")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.group = "other"

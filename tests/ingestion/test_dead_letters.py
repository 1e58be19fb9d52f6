"""Dead letters: redacted with the privacy paths when parseable, null kept null, deleted after retention;
and the privacy lists extend their defaults."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback import conf as feedback_conf
from feedback.models import InferenceRequest
from ingestion.dead_letters import dead_letter_headers, dead_letters_purge
from ingestion.models import DeadLetter
from ingestion.privacy import privacy_policy
from ingestion.records import Record
from tests.feedback.helpers import feed, make_rule, req, request_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_policy():
    privacy_policy.cache_clear()
    yield
    privacy_policy.cache_clear()


def test_a_request_refused_for_its_timestamp_keeps_no_raw_email_in_its_dead_letter():
    make_rule()
    bad = json.loads(request_bytes("r1", features={"email": "a@b.c", "ip": "10.0.0.1", "user": {"phone": "555"}}))
    bad["served_at"] = "2026-11-01 12:00:00Z"  # a space: not RFC 3339
    result = feed(req(json.dumps(bad).encode()))
    (dead,) = result.dead_letters
    stored = bytes(DeadLetter.objects.get().payload)
    for payload in (stored, dead.payload):
        assert b"a@b.c" not in payload and b"10.0.0.1" not in payload and b"555" not in payload
        assert json.loads(payload)["features"]["ip"].startswith("h:")
    assert ("redacted", b"1") in dead_letter_headers(dead)


def test_a_null_message_is_a_null_dead_letter():
    result = feed(Record(feedback_conf.feedback_topic(), 0, 10**6, None))
    (dead,) = result.dead_letters
    assert dead.reason == "null_value" and dead.payload is None
    assert DeadLetter.objects.get().payload is None


def test_a_2_to_the_60_feature_is_stored_exactly():
    make_rule()
    feed(req(request_bytes("r1", features={"id": 2**60, "small": 7})))
    features = InferenceRequest.objects.get(pk="r1").features
    assert features == {"id": "1152921504606846976", "small": 7}


def test_dead_letters_older_than_the_retention_are_deleted(settings):
    feed(Record(feedback_conf.feedback_topic(), 0, 10**6 + 1, b"{bad"))
    DeadLetter.objects.update(created_at=timezone.now() - timedelta(days=15))
    feed(Record(feedback_conf.feedback_topic(), 0, 10**6 + 2, b"{bad"))
    assert dead_letters_purge() == 1
    assert list(DeadLetter.objects.values_list("offset", flat=True)) == [10**6 + 2]
    settings.FEEDBACK = {**settings.FEEDBACK, "DEAD_LETTER_RETENTION_DAYS": 0}
    DeadLetter.objects.update(created_at=timezone.now() - timedelta(days=400))
    assert dead_letters_purge() == 0 and DeadLetter.objects.count() == 1


def test_configured_privacy_paths_extend_the_defaults_unless_told_to_replace_them(settings):
    # A careless admin adds one path: email and phone must still be dropped.
    settings.FEEDBACK = {**settings.FEEDBACK, "FEATURE_PATHS_DROP": ["ssn"], "FEATURE_PATHS_HASH": ["device"]}
    assert feedback_conf.feature_paths_drop() == ["email", "user.email", "user.phone", "ssn"]
    assert feedback_conf.feature_paths_hash() == ["ip", "user.ip", "device"]
    make_rule()
    feed(req(request_bytes("r1", features={"email": "a@b.c", "ssn": "1", "device": "d", "k": 1})))
    stored = InferenceRequest.objects.get(pk="r1").features
    assert set(stored) == {"device", "k"} and stored["device"].startswith("h:")
    settings.FEEDBACK = {**settings.FEEDBACK, "FEATURE_PATHS_REPLACE_DEFAULTS": True}
    assert feedback_conf.feature_paths_drop() == ["ssn"]

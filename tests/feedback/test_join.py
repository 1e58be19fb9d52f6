"""The join service through the real handler, without a broker (tests/ingestion has the broker tests)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import DirectLabel, FeedbackEvent, InferenceRequest
from feedback.services.windows import windows_close_due
from tests.feedback.helpers import T0, event_bytes, fb, feed, make_rule, req, request_bytes

pytestmark = pytest.mark.django_db


def current(request_id: str) -> DirectLabel:
    return DirectLabel.objects.get(request_id=request_id, is_current=True)


def test_click_inside_window_makes_a_positive_label_with_lineage():
    rule = make_rule()
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1")))
    label = current("r1")
    assert (label.label, label.weight, label.version, label.is_final) == (1, 1, 1, False)
    assert label.feedback_event_ids == ["e1"]
    assert (label.rule_id, label.rule_version, label.model_version) == (rule.id, 1, "v7")
    assert label.window_start == T0 and label.window_end == T0 + timedelta(minutes=10)
    assert "email" not in label.features and label.features["ip"].startswith("h:")  # privacy applied
    assert FeedbackEvent.objects.get(pk="e1").status == "applied"


def test_feedback_before_its_request_is_joined_when_the_request_comes():
    make_rule()
    feed(fb(event_bytes("e1", "r1")))
    assert InferenceRequest.objects.get(pk="r1").state == "awaiting"
    assert FeedbackEvent.objects.get(pk="e1").status == "pending"
    assert not DirectLabel.objects.exists()
    feed(req(request_bytes("r1")))
    assert current("r1").label == 1
    assert InferenceRequest.objects.get(pk="r1").state == "open"


def test_duplicates_in_and_across_batches_make_one_label():
    make_rule()
    batch = [req(request_bytes("r1")), fb(event_bytes("e1", "r1")), fb(event_bytes("e1", "r1"))]
    result = feed(*batch, req(request_bytes("r1")))
    assert result.stats["requests_duplicate"] == 1 and result.stats["feedback_duplicate"] == 1
    feed(*batch)
    assert DirectLabel.objects.count() == 1
    assert current("r1").version == 1
    assert FeedbackEvent.objects.count() == 1


def test_purchase_refines_the_open_label_in_place():
    make_rule()
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1", "click")))
    feed(fb(event_bytes("e2", "r1", "purchase")), fb(event_bytes("e3", "r1", "dismiss")))
    label = current("r1")
    assert (label.label, label.weight, label.version) == (1, 5, 1)
    assert label.feedback_event_ids == ["e1", "e2"]
    assert DirectLabel.objects.count() == 1


def test_dismiss_alone_is_a_negative_label():
    make_rule()
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1", "dismiss")))
    assert (current("r1").label, current("r1").feedback_event_ids) == (0, ["e1"])


def test_window_close_makes_negatives_and_finalizes_labels_with_no_traffic():
    make_rule()
    feed(req(request_bytes("r1")), req(request_bytes("r2")), fb(event_bytes("e1", "r1")))
    almost = T0 + timedelta(minutes=10, seconds=59)
    outcome = windows_close_due(now=almost, watermark=almost)
    assert outcome.closed == 0
    outcome = windows_close_due(now=T0 + timedelta(minutes=11), watermark=T0 + timedelta(minutes=11))
    assert (outcome.closed, outcome.negatives) == (2, 1)
    negative = current("r2")
    assert (negative.label, negative.source, negative.is_final, negative.feedback_event_ids) == (
        0,
        "window_closed",
        True,
        [],
    )
    assert current("r1").is_final
    assert windows_close_due(now=T0 + timedelta(hours=1), watermark=T0 + timedelta(hours=1)).closed == 0  # idempotent


def test_late_click_corrects_a_closed_negative_as_a_new_version():
    make_rule(late_policy="correct")
    feed(req(request_bytes("r1")))
    windows_close_due(now=T0 + timedelta(minutes=12), watermark=T0 + timedelta(minutes=12))
    feed(fb(event_bytes("late", "r1", at=T0 + timedelta(minutes=30))))
    versions = list(DirectLabel.objects.filter(request_id="r1").order_by("version"))
    assert [(v.version, v.label, v.is_current) for v in versions] == [(1, 0, False), (2, 1, True)]
    assert versions[1].source == "late" and versions[1].is_final
    assert FeedbackEvent.objects.get(pk="late").status == "late_applied"
    feed(fb(event_bytes("late", "r1", at=T0 + timedelta(minutes=30))))  # replay: no third version
    assert DirectLabel.objects.filter(request_id="r1").count() == 2


def test_late_feedback_is_recorded_but_ignored_when_the_rule_says_so():
    make_rule(late_policy="ignore")
    feed(req(request_bytes("r1")))
    windows_close_due(now=T0 + timedelta(minutes=12), watermark=T0 + timedelta(minutes=12))
    feed(fb(event_bytes("late", "r1")))
    assert FeedbackEvent.objects.get(pk="late").status == "late_ignored"
    assert [(v.version, v.label) for v in DirectLabel.objects.filter(request_id="r1")] == [(1, 0)]


def test_feedback_after_the_window_end_is_late_even_before_the_close_runs():
    make_rule(late_policy="ignore")
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1", at=T0 + timedelta(minutes=10, seconds=30))))
    assert FeedbackEvent.objects.get(pk="e1").status == "late_ignored"
    assert not DirectLabel.objects.exists()


def test_feedback_without_request_becomes_an_orphan_after_the_ttl_and_is_kept():
    make_rule(orphan_ttl=timedelta(minutes=5))
    feed(fb(event_bytes("e1", "ghost")))
    windows_close_due(watermark=timezone.now())  # just arrived: not an orphan yet
    assert FeedbackEvent.objects.get(pk="e1").status == "pending"
    outcome = windows_close_due(now=timezone.now() + timedelta(minutes=6))
    assert outcome.orphan_events == 1
    assert FeedbackEvent.objects.get(pk="e1").status == "orphan"


def test_an_orphan_whose_request_arrives_later_is_joined_inside_its_window():
    # A producer whose request log lags by more than the TTL: the click (1 min after serving) was declared
    # an orphan; when the request does arrive, the click is inside its window and makes a positive.
    make_rule(orphan_ttl=timedelta(minutes=5))
    feed(fb(event_bytes("e1", "ghost")), fb(event_bytes("e2", "ghost2", at=T0 + timedelta(minutes=20))))
    windows_close_due(now=timezone.now() + timedelta(minutes=6), watermark=None)
    assert set(FeedbackEvent.objects.values_list("status", flat=True)) == {"orphan"}
    result = feed(req(request_bytes("ghost")), req(request_bytes("ghost2")))
    assert result.stats["feedback_orphan_rejoined"] == 2
    assert FeedbackEvent.objects.get(pk="e1").status == "applied"
    assert FeedbackEvent.objects.get(pk="e2").status == "late_applied"  # after its window: late, as any other
    label = DirectLabel.objects.get(request_id="ghost", is_current=True)
    assert (label.label, label.version, label.feedback_event_ids) == (1, 1, ["e1"])
    # Replayed, nothing changes and no label is duplicated.
    feed(req(request_bytes("ghost")), fb(event_bytes("e1", "ghost")))
    assert DirectLabel.objects.filter(request_id="ghost").count() == 1


def test_feedback_before_served_at_is_not_a_positive_and_is_counted(settings):
    make_rule()
    result = feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1", at=T0 - timedelta(seconds=1))))
    assert FeedbackEvent.objects.get(pk="e1").status == "pre_served"
    assert result.stats["feedback_pre_served"] == 1
    assert not DirectLabel.objects.exists()
    # With a 5 s clock-skew allowance the same click counts; one 6 s early still does not.
    settings.FEEDBACK = {**settings.FEEDBACK, "CLOCK_SKEW_ALLOWANCE_S": 5}
    feed(req(request_bytes("r2")), fb(event_bytes("e2", "r2", at=T0 - timedelta(seconds=4))))
    feed(fb(event_bytes("e3", "r3", at=T0 - timedelta(seconds=6))), req(request_bytes("r3")))
    assert FeedbackEvent.objects.get(pk="e2").status == "applied"
    assert FeedbackEvent.objects.get(pk="e3").status == "pre_served"
    assert list(DirectLabel.objects.values_list("request_id", "label")) == [("r2", 1.0)]


def test_request_for_a_model_without_rule_is_held_unjoinable_and_counted():
    make_rule(model="ranker")
    result = feed(req(request_bytes("r1", model="no-rule")), fb(event_bytes("e1", "r1")))
    assert result.stats["requests_unjoinable"] == 1
    assert InferenceRequest.objects.get(pk="r1").state == "unjoinable"
    assert FeedbackEvent.objects.get(pk="e1").status == "unjoinable"
    assert not DirectLabel.objects.exists()


def test_unknown_event_type_is_kept_as_unused():
    make_rule()
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1", "hover")))
    assert FeedbackEvent.objects.get(pk="e1").status == "unused"
    assert not DirectLabel.objects.exists()


def test_negative_downsampling_is_deterministic_and_recorded():
    make_rule(negative_downsampling_rate=0.5)
    ids = [f"r{i}" for i in range(200)]
    feed(*[req(request_bytes(i)) for i in ids])
    windows_close_due(now=T0 + timedelta(minutes=12), watermark=T0 + timedelta(minutes=12))
    kept = set(DirectLabel.objects.values_list("request_id", flat=True))
    assert 60 < len(kept) < 140
    assert set(DirectLabel.objects.values_list("downsampling_rate", flat=True)) == {0.5}
    from ingestion.handlers.feedback_join import sample_key

    assert kept == {i for i in ids if sample_key(i) < 0.5}


def test_new_rule_version_applies_to_requests_that_arrive_after_it():
    make_rule()
    feed(req(request_bytes("r1")))
    rule2 = make_rule(window=timedelta(minutes=30))
    feed(req(request_bytes("r2")), fb(event_bytes("e1", "r1")), fb(event_bytes("e2", "r2")))
    assert current("r1").rule_version == 1 and current("r2").rule_version == 2
    assert current("r2").rule_id == rule2.id
    assert current("r2").window_end == T0 + timedelta(minutes=30)

from __future__ import annotations

import pytest

from feedback.models import LabelRule
from tests.feedback.helpers import event_bytes, fb, feed, make_rule, req, request_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ops", password="x", is_staff=True))
    return client


def test_health_figures_are_staff_only(client, django_user_model, staff_client):
    make_rule()
    feed(req(request_bytes("r1")), req(request_bytes("r2")), fb(event_bytes("e1", "r1")), fb(b"{bad"))
    data = staff_client.get("/api/feedback/health/").json()
    assert data["pending_windows"] == 2 and data["labels_current"] == 1 and data["positive_rate"] == 1.0
    assert data["join_rate"] == 1.0 and data["dead_letters"] == 1 and data["events_per_second"] > 0
    assert [value for _, value in data["series"]["requests"]] == [2]
    client.force_login(django_user_model.objects.create_user("rater", password="x"))
    assert client.get("/api/feedback/health/").status_code == 403


def test_rules_are_created_as_new_versions_and_validated(staff_client):
    body = {"model": "ranker", "window_seconds": 600, "grace_seconds": 60, "positive_events": {"click": 1},
            "negative_events": ["dismiss"], "late_policy": "ignore", "orphan_ttl_seconds": 3600}  # fmt: skip
    assert staff_client.post("/api/feedback/rules/", body, content_type="application/json").json()["version"] == 1
    assert staff_client.post("/api/feedback/rules/", body, content_type="application/json").json()["version"] == 2
    bad = {**body, "negative_events": ["click"]}
    response = staff_client.post("/api/feedback/rules/", bad, content_type="application/json")
    assert response.status_code == 400 and "both positive and negative" in response.json()["message"]
    assert LabelRule.objects.count() == 2


def test_label_list_shows_lineage(staff_client):
    make_rule()
    feed(req(request_bytes("r1")), fb(event_bytes("e1", "r1")))
    rows = staff_client.get("/api/feedback/labels/").json()["results"]
    assert [(r["request_id"], r["label"], r["feedback_event_ids"], r["rule_version"]) for r in rows] == [
        ("r1", 1.0, ["e1"], 1)
    ]

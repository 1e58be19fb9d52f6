"""Label rules are operable: a CLI, the same names and units in and out of the API, every constraint a 4xx
(never a database message), and a request's whole label history in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from feedback.models import DirectLabel, LabelRule
from feedback.services.windows import windows_close_due
from tests.feedback.helpers import T0, event_bytes, fb, feed, make_rule, req, request_bytes

pytestmark = pytest.mark.django_db

BODY = {"model": "ranker", "window_seconds": 600, "grace_seconds": 60, "positive_events": {"click": 1},
        "negative_events": ["dismiss"], "late_policy": "correct", "orphan_ttl_seconds": 3600}  # fmt: skip


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ops", password="x", is_staff=True))
    return client


def test_rule_fields_come_back_with_the_names_and_units_they_went_in_with(staff_client):
    created = staff_client.post("/api/feedback/rules/", BODY, content_type="application/json").json()
    listed = staff_client.get("/api/feedback/rules/").json()[0]
    for row in (created, listed):
        assert {k: row[k] for k in BODY} == BODY
        assert row["maturity_horizon_seconds"] == 86400 and "window" not in row


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"negative_downsampling_rate": 0}, "negative_downsampling_rate"),
        ({"negative_downsampling_rate": 1.5}, "negative_downsampling_rate"),
        ({"window_seconds": 0}, "window_seconds"),
        ({"window_seconds": 30 * 86400 + 1}, "window_seconds"),
        ({"grace_seconds": -1}, "grace_seconds"),
        ({"orphan_ttl_seconds": 0}, "orphan_ttl_seconds"),
        ({"maturity_horizon_seconds": 0}, "maturity_horizon_seconds"),
        ({"late_policy": "sometimes"}, "late_policy"),
        ({"positive_events": {}}, "positive_events"),
        ({"positive_events": {"click": 0}}, "positive_events"),
        ({"model": "m" * 201}, "model"),
    ],
)
def test_every_rule_constraint_is_a_4xx_that_stores_nothing(staff_client, change, field):
    response = staff_client.post("/api/feedback/rules/", {**BODY, **change}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert field in str(body["extra"]) and "constraint" not in str(body).lower()
    assert not LabelRule.objects.exists()


def test_a_requests_label_history_lists_every_version_with_its_maturity(staff_client):
    make_rule()
    feed(req(request_bytes("r1")))
    windows_close_due(now=T0 + timedelta(minutes=12), watermark=T0 + timedelta(minutes=12))
    feed(fb(event_bytes("late", "r1", at=T0 + timedelta(minutes=11))))  # late click flips the negative
    history = staff_client.get("/api/feedback/labels/r1/history/").json()
    assert [(v["version"], v["label"], v["is_current"], v["source"]) for v in history["versions"]] == [
        (1, 0.0, False, "window_closed"), (2, 1.0, True, "late"),
    ]  # fmt: skip
    assert {v["maturity"] for v in history["versions"]} == {"final"}
    assert history["versions"][0]["age_seconds"] > 0
    missing = staff_client.get("/api/feedback/labels/nope/history/")
    assert missing.status_code == 404 and missing.json()["extra"]["code"] == "not_found"
    assert staff_client.get("/api/feedback/labels/").json()["results"][0]["maturity"] == "final"


def test_label_history_is_staff_only(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("rater", password="x"))
    assert client.get("/api/feedback/labels/r1/history/").status_code == 403


def test_label_rules_cli_lists_creates_updates_and_deactivates(capsys):
    call_command("label_rules", "create", "ranker", "--window-seconds", "600", "--positive-events", "click=1,buy=5",
                 "--negative-events", "dismiss")  # fmt: skip
    call_command("label_rules", "update", "ranker", "--grace-seconds", "120")
    rules = list(LabelRule.objects.order_by("version"))
    assert [(r.version, r.grace, r.positive_events) for r in rules] == [
        (1, timedelta(0), {"click": 1.0, "buy": 5.0}), (2, timedelta(seconds=120), {"click": 1.0, "buy": 5.0}),
    ]  # fmt: skip
    capsys.readouterr()
    call_command("label_rules", "list", "--json")
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and '"window_seconds": 600' in out[0]
    call_command("label_rules", "deactivate", "ranker", "--version", "2")
    assert list(LabelRule.objects.filter(is_active=True).values_list("version", flat=True)) == [1]


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "ranker", "--window-seconds", "600", "--positive-events", "click=1", "--negative-downsampling-rate",
         "0"],
        ["create", "ranker", "--window-seconds", "0", "--positive-events", "click=1"],
        ["create", "ranker", "--window-seconds", "60", "--positive-events", "click"],
        ["update", "nobody", "--grace-seconds", "5"],
        ["deactivate", "nobody"],
    ],
)  # fmt: skip
def test_label_rules_cli_errors_are_messages_not_tracebacks(argv):
    with pytest.raises(CommandError):
        call_command("label_rules", *argv)
    assert not DirectLabel.objects.exists() and not LabelRule.objects.exists()

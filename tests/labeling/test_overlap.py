"""Adaptive overlap through the real lease and submit services on PostgreSQL.

Covers the slot mechanics (min slots at import, one more slot per unsure decision, never past max, no
rater twice), the recorded decision, adjudication of items that stop at max, the settings' validation,
raters who try to close items early, and gold staying blind.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.exceptions import ApplicationError
from labeling.models import AggregationFit, Assignment, Item, ItemOverlapDecision, RaterReliability, Resolution
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from labeling.services.items import items_import
from labeling.services.projects import project_update
from labeling.services.resolution import item_resolve, project_resolve

pytestmark = pytest.mark.django_db

ADAPTIVE = {"overlap_policy": "adaptive", "overlap_min": 2, "overlap_max": 4, "overlap_target": 0.95}


@pytest.fixture
def adaptive(make_project):
    def make(items: int = 1, **options):
        project = make_project(
            **{**ADAPTIVE, "pause_fast_share_above": None, "pause_gold_accuracy_below": None, **options}
        )
        items_import(project=project, records=({"payload": {"n": i}} for i in range(items)))
        return project

    return make


def _label(project, rater, value: str) -> Assignment | None:
    lease = assignment_lease_next(project=project, rater=rater)
    if lease is not None:
        annotation_submit(assignment_id=lease.pk, rater=rater, value=value)
    return lease


def test_items_start_with_the_minimum_and_get_one_slot_per_unsure_decision(adaptive, make_rater):
    # Given an adaptive project (min 2, max 4, target 0.95) with no fit yet: every rater is worth 0.7
    project = adaptive()
    item = Item.objects.get(project=project)
    assert item.slots_open == 2
    raters = [make_rater(project) for _ in range(5)]

    # When two raters agree: 0.49 / (0.49 + 2 * 0.15^2) = 0.916 < 0.95, so one more slot opens
    _label(project, raters[0], "cat")
    item.refresh_from_db()
    assert item.slots_open == 1  # below the minimum: the second initial slot is still open
    _label(project, raters[1], "cat")
    item.refresh_from_db()
    decision = ItemOverlapDecision.objects.get(item=item)
    assert (decision.outcome, decision.reason, decision.raters_used) == ("more", "below_target", 2)
    assert decision.label == "cat" and decision.confidence == pytest.approx(0.49 / 0.535, abs=1e-4)
    assert item.slots_open == 1 and decision.slots_opened == 1

    # Then a third and fourth agreeing label reach 0.95 (three votes at 0.7 over three categories is enough)
    _label(project, raters[2], "cat")
    item.refresh_from_db()
    decision.refresh_from_db()
    assert decision.reason == "target_reached" and decision.outcome == "done"
    assert item.slots_open == 0 and item.annotation_count == 3
    # And nobody else is given the item
    assert assignment_lease_next(project=project, rater=raters[3]) is None
    assert item_resolve(item=item).needs_adjudication is False


def test_items_that_reach_max_unsure_go_to_adjudication(adaptive, make_rater):
    # Given max 3: a 2-1 split is a 0.67 majority (no conflict under fixed overlap) but below the 0.95 target
    project = adaptive(overlap_max=3)
    item = Item.objects.get(project=project)
    raters = [make_rater(project) for _ in range(5)]
    for rater, value in zip(raters, ["cat", "dog", "cat", "dog", "cat"], strict=True):
        _label(project, rater, value)
    item.refresh_from_db()
    # Never past max, no rater twice
    assert item.annotation_count == 3 and item.slots_open == 0
    assert Assignment.objects.filter(item=item).values("rater").distinct().count() == 3
    decision = ItemOverlapDecision.objects.get(item=item)
    assert (decision.outcome, decision.reason, decision.raters_used) == ("done", "max_reached", 3)
    # And both resolution paths flag it for adjudication
    resolution = item_resolve(item=item)
    assert resolution.confidence > project.confidence_threshold
    assert resolution.needs_adjudication and resolution.adjudication_reason == "below_target"
    Resolution.objects.filter(pk=resolution.pk).delete()  # the project refit writes its own row
    project_resolve(project=project, bootstrap=0)
    current = Resolution.objects.get(item=item, is_current=True)
    assert current.needs_adjudication and current.adjudication_reason == "below_target"


def test_an_item_is_not_resolved_by_the_project_refit_while_a_slot_is_open(adaptive, make_rater):
    project = adaptive(items=1)
    raters = [make_rater(project) for _ in range(2)]
    _label(project, raters[0], "cat")
    _label(project, raters[1], "cat")
    summary = project_resolve(project=project, bootstrap=0)
    assert summary.items_not_ready == 1 and not Resolution.objects.filter(project=project).exists()


def test_fixed_overlap_is_unchanged(make_project, make_rater):
    project = make_project(overlap=2, pause_fast_share_above=None)
    items_import(project=project, records=[{"payload": {"n": 1}}])
    raters = [make_rater(project) for _ in range(3)]
    _label(project, raters[0], "cat")
    _label(project, raters[1], "dog")
    assert assignment_lease_next(project=project, rater=raters[2]) is None
    assert not ItemOverlapDecision.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"overlap_min": 0}, "overlap_min"),
        ({"overlap_min": 3, "overlap_max": 2}, "overlap_max"),
        ({"overlap_target": 0.5}, "overlap_target"),
        ({"overlap_target": 1.0}, "overlap_target"),
        ({"overlap_max": 1000}, "overlap_max"),
        ({"overlap_policy": "sometimes"}, "overlap_policy"),
    ],
)
def test_bad_settings_are_refused_with_the_field(client, staff, fields, field):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(staff)
    body = {"name": f"bad-{field}", "label_type": "single", "categories": ["a", "b"], **ADAPTIVE, **fields}
    response = api.post("/api/projects/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    from labeling.models import Project

    assert not Project.objects.filter(name=f"bad-{field}").exists()


def test_adaptive_needs_a_single_label_and_locks_once_items_exist(make_project, adaptive):
    with pytest.raises(ApplicationError) as refused:
        make_project(label_type="multi", **ADAPTIVE)
    assert "overlap_policy" in refused.value.extra["fields"]
    project = adaptive()
    with pytest.raises(ApplicationError) as locked:
        project_update(project=project, overlap_policy="fixed")
    assert locked.value.extra["code"] == "overlap_locked"
    # The maximum and the target may change: they only bound future slots
    assert project_update(project=project, overlap_max=6, overlap_target=0.9).overlap_max == 6


def _fit(project, reliabilities: dict, confusion: dict | None = None, priors: dict | None = None):
    """Store a fit through the refit's own writer, as if each rater had 50 labels (the fit's output is given)."""
    from labeling.aggregation.aggregators import Aggregate
    from labeling.aggregation.frame import AnnotationFrame
    from labeling.services.resolution import _store_fit

    raters = np.repeat(np.array(list(reliabilities), dtype=np.int64), 50)
    zeros = np.zeros(len(raters), dtype=np.int64)
    frame = AnnotationFrame(raters, raters, zeros, zeros, list(project.categories), None, "single")
    one = np.zeros(1)
    agg = Aggregate(project.aggregation_method, np.array([0]), one, one.astype(int), None, one, one, one.astype(bool))
    agg.reliability, agg.confusion = reliabilities, confusion or {}
    agg.priors = None if priors is None else np.array(list(priors.values()))
    _store_fit(project, frame, agg)


def test_a_rater_who_always_gives_one_label_cannot_close_items_with_a_colluder(adaptive, make_rater):
    # Given a Dawid-Skene project where the fit has measured two raters who always answer "cat"
    project = adaptive(items=3, aggregation_method="dawid_skene", overlap_max=3)
    cheats = [make_rater(project), make_rater(project)]
    honest = [make_rater(project) for _ in range(3)]
    always_cat = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    good = np.array([[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]])
    _fit(
        project,
        {cheats[0].pk: 0.34, cheats[1].pk: 0.34, **{h.pk: 0.9 for h in honest}},
        confusion={cheats[0].pk: always_cat, cheats[1].pk: always_cat, **{h.pk: good for h in honest}},
        priors={"cat": 1 / 3, "dog": 1 / 3, "bird": 1 / 3},
    )
    assert RaterReliability.objects.filter(project=project).count() == 5 and AggregationFit.objects.exists()
    # When both cheats label every item first, with the same answer
    for cheat in cheats:
        while _label(project, cheat, "cat") is not None:
            pass
    # Then no item is closed on their say: each still asks for another rater
    decisions = list(ItemOverlapDecision.objects.filter(project=project))
    assert len(decisions) == 3
    assert all(d.outcome == "more" and d.confidence < 0.5 for d in decisions)
    assert Item.objects.filter(project=project, slots_open=1).count() == 3
    # And a cheat is never given a second slot on an item they labeled
    assert assignment_lease_next(project=project, rater=cheats[0]) is None
    # While two measured honest raters who agree do close an item
    project2 = adaptive(items=1, aggregation_method="dawid_skene")
    h = [make_rater(project2), make_rater(project2)]
    _fit(
        project2,
        {r.pk: 0.9 for r in h},
        confusion={r.pk: good for r in h},
        priors={"cat": 1 / 3, "dog": 1 / 3, "bird": 1 / 3},
    )
    _label(project2, h[0], "dog")
    _label(project2, h[1], "dog")
    assert ItemOverlapDecision.objects.get(item__project=project2).reason == "target_reached"


def test_fresh_colluding_accounts_cannot_close_an_item(adaptive, make_rater):
    # Given no fit: two new accounts agreeing are worth 0.7 each, below the 0.95 target
    project = adaptive(items=1)
    pair = [make_rater(project), make_rater(project)]
    for rater in pair:
        _label(project, rater, "bird")
    assert ItemOverlapDecision.objects.get(item__project=project).outcome == "more"


def test_gold_and_regular_submits_run_the_same_statements_under_adaptive_overlap(adaptive, make_rater):
    """ADR 0008: the decision and the slot statement run for gold too, so a submit says nothing about the item."""
    project = adaptive(items=2, gold_ratio=1.0, overlap_min=1)
    items_import(
        project=project,
        records=[{"payload": {"g": i}, "is_gold": True, "gold_value": "cat"} for i in range(2)],
    )
    rater = make_rater(project)
    statements = {}
    while (lease := assignment_lease_next(project=project, rater=rater)) is not None:
        with CaptureQueriesContext(connection) as ctx:
            annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
        normalised = [re.sub(r"\d+", "N", " ".join(q["sql"].split()))[:80] for q in ctx.captured_queries]
        statements.setdefault(lease.item.is_gold, normalised)
    assert set(statements) == {True, False}
    assert statements[True] == statements[False]
    # Gold never gains a slot
    assert set(Item.objects.filter(project=project, is_gold=True).values_list("slots_open", flat=True)) == {1}


def test_the_decision_is_visible_to_staff_in_the_api_and_never_to_raters(adaptive, make_rater, staff):
    from rest_framework.test import APIClient

    project = adaptive()
    raters = [make_rater(project) for _ in range(2)]
    _label(project, raters[0], "cat")
    _label(project, raters[1], "cat")
    item = Item.objects.get(project=project)
    api = APIClient()
    api.force_authenticate(staff)
    shown = api.get(f"/api/items/{item.pk}/overlap/")
    assert shown.status_code == 200
    body = shown.json()
    assert body["outcome"] == "more" and body["reason"] == "below_target" and body["raters_used"] == 2
    assert set(body["posterior"]) == {"cat", "dog", "bird"} and body["label"] == "cat"
    listed = api.get(f"/api/projects/{project.pk}/items/").json()["results"][0]
    assert listed["overlap_decision"]["reason"] == "below_target"
    settings = api.get(f"/api/projects/{project.pk}/").json()
    assert settings["overlap_policy"] == "adaptive" and settings["overlap_target"] == 0.95
    # A rater of the project sees neither the decision nor the settings
    api.force_authenticate(raters[0])
    assert api.get(f"/api/items/{item.pk}/overlap/").status_code in (403, 404)
    assert "overlap_target" not in api.get(f"/api/projects/{project.pk}/").json()


def test_the_project_summary_counts_stops_and_labels_spent(adaptive, make_rater, staff):
    from rest_framework.test import APIClient

    # Given two items: one settled by three agreeing labels, one split until the maximum (3)
    project = adaptive(items=2, overlap_max=3)
    raters = [make_rater(project) for _ in range(6)]
    answers = {0: ["cat", "cat", "cat"], 1: ["cat", "dog", "bird"]}
    for item in Item.objects.filter(project=project):
        n = item.payload["n"]
        for rater, value in zip(raters[3 * n : 3 * n + 3], answers[n], strict=True):
            lease = assignment_lease_next(project=project, rater=rater)
            while lease.item_id != item.pk:  # the queue order is random: give other items back untouched
                from labeling.services.annotations import assignment_skip

                assignment_skip(assignment_id=lease.pk, rater=rater, reason="test order")
                lease = assignment_lease_next(project=project, rater=rater)
            annotation_submit(assignment_id=lease.pk, rater=rater, value=value)
    api = APIClient()
    api.force_authenticate(staff)
    summary = api.get(f"/api/projects/{project.pk}/overlap/").json()
    assert summary["by_reason"] == {"max_reached": 1, "target_reached": 1}
    assert summary["items_done"] == 2 and summary["labels_used"] == 6
    assert summary["labels_at_max"] == 6 and summary["share_of_max"] == 1.0


def test_the_refit_task_refreshes_the_reliabilities_the_decision_reads(adaptive, make_rater):
    from config import celery_app
    from labeling.selectors.rater_model import rater_model
    from labeling.tasks import refit_reliability_projects

    # Given an adaptive majority-vote project where raters mostly agree (no fit yet: the 0.7 prior)
    project = adaptive(items=6, overlap_max=3)
    raters = [make_rater(project) for _ in range(3)]
    assert rater_model(project=project, rater_ids=[]).prior_accuracy == 0.7
    for rater in raters:
        while _label(project, rater, "cat") is not None:
            pass
    # When the periodic refit runs (majority projects are refitted because they are adaptive)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        assert refit_reliability_projects() >= 1
    finally:
        celery_app.conf.task_always_eager = previous
    # Then the decision's pooled accuracy is the fitted one (everyone agreed with the majority), capped
    assert RaterReliability.objects.filter(project=project).count() == 3
    assert rater_model(project=project, rater_ids=[]).prior_accuracy == pytest.approx(0.99)


def test_unsafe_adaptive_settings_fail_the_start_up_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.LABELING = {**getattr(settings, "LABELING", {}), "ADAPTIVE_MAX_RELIABILITY": 1.0}
    with pytest.raises(SystemCheckError, match="ADAPTIVE_MAX_RELIABILITY"):
        call_command("check")

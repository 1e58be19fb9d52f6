"""Active-learning queue order: uncertainty first, a random control stream, gold untouched (ADR 0008)."""

from __future__ import annotations

import pytest

from labeling.models import Item, ItemModelState, QueueStream
from labeling.selectors.predictions import active_learning_streams
from labeling.services.assignment import assignment_lease_next
from labeling.services.items import items_import
from labeling.services.model_settings import model_settings_update
from labeling.services.predictions import predictions_import

pytestmark = pytest.mark.django_db


def _proba(top: float) -> dict[str, float]:
    rest = (1 - top) / 2
    return {"cat": top, "dog": rest, "bird": 1 - top - rest}


def _predict(project, tops: dict[str, float], version: str = "v1") -> None:
    rows = [{"item": k, "value": "cat", "probabilities": _proba(t)} for k, t in tops.items()]
    predictions_import(project=project, model="clf", version=version, rows=rows)


def test_the_least_sure_item_is_served_first_and_refreshes_with_new_predictions(make_project, make_rater, add_items):
    # Given margin order with no control stream, and predictions of different certainty
    project = make_project(overlap=1)
    add_items(project, 4)
    model_settings_update(project=project, active_learning="margin", active_learning_random_share=0.0)
    _predict(project, {"x0": 0.95, "x1": 0.40, "x2": 0.80, "x3": 0.60})
    # When raters ask for work, the least sure item (x1) comes first
    first = assignment_lease_next(project=project, rater=make_rater(project))
    assert first.item.external_id == "x1"
    # When a new model version makes x0 the least sure, the queue follows in the same import
    _predict(project, {"x0": 0.34, "x2": 0.99, "x3": 0.99}, version="v2")
    second = assignment_lease_next(project=project, rater=make_rater(project))
    assert second.item.external_id == "x0"
    assert set(ItemModelState.objects.values_list("stream", flat=True)) == {QueueStream.UNCERTAINTY}


def test_control_stream_gets_random_priority_in_the_same_range_and_is_reported(make_project, add_items):
    # Given a 50% control share over many items
    project = make_project(overlap=1)
    add_items(project, 200)
    model_settings_update(project=project, active_learning="entropy", active_learning_random_share=0.5)
    # All items equally sure: the uncertainty stream's priorities are all equal
    _predict(project, {f"x{i}": 0.9 for i in range(200)})
    states = {s.item_id: s for s in ItemModelState.objects.all()}
    control = [i for i, s in states.items() if s.stream == QueueStream.CONTROL]
    # Then about half are control, drawn at random, with spread priorities in [0, 1e6]
    assert 60 < len(control) < 140
    priorities = list(Item.objects.filter(pk__in=control).values_list("priority", flat=True))
    assert len(set(priorities)) > len(control) * 0.9 and min(priorities) >= 0 and max(priorities) <= 1_000_000
    uncertain = set(Item.objects.exclude(pk__in=control).values_list("priority", flat=True))
    assert len(uncertain) == 1
    # And the stream is stable when predictions are refreshed
    _predict(project, {f"x{i}": 0.5 for i in range(200)}, version="v2")
    assert {s.item_id for s in ItemModelState.objects.filter(stream=QueueStream.CONTROL)} == set(control)
    report = {row["stream"]: row for row in active_learning_streams(project=project)}
    assert report["control"]["items"] == len(control) and report["uncertainty"]["items"] == 200 - len(control)


def test_gold_items_get_no_priority_signal_and_no_state(make_project, add_items):
    # Given gold items among regular ones, and a staff pipeline that sends predictions for every item
    project = make_project(overlap=1, gold_ratio=0.2)
    add_items(project, 3)
    items_import(
        project=project,
        records=[{"external_id": f"g{i}", "payload": {"t": i}, "is_gold": True, "gold_value": "cat"} for i in range(3)],
    )
    model_settings_update(project=project, active_learning="margin", active_learning_random_share=0.3)
    _predict(project, {"x0": 0.4, "x1": 0.5, "x2": 0.9, "g0": 0.34, "g1": 0.5, "g2": 0.99})
    # Then gold items keep the import's priority and have no stream (nothing distinguishes them by priority)
    gold = Item.objects.filter(is_gold=True)
    assert set(gold.values_list("priority", flat=True)) == {0}
    assert not ItemModelState.objects.filter(item__is_gold=True).exists()
    assert ItemModelState.objects.filter(item__is_gold=False).count() == 3


def test_active_learning_off_leaves_the_queue_alone(make_project, add_items):
    project = make_project(overlap=1)
    add_items(project, 2)
    _predict(project, {"x0": 0.4, "x1": 0.9})
    assert set(Item.objects.values_list("priority", flat=True)) == {0}
    # Turning it on orders the items already predicted
    model_settings_update(project=project, active_learning="margin", active_learning_random_share=0.0)
    assert Item.objects.get(external_id="x0").priority > Item.objects.get(external_id="x1").priority


def test_model_settings_api(api, project, staff, make_rater, add_items):
    add_items(project, 2)
    url = f"/api/projects/{project.pk}/model-settings/"
    assert api(make_rater(project)).patch(url, {"active_learning": "margin"}, format="json").status_code == 403
    client = api(staff)
    assert client.get(url).json()["preannotations"] is False  # blind by default
    bad = client.patch(url, {"active_learning_random_share": 1.5}, format="json")
    assert bad.status_code == 400
    assert client.patch(url, {"active_learning": "nope"}, format="json").status_code == 400
    ok = client.patch(url, {"active_learning": "entropy", "active_learning_random_share": 0.1}, format="json")
    assert ok.status_code == 200 and ok.json()["active_learning"] == "entropy"
    body = client.get(url).json()
    assert {"predictions", "suggestion_keep_rates", "active_learning_streams"} <= set(body)

"""Pre-annotations: off by default; when on, shown except on a random control arm; recorded; keep-rates compared."""

from __future__ import annotations

import pytest
from django.urls import reverse

from labeling.models import ItemModelState, SuggestionExposure
from labeling.selectors.predictions import suggestion_keep_rates
from labeling.services.items import items_import
from labeling.services.model_settings import model_settings_update
from labeling.services.predictions import predictions_import

pytestmark = pytest.mark.django_db


def _predict_all(project, n: int, value: str = "dog", prefix: str = "x") -> None:
    rows = [{"item": f"{prefix}{i}", "value": value, "score": 0.8} for i in range(n)]
    predictions_import(project=project, model="clf", version="v1", rows=rows)


def _next(client, project):
    return client.post(f"/api/projects/{project.pk}/tasks/next/")


def test_off_by_default_nothing_shown_or_recorded(api, make_project, make_rater, add_items):
    project = make_project(overlap=1)
    add_items(project, 3)
    _predict_all(project, 3)
    task = _next(api(make_rater(project)), project)
    assert task.status_code == 200 and task.json()["suggestion"] is None
    assert not SuggestionExposure.objects.exists()


def test_shown_outside_the_control_arm_and_keep_rates(api, make_project, make_rater, add_items):
    # Given suggestions on with a 30% control arm over 40 items
    project = make_project(overlap=1)
    add_items(project, 40)
    _predict_all(project, 40)
    model_settings_update(project=project, preannotations=True, preannotation_control_share=0.3)
    shown_count = 0
    for _ in range(40):
        client = api(make_rater(project))
        task = _next(client, project).json()
        exposure = SuggestionExposure.objects.get(assignment__task_id=task["task_id"])
        # Then the rater sees the suggestion exactly when the lease records it as shown
        assert (task["suggestion"] == {"value": "dog"}) == exposure.shown
        state = ItemModelState.objects.get(item_id=exposure.item_id)
        assert exposure.shown == (state.suggestion_draw >= 0.3)
        shown_count += exposure.shown
        # Raters who were shown it keep it; control raters pick "cat"
        value = "dog" if exposure.shown else "cat"
        assert client.post(f"/api/tasks/{task['task_id']}/submit/", {"value": value}, format="json").status_code == 201
    assert 10 < shown_count < 40
    rates = suggestion_keep_rates(project=project)
    assert rates["shown"]["share"] == 1.0 and rates["control"]["share"] == 0.0
    assert rates["shown"]["annotations"] == shown_count and rates["difference"] == 1.0


def test_gold_items_never_carry_a_suggestion(api, make_project, make_rater, add_items):
    # Given gold items served among regular ones, predictions for every item, and suggestions on (no control arm)
    project = make_project(overlap=1, gold_ratio=0.5)
    add_items(project, 4)
    items_import(
        project=project,
        records=[{"external_id": f"g{i}", "payload": {"t": i}, "is_gold": True, "gold_value": "cat"} for i in range(4)],
    )
    _predict_all(project, 4)
    _predict_all(project, 4, prefix="g")
    model_settings_update(project=project, preannotations=True, preannotation_control_share=0.0)
    client = api(make_rater(project))
    served = {"gold": 0, "regular": 0}
    for _ in range(8):
        task = _next(client, project)
        if task.status_code == 204:
            break
        exposure = SuggestionExposure.objects.filter(assignment__task_id=task.json()["task_id"]).first()
        is_gold = exposure is None
        served["gold" if is_gold else "regular"] += 1
        # Then a gold task shows no suggestion and leaves no record; a regular one shows it
        assert (task.json()["suggestion"] is None) == is_gold
        client.post(f"/api/tasks/{task.json()['task_id']}/submit/", {"value": "cat"}, format="json")
    assert served["gold"] >= 1 and served["regular"] == 4
    assert not SuggestionExposure.objects.filter(item__is_gold=True).exists()


def test_label_page_shows_the_suggestion_only_when_on(client, make_project, make_rater, add_items):
    # Given a rater on a project with predictions
    project = make_project(overlap=1)
    add_items(project, 2)
    _predict_all(project, 2, value="bird")
    rater = make_rater(project)
    client.force_login(rater)
    url = reverse("raters:label", args=[project.pk])
    # Then with suggestions off (the default) the page says nothing about the model
    assert "Model suggestion" not in client.get(url).content.decode()
    # And with them on (no control arm) it shows the model's value, recorded on the lease
    model_settings_update(project=project, preannotations=True, preannotation_control_share=0.0)
    page = client.get(url).content.decode()
    assert "Model suggestion: <strong>bird</strong>" in page
    assert SuggestionExposure.objects.filter(rater=rater, shown=True).count() == 1

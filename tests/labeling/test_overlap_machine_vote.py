"""A model rater in the adaptive decision, through the real lease, submit and import services on PostgreSQL.

The same seeded items and scripted human labels run on projects that differ only in the model: counted
and measured reliable, counted but unmeasured, counted but unreliable, not counted. The labels spent,
the decisions and the replay of the collected votes are compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rest_framework.test import APIClient

from labeling.aggregation.frame import MACHINE_RATER_ID, AnnotationFrame
from labeling.aggregation.overlap_replay import replay
from labeling.models import Annotation, Item, ItemOverlapDecision, Project
from labeling.selectors.model_settings import machine_rater_key
from labeling.selectors.rater_model import rater_model
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from labeling.services.items import items_import
from labeling.services.model_settings import model_settings_update
from labeling.services.overlap import project_policy
from labeling.services.predictions import predictions_import

pytestmark = pytest.mark.django_db

LABELS = ["cat", "dog", "bird"]
ITEMS = 24
PEOPLE = 0.8  # every person's measured reliability (so also the pooled prior a machine must reach)
KEY = machine_rater_key("clf", "v1")


def _script(seed: int = 7) -> tuple[list[str], list[list[str]]]:
    """Per item: the model's label and three human labels; the first human agrees with the model on ~2/3."""
    rng = np.random.default_rng(seed)
    model, humans = [], []
    for _ in range(ITEMS):
        truth = LABELS[rng.integers(3)]
        model.append(truth if rng.random() < 0.9 else LABELS[rng.integers(3)])
        humans.append([truth if rng.random() < 0.75 else LABELS[rng.integers(3)] for _ in range(3)])
    return model, humans


def _fit(project: Project, people: list, machine: float | None) -> None:
    """Store a fit through the refit's own writer: 50 labels per person, the model's figure when given.

    Every item also has a second voter the fit stores nothing for, so each has two people and the model is
    measured (ADR 0015); the model votes on 40 of the 50 items, agreeing with the people on `machine` of them.
    """
    from labeling.aggregation.aggregators import Aggregate
    from labeling.services.resolution import _store_fit

    reliability = {p.pk: PEOPLE for p in people}
    voters = [*reliability, 10**9]
    items = np.tile(np.arange(50, dtype=np.int64), len(voters))
    raters = np.repeat(np.array(voters, dtype=np.int64), 50)
    codes = np.zeros(len(raters), dtype=np.int64)
    if machine is not None:
        agreeing = round(machine * 40)
        items = np.r_[items, np.arange(40)]
        raters = np.r_[raters, np.full(40, MACHINE_RATER_ID)]
        codes = np.r_[codes, np.zeros(agreeing, dtype=np.int64), np.ones(40 - agreeing, dtype=np.int64)]
    frame = AnnotationFrame(items, raters, np.zeros(len(raters), dtype=np.int64), codes, list(LABELS), None, "single")
    frame.extra["machine_raters"] = {MACHINE_RATER_ID: KEY}
    one = np.zeros(1)
    agg = Aggregate("weighted", np.array([0]), one, one.astype(int), None, one, one, one.astype(bool))
    agg.reliability, agg.confusion = reliability, {}
    _store_fit(project, frame, agg)


def _run(make_project, make_rater, *, counted: bool, machine: float | None, overlap_min: int = 1) -> Project:
    """One project: seeded items with the model's predictions, a fit, then three raters label as scripted."""
    model, humans = _script()
    project = make_project(
        overlap_policy="adaptive",
        overlap_min=overlap_min,
        overlap_max=3,
        overlap_target=0.95,
        aggregation_method="weighted",
        pause_fast_share_above=None,
        pause_gold_accuracy_below=None,
    )
    items_import(project=project, records=[{"external_id": f"i{i}", "payload": {"n": i}} for i in range(ITEMS)])
    rows = [{"item": f"i{i}", "value": v, "probabilities": None} for i, v in enumerate(model)]
    predictions_import(project=project, model="clf", version="v1", rows=rows)
    if counted:
        model_settings_update(project=project, rater_model="clf", rater_version="v1")
    people = [make_rater(project) for _ in range(3)]
    _fit(project, people, machine)
    index = {
        pk: i for i, pk in enumerate(Item.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    }
    for rater in people:
        while (lease := assignment_lease_next(project=project, rater=rater)) is not None:
            item = Item.objects.get(pk=lease.item_id)
            annotation_submit(assignment_id=lease.pk, rater=rater, value=humans[index[item.pk]][item.annotation_count])
    return project


def _decisions(project: Project) -> list[tuple]:
    rows = ItemOverlapDecision.objects.filter(project=project).order_by("item_id")
    return [(d.outcome, d.reason, d.raters_used, round(d.confidence, 6), d.label) for d in rows]


def _spent(project: Project) -> int:
    return Annotation.objects.filter(item__project=project).count()


def test_a_reliable_counted_model_stops_items_its_first_rater_agrees_with(make_project, make_rater):
    # Given the same items and human labels, once with a counted model measured at 0.95 and once without it
    with_model = _run(make_project, make_rater, counted=True, machine=0.95)
    people_only = _run(make_project, make_rater, counted=False, machine=0.95)
    model, humans = _script()
    agrees = [i for i in range(ITEMS) if humans[i][0] == model[i]]
    assert 0 < len(agrees) < ITEMS

    # Then fewer labels are spent with the model counted
    assert _spent(with_model) < _spent(people_only)
    decided = {
        d.item.external_id: d for d in ItemOverlapDecision.objects.filter(project=with_model).select_related("item")
    }
    baseline = {
        d.item.external_id: d for d in ItemOverlapDecision.objects.filter(project=people_only).select_related("item")
    }
    # And every item whose first rater agreed with the model stopped on that one person, recorded as such
    for i in agrees:
        assert decided[f"i{i}"].raters_used == 1 and decided[f"i{i}"].reason == "target_reached"
        assert decided[f"i{i}"].machine_counted and decided[f"i{i}"].machine_rater == KEY
        assert baseline[f"i{i}"].raters_used >= 2 and not baseline[f"i{i}"].machine_counted


@pytest.mark.parametrize("machine", [None, 0.5], ids=["unmeasured", "unreliable"])
def test_an_unmeasured_or_unreliable_model_changes_no_decision(make_project, make_rater, machine):
    # Given a counted model whose fit is missing, or below the people's 0.8
    counted = _run(make_project, make_rater, counted=True, machine=machine)
    people_only = _run(make_project, make_rater, counted=False, machine=None)
    # Then every decision equals the people-only one, labels spent included, and none says the model counted
    assert _decisions(counted) == _decisions(people_only)
    assert _spent(counted) == _spent(people_only)
    assert not ItemOverlapDecision.objects.filter(project=counted, machine_counted=True).exists()


def test_the_model_never_stands_in_for_the_minimum_of_people(make_project, make_rater):
    # Given a reliable counted model and a minimum of two people
    project = _run(make_project, make_rater, counted=True, machine=0.95, overlap_min=2)
    # Then every item got at least two people's labels, however sure the first person and the model were
    per_item = Annotation.objects.filter(item__project=project).values_list("item_id", flat=True)
    counts = pd.Series(list(per_item)).value_counts()
    assert len(counts) == ITEMS and counts.min() >= 2
    decisions = ItemOverlapDecision.objects.filter(project=project)
    assert all(d.raters_used >= 2 and d.outcome == "done" for d in decisions)
    assert decisions.filter(machine_counted=True).count() == ITEMS
    # And the model still saves the third label where the first person agreed with it
    model, humans = _script()
    by_key = {d.item.external_id: d.raters_used for d in decisions.select_related("item")}
    assert all(by_key[f"i{i}"] == 2 for i in range(ITEMS) if humans[i][0] == model[i])


def test_a_replay_of_the_collected_votes_gives_the_live_decisions(make_project, make_rater):
    # Given a project where the counted model closed items early
    project = _run(make_project, make_rater, counted=True, machine=0.95)
    rows = Annotation.objects.filter(item__project=project).order_by("id").values_list("item_id", "rater_id", "value")
    annotations = pd.DataFrame(list(rows), columns=["item", "rater", "value"])
    predicted = dict(Item.objects.filter(project=project).values_list("pk", "predictions__value"))
    stored = rater_model(project=project, rater_ids=annotations["rater"].unique().tolist(), machine_key=KEY)
    # When the replay reveals those votes with the same reliabilities (no refit) and the same predictions
    result = replay(
        annotations,
        method="weighted",
        policy=project_policy(project),
        labels=LABELS,
        machine=predicted,
        stored=stored,
    )
    # Then each item's decision is the live one, the machine vote included
    live = {
        d.item_id: (d.outcome, d.reason, d.raters_used, round(d.confidence, 6), d.machine_counted)
        for d in ItemOverlapDecision.objects.filter(project=project)
    }
    replayed = {
        item: (d.outcome, d.reason, d.raters_used, d.confidence, d.machine_counted)
        for item, d in result.decisions.items()
    }
    assert replayed == live
    assert result.labels_used == len(annotations) and any(v[4] for v in live.values())


def test_gold_never_gets_the_machine_vote_and_runs_the_same_statements(make_project, make_rater, staff):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Given a counted, reliable model with a prediction on a regular and on a gold item
    project = make_project(
        overlap_policy="adaptive",
        overlap_min=1,
        overlap_max=3,
        overlap_target=0.95,
        aggregation_method="weighted",
        gold_ratio=1.0,
        pause_fast_share_above=None,
        pause_gold_accuracy_below=None,
    )
    items_import(
        project=project,
        records=[
            {"external_id": "r", "payload": {"n": 0}},
            {"external_id": "g", "payload": {"n": 1}, "is_gold": True, "gold_value": "cat"},
        ],
    )
    rows = [{"item": k, "value": "cat", "probabilities": None} for k in ("r", "g")]
    predictions_import(project=project, model="clf", version="v1", rows=rows)
    model_settings_update(project=project, rater_model="clf", rater_version="v1")
    rater = make_rater(project)
    _fit(project, [rater], 0.95)
    statements = {}
    while (lease := assignment_lease_next(project=project, rater=rater)) is not None:
        with CaptureQueriesContext(connection) as ctx:
            annotation_submit(assignment_id=lease.pk, rater=rater, value="cat")
        # Statement shapes: the slot statement's parameters differ with the outcome (here gold says "more")
        shapes = [re.sub(r"\b(true|false)\b", "B", " ".join(q["sql"].split())) for q in ctx.captured_queries]
        normalised = [re.sub(r"\d+", "N", q)[:120] for q in shapes]
        statements.setdefault(lease.item.is_gold, normalised)
    # Then gold and regular submits run the same statements (ADR 0008)
    assert set(statements) == {True, False} and statements[True] == statements[False]
    assert any("FROM labeling_prediction p JOIN labeling_item" in q for q in statements[True])
    # And only the regular item's decision counted the model; the gold one is the people-only posterior
    regular = ItemOverlapDecision.objects.get(item__external_id="r", project=project)
    gold = ItemOverlapDecision.objects.get(item__external_id="g", project=project)
    assert regular.machine_counted and regular.outcome == "done"
    assert not gold.machine_counted and gold.machine_rater == "" and gold.confidence == pytest.approx(PEOPLE, abs=0.01)
    # And staff see why the regular item stopped
    api = APIClient()
    api.force_authenticate(staff)
    body = api.get(f"/api/items/{regular.item_id}/overlap/").json()
    assert body["machine_counted"] is True and body["machine_rater"] == KEY and body["raters_used"] == 1


@pytest.mark.parametrize("control_share, counted", [(0.0, False), (1.0, True)], ids=["shown", "control arm"])
def test_an_item_whose_rater_saw_the_models_suggestion_gets_no_machine_vote(
    make_project, make_rater, control_share, counted
):
    from labeling.services.suggestions import lease_suggestion

    # Given a counted, reliable model whose predictions are also shown as suggestions (or kept in control)
    project = make_project(
        overlap_policy="adaptive",
        overlap_min=1,
        overlap_max=3,
        overlap_target=0.95,
        aggregation_method="weighted",
        pause_fast_share_above=None,
        pause_gold_accuracy_below=None,
    )
    items_import(project=project, records=[{"external_id": "i0", "payload": {"n": 0}}])
    predictions_import(project=project, model="clf", version="v1", rows=[{"item": "i0", "value": "dog"}])
    model_settings_update(
        project=project,
        rater_model="clf",
        rater_version="v1",
        preannotations=True,
        preannotation_control_share=control_share,
    )
    rater = make_rater(project)
    _fit(project, [rater], 0.95)
    # When the rater leases the item (the suggestion is shown or not) and answers what the model says
    lease = assignment_lease_next(project=project, rater=rater)
    assert (lease_suggestion(assignment=lease) is not None) is not counted
    annotation_submit(assignment_id=lease.pk, rater=rater, value="dog")
    # Then an accepted suggestion is one opinion, not two: the item asks for another person
    decision = ItemOverlapDecision.objects.get(project=project)
    assert decision.machine_counted is counted and decision.raters_used == 1
    assert decision.outcome == ("done" if counted else "more")

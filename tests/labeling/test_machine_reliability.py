"""A model rater is measured against people alone, on items at least two people labelled (docs/adr/0015)."""

from __future__ import annotations

import numpy as np
import pytest

from labeling.aggregation import methods
from labeling.aggregation.frame import MACHINE_RATER_ID, AnnotationFrame
from labeling.aggregation.machine_reliability import machine_measures

K = 4  # labels
N = 300  # items


def _frame(people: int, model: str, seed: int = 3) -> tuple[AnnotationFrame, np.ndarray]:
    """Each item: `people` people right 80% of the time, and the model (gold, random or echoing person 1)."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(K, size=N)
    items, raters, codes = [], [], []
    for i in range(N):
        first = None
        for p in range(1, people + 1):
            code = gold[i] if rng.random() < 0.8 else rng.integers(K)
            first = code if first is None else first
            items.append(i), raters.append(p), codes.append(code)
        vote = {"gold": gold[i], "random": rng.integers(K), "echo": first}[model]
        items.append(i), raters.append(MACHINE_RATER_ID), codes.append(vote)
    n = len(items)
    frame = AnnotationFrame(
        np.array(items), np.array(raters), np.zeros(n, dtype=np.int64), np.array(codes), list(range(K)), None, "single"
    )
    frame.extra["machine_raters"] = {MACHINE_RATER_ID: "model:clf@v1"}
    return frame, gold


@pytest.mark.parametrize("method", [methods.MAJORITY, methods.WEIGHTED, methods.DAWID_SKENE])
def test_single_person_items_leave_the_model_unmeasured(method):
    # Given items with one person each and a model that echoes that person (perfect "agreement")
    frame, _ = _frame(people=1, model="echo")
    agg = methods.aggregate(frame, method)
    # Then the full fit would trust the model, but the measure has no independent item: unmeasured
    assert agg.method != methods.WEIGHTED or agg.reliability[MACHINE_RATER_ID] > 0.9
    assert machine_measures(frame, agg, min_items=20) == {}


@pytest.mark.parametrize("method", [methods.MAJORITY, methods.WEIGHTED, methods.DAWID_SKENE])
def test_with_three_people_a_random_model_measures_chance_and_a_gold_model_high(method):
    # Given items with three people each
    random_frame, _ = _frame(people=3, model="random")
    gold_frame, _ = _frame(people=3, model="gold")
    # When the model is measured after the project's fit
    random_measure = machine_measures(random_frame, methods.aggregate(random_frame, method), min_items=20)
    gold_measure = machine_measures(gold_frame, methods.aggregate(gold_frame, method), min_items=20)
    # Then a random model is near chance (1/K) and one that always gives the gold label is high
    assert abs(random_measure[MACHINE_RATER_ID].reliability - 1 / K) < 0.08
    assert gold_measure[MACHINE_RATER_ID].reliability > 0.85
    assert gold_measure[MACHINE_RATER_ID].items == N
    if method == methods.DAWID_SKENE:
        assert np.diag(gold_measure[MACHINE_RATER_ID].confusion).min() > 0.8


def test_single_person_items_do_not_move_the_measure_and_too_few_shared_items_leave_it_unmeasured():
    # Given a model measured on three-person items
    shared, _ = _frame(people=3, model="random")
    alone, _ = _frame(people=1, model="echo", seed=9)
    alone.item = alone.item + N  # other items, one person each, the model echoing them
    both = AnnotationFrame(
        np.r_[shared.item, alone.item],
        np.r_[shared.rater, alone.rater],
        np.r_[shared.version, alone.version],
        np.r_[shared.code, alone.code],
        shared.domain,
        None,
        "single",
        extra=dict(shared.extra),
    )
    # When single-person items where it agrees with everyone are added
    before = machine_measures(shared, methods.aggregate(shared, methods.MAJORITY), min_items=20)
    after = machine_measures(both, methods.aggregate(both, methods.MAJORITY), min_items=20)
    # Then its measure is unchanged; and with a threshold above the shared items it is unmeasured
    assert after[MACHINE_RATER_ID] == before[MACHINE_RATER_ID]
    assert machine_measures(both, methods.aggregate(both, methods.MAJORITY), min_items=N + 1) == {}


@pytest.mark.django_db
def test_a_refit_of_single_person_items_leaves_an_echoing_model_unmeasured(
    tmp_path, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from labeling.models import MachineReliability, Project, RaterReliability
    from labeling.services.model_settings import model_settings_update
    from labeling.services.predictions import predictions_import
    from labeling.services.resolution import project_resolve

    # Given 40 items each labelled by one person, and a model rater that predicts exactly what they said
    labels = ["cat", "dog", "bird"]
    rows = [(i, f"r{i % 4}", labels[i % 3]) for i in range(40)]
    path = tmp_path / "single.csv"
    path.write_text("item,rater,value\n" + "".join(f"i{i},{r},{v}\n" for i, r, v in rows))
    call_command(
        "import_annotations", str(path), project="single", create=True, label_type="single",
        categories="cat,dog,bird", method="dawid_skene", verbosity=0,
    )  # fmt: skip
    project = Project.objects.get(name="single")
    predictions_import(
        project=project, model="clf", version="v1", rows=[{"item": f"i{i}", "value": v} for i, _, v in rows]
    )
    model_settings_update(project=project, rater_model="clf", rater_version="v1")
    # When the project is refitted
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=project, bootstrap=0)
    # Then the people's reliabilities are fitted, and the model, never checked against two people, is unmeasured
    assert RaterReliability.objects.filter(project=project).count() == 4
    assert not MachineReliability.objects.filter(project=project).exists()

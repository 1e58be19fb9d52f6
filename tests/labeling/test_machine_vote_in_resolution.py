"""A model rater plays the vendor whose predictions should move labels: until the refit has measured it
against people, and found it at least as reliable as a person without a fit, its vote changes no
resolution, in the project refit or the per-item resolve. The rule is the overlap decision's."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from labeling.models import MachineReliability, Project, Resolution
from labeling.services.model_settings import model_settings_update
from labeling.services.predictions import predictions_import
from labeling.services.resolution import item_resolve, project_resolve

pytestmark = pytest.mark.django_db

LABELS = ["cat", "dog", "bird"]
PEOPLE = ["a", "b", "c", "d", "e"]


def _crowd(seed: int = 7) -> tuple[list[tuple[int, str, str]], dict[int, str]]:
    """40 items three people labelled (the model is measured there), 30 with two (ties happen), 10 with one."""
    rng = np.random.default_rng(seed)
    truth = {i: LABELS[int(rng.integers(3))] for i in range(80)}
    rows = []
    for i, label in truth.items():
        people = 3 if i < 40 else 2 if i < 70 else 1
        for rater in rng.choice(PEOPLE, size=people, replace=False):
            wrong = [x for x in LABELS if x != label]
            rows.append((i, str(rater), label if rng.random() < 0.75 else wrong[int(rng.integers(2))]))
    return rows, truth


def _project(tmp_path, name: str, method: str, model: dict[int, str] | None) -> Project:
    rows, _ = _crowd()
    path = tmp_path / f"{name}.csv"
    path.write_text("item,rater,value\n" + "".join(f"i{i},{r},{v}\n" for i, r, v in rows))
    call_command(
        "import_annotations", str(path), project=name, create=True, label_type="single",
        categories=",".join(LABELS), method=method, verbosity=0,
    )  # fmt: skip
    project = Project.objects.get(name=name)
    if model is not None:
        predictions = [{"item": f"i{i}", "value": v, "probabilities": None} for i, v in model.items()]
        predictions_import(project=project, model="vendor", version="1", rows=predictions)
        model_settings_update(project=project, rater_model="vendor", rater_version="1")
    return project


def _labels(project: Project) -> dict[str, str]:
    return dict(Resolution.objects.filter(project=project, is_current=True).values_list("item__external_id", "label"))


def _refit(project: Project, capture) -> dict[str, str]:
    with capture(execute=True):
        project_resolve(project=project, bootstrap=0)
    return _labels(project)


def _resolve_each(project: Project, names: list[str]) -> dict[str, tuple[str, float]]:
    out = {}
    for name in names:
        item = project.items.get(external_id=name)
        Resolution.objects.filter(item=item).update(confidence=-1.0)  # force a fresh decision
        resolution = item_resolve(item=item)
        out[name] = (resolution.label, round(resolution.confidence, 6))
    return out


@pytest.mark.parametrize("method", ["majority", "weighted", "dawid_skene"])
def test_an_unmeasured_or_wrong_model_moves_no_label_and_a_measured_good_one_does(
    tmp_path, settings, django_capture_on_commit_callbacks, method
):
    settings.LABELING = {**getattr(settings, "LABELING", {}), "MACHINE_MIN_MEASURED_ITEMS": 20}
    _, truth = _crowd()
    always_wrong = {i: LABELS[(LABELS.index(label) + 1) % 3] for i, label in truth.items()}
    capture = django_capture_on_commit_callbacks
    two_people = [f"i{i}" for i in range(40, 70)]

    crowd = _project(tmp_path, f"crowd-{method}", method, None)
    before_any_fit = _resolve_each(crowd, two_people)
    baseline = _refit(crowd, capture)
    baseline_each = _resolve_each(crowd, two_people)

    # A model that is wrong on every item: measured, found worse than a person, and left out everywhere
    wrong = _project(tmp_path, f"wrong-{method}", method, always_wrong)
    assert _refit(wrong, capture) == baseline
    assert MachineReliability.objects.get(project=wrong).reliability < 0.2
    assert _resolve_each(wrong, two_people) == baseline_each

    # The right answers, but too few items two people labelled to measure it: unmeasured, left out
    settings.LABELING = {**settings.LABELING, "MACHINE_MIN_MEASURED_ITEMS": 1000}
    unmeasured = _project(tmp_path, f"unmeasured-{method}", method, truth)
    assert _resolve_each(unmeasured, two_people) == before_any_fit  # no fit yet: nothing measured the model
    assert _refit(unmeasured, capture) == baseline
    assert not MachineReliability.objects.filter(project=unmeasured).exists()
    assert _resolve_each(unmeasured, two_people) == baseline_each

    # The right answers, measured: now it counts, and resolutions get closer to the truth
    settings.LABELING = {**settings.LABELING, "MACHINE_MIN_MEASURED_ITEMS": 20}
    good = _project(tmp_path, f"good-{method}", method, truth)
    resolved = _refit(good, capture)
    assert MachineReliability.objects.get(project=good).reliability > 0.65  # against a noisy three-person reference
    assert resolved != baseline

    def hits(labels: dict[str, str]) -> int:
        return sum(labels[f"i{i}"] == truth[i] for i in truth if f"i{i}" in labels)

    assert hits(resolved) > hits(baseline)
    each = _resolve_each(good, two_people)
    assert {name: label for name, (label, _) in each.items()} == {name: resolved[name] for name in two_people}

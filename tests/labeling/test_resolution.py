"""Resolution: methods, append-only history, the per-item task and the set-based project refit."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from labeling.models import AggregationFit, Item, Project, RaterReliability, Resolution
from labeling.selectors.agreement import alpha_cached
from labeling.selectors.resolution import adjudication_queue, resolution_history
from labeling.services.annotations import annotation_submit
from labeling.services.assignment import assignment_lease_next
from labeling.services.resolution import item_resolve, project_resolve
from labeling.tasks import resolve_project

pytestmark = pytest.mark.django_db


def load(tmp_path, rows: list[tuple], name: str = "res", **options) -> Project:
    path = tmp_path / f"{name}-{len(rows)}.csv"
    path.write_text("item,rater,value\n" + "".join(f"{i},{r},{v}\n" for i, r, v in rows))
    options.setdefault("label_type", "single")
    call_command("import_annotations", str(path), project=name, create=True, verbosity=0, **options)
    return Project.objects.get(name=name)


def current(project: Project, external_id: str) -> Resolution:
    return Resolution.objects.get(item__project=project, item__external_id=external_id, is_current=True)


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process (the real task code, no worker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_rater_flow_tie_is_resolved_by_the_task_into_the_queue(
    eager_celery, project, make_rater, add_items, django_capture_on_commit_callbacks
):
    # Given a two-rater project whose raters disagree on its one item
    add_items(project, 1)
    first, second = make_rater(project), make_rater(project)
    with django_capture_on_commit_callbacks(execute=True):
        lease = assignment_lease_next(project=project, rater=first)
        annotation_submit(assignment_id=lease.pk, rater=first, value="cat")
    with django_capture_on_commit_callbacks(execute=True):
        lease = assignment_lease_next(project=project, rater=second)
        annotation_submit(assignment_id=lease.pk, rater=second, value="dog")

    # Then reaching the overlap resolved the item (resolve_item task) and the tie is queued
    queued = list(adjudication_queue(project=project))
    assert len(queued) == 1 and queued[0].adjudication_reason == "tie"
    assert queued[0].annotation_count == 2 and queued[0].distribution == {"cat": 0.5, "dog": 0.5}


def test_project_resolve_is_append_only_and_skips_unchanged(tmp_path, django_capture_on_commit_callbacks):
    rows = [("a", "w1", "x"), ("a", "w2", "x"), ("a", "w3", "y"), ("b", "w1", "y"), ("b", "w2", "y")]
    project = load(tmp_path, rows, categories="x,y")
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        summary = project_resolve(project=project, method="majority", bootstrap=100)
        assert summary.alpha == {}  # not computed inside the transaction
    assert summary.written == 2 and summary.needs_adjudication == 0
    # Alpha at the project's level comes with every resolve, once it has committed, and is cached for dashboards
    assert len(after_commit) == 1
    assert summary.alpha["level"] == "nominal" and summary.alpha["bootstrap"] == 100
    assert alpha_cached(project=project) == summary.alpha
    a = current(project, "a")
    assert a.label == "x" and a.confidence == pytest.approx(2 / 3) and a.distribution == {"x": 0.6667, "y": 0.3333}

    # Same data: nothing new is written
    again = project_resolve(project=project, method="majority")
    assert again.written == 0 and again.unchanged == 2
    assert Resolution.objects.filter(project=project).count() == 2

    # A new annotation flips item a to a tie: a new row supersedes the old one, which is kept
    load(tmp_path, [("a", "w4", "y")], name="res")
    third = project_resolve(project=project, method="majority")
    assert third.written == 1 and third.needs_adjudication == 1
    history = list(resolution_history(item=a.item))
    assert [r.is_current for r in history] == [False, True]
    assert history[1].supersedes_id == history[0].pk and history[1].adjudication_reason == "tie"
    assert history[0].label == "x" and history[0].annotation_count == 3


def test_low_confidence_goes_to_the_queue(tmp_path):
    project = load(tmp_path, [("a", "w1", "x"), ("a", "w2", "x"), ("a", "w3", "y")], categories="x,y")
    project.confidence_threshold = 0.7
    project.save(update_fields=["confidence_threshold"])
    project_resolve(project=project, method="majority")
    assert [r.adjudication_reason for r in adjudication_queue(project=project)] == ["low_confidence"]


def test_weighted_vote_trusts_reliable_raters_and_item_resolve_uses_the_stored_fit(tmp_path):
    rows = []
    for i in range(10):
        rows += [(f"i{i}", "good1", "cat"), (f"i{i}", "good2", "cat"), (f"i{i}", "good3", "cat")]
        rows += [(f"i{i}", "bad1", "dog"), (f"i{i}", "bad2", "dog")]
    rows += [("hard", "good1", "dog"), ("hard", "bad1", "cat"), ("hard", "bad2", "cat")]
    project = load(tmp_path, rows, method="weighted", categories="cat,dog")

    summary = project_resolve(project=project)
    assert summary.method == "weighted"
    assert current(project, "hard").label == "dog"  # majority would say cat
    weights = dict(RaterReliability.objects.filter(project=project).values_list("rater__username", "reliability"))
    assert weights["crowd-good1"] > 0.9 and weights["crowd-bad1"] < 0.2

    # A later item is resolved alone with the stored reliabilities
    load(tmp_path, [("late", "good2", "dog"), ("late", "bad1", "cat"), ("late", "bad2", "cat")], name=project.name)
    resolution = item_resolve(item=Item.objects.get(project=project, external_id="late"))
    assert resolution.method == "weighted" and resolution.label == "dog"


def test_dawid_skene_fit_is_stored_and_reused_per_item(tmp_path):
    rows = []
    for i in range(30):
        truth = "cat" if i % 3 else "dog"
        other = "dog" if truth == "cat" else "cat"
        rows += [(f"i{i}", "a", truth), (f"i{i}", "b", truth), (f"i{i}", "c", other if i % 5 == 0 else truth)]
        rows += [(f"i{i}", "spam", "cat")]
    project = load(tmp_path, rows, method="dawid_skene", categories="cat,dog")
    summary = project_resolve(project=project)
    assert summary.method == "dawid_skene" and summary.written == 30
    fit = AggregationFit.objects.get(project=project)
    assert fit.method == "dawid_skene" and set(fit.priors) == {"cat", "dog"}
    spam = RaterReliability.objects.get(project=project, rater__username="crowd-spam")
    assert spam.confusion["dog"]["cat"] > 0.9  # always answers cat, whatever the truth

    load(tmp_path, [("new", "a", "dog"), ("new", "spam", "cat")], name=project.name)
    resolution = item_resolve(item=Item.objects.get(project=project, external_id="new"))
    assert resolution.method == "dawid_skene" and resolution.label == "dog" and resolution.confidence > 0.9
    assert item_resolve(item=resolution.item).pk == resolution.pk  # unchanged: no new row


def test_median_and_mean_for_ordinal_and_numeric(tmp_path):
    ordinal = load(
        tmp_path,
        [("a", "w1", 1), ("a", "w2", 2), ("a", "w3", 2), ("a", "w4", 5), ("b", "w1", 1), ("b", "w2", 3)],
        name="ord",
        label_type="ordinal",
        method="median",
    )
    project_resolve(project=ordinal)
    assert current(ordinal, "a").label == 2 and current(ordinal, "a").confidence == 0.5
    assert current(ordinal, "b").adjudication_reason == "tie"

    numeric = load(tmp_path, [("a", "w1", 1.0), ("a", "w2", 2.0), ("a", "w3", 10.0)], name="num", label_type="ratio")
    project_resolve(project=numeric, method="median")
    assert current(numeric, "a").label == 2 and current(numeric, "a").method == "median"
    project_resolve(project=numeric, method="mean")
    assert current(numeric, "a").label == pytest.approx(13 / 3, abs=1e-6)
    # Reliability methods do not apply to numbers: the median is used and recorded
    assert project_resolve(project=numeric, method="dawid_skene").method == "median"


def test_items_still_collecting_labels_are_not_resolved(tmp_path):
    project = load(tmp_path, [("a", "w1", "x"), ("b", "w1", "x"), ("b", "w2", "x")], categories="x,y")
    Item.objects.filter(project=project, external_id="a").update(slots_open=1)
    summary = project_resolve(project=project, method="majority")
    assert summary.items_not_ready == 1 and summary.written == 1
    assert not Resolution.objects.filter(item__external_id="a").exists()


def test_resolve_task_and_command(tmp_path):
    project = load(tmp_path, [("a", "w1", "x"), ("a", "w2", "x")], categories="x,y")
    result = resolve_project.apply(args=[project.pk]).get()
    assert result["written"] == 1
    out = io.StringIO()
    call_command("resolve_project", project.name, "--json", stdout=out, verbosity=0)
    assert json.loads(out.getvalue())["unchanged"] == 1


def test_labels_with_backslashes_quotes_and_accents_survive_the_bulk_write(tmp_path):
    # The resolve writes rows as COPY text and compares them with jsonb text read back in bulk
    odd = ["back\\slash", 'say "hi"', "café, tab"]
    path = tmp_path / "odd.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "rater", "value"])
        for i, label in enumerate(odd):
            writer.writerows([(f"i{i}", "w1", label), (f"i{i}", "w2", label), (f"i{i}", "w3", odd[(i + 1) % 3])])
    call_command("import_annotations", str(path), project="odd", create=True, label_type="single", verbosity=0)
    project = Project.objects.get(name="odd")

    summary = project_resolve(project=project, method="dawid_skene", bootstrap=0)

    assert summary.written == 3
    for i, label in enumerate(odd):
        row = current(project, f"i{i}")
        assert row.label == label and set(row.distribution) <= set(odd) and label in row.distribution
    # Read back in bulk, the same results compare equal: nothing is rewritten
    assert project_resolve(project=project, method="dawid_skene", bootstrap=0).unchanged == 3


def test_deleting_an_item_or_a_project_deletes_its_resolutions(tmp_path):
    # The table has no database foreign keys to items and projects (bulk-write speed): Django cascades
    rows = [(i, f"w{r}", "x") for i in ("a", "b") for r in range(3)]
    project = load(tmp_path, rows, categories="x,y")
    project_resolve(project=project, method="majority", bootstrap=0)
    item = Item.objects.get(project=project, external_id="a")
    item.delete()
    assert list(Resolution.objects.filter(project=project).values_list("item__external_id", flat=True)) == ["b"]
    project.delete()
    assert not Resolution.objects.exists()

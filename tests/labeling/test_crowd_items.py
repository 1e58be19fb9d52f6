"""Gold, exam and practice items never count as crowd work: no resolution, no queue, no crowd agreement.

The project mixes regular items with gold items the crowd answers "wrongly" on purpose (majority
"cat", known answer "bird", split 2 to 1 so a consensus would even be queued). Scripted raters work
through the real lease and submit path (the per-item task runs), then a careless admin imports more
labels, exam and practice items included, and resolves the project every way there is.
"""

from __future__ import annotations

import io

import krippendorff
import numpy as np
import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from config.exceptions import ApplicationError
from labeling.models import Annotation, Item, Resolution, ResolutionKind
from labeling.selectors.agreement import agreement_report, confusion_matrix, project_report
from labeling.selectors.rater_agreement import rater_daily_agreement, rater_partners
from labeling.services.adjudication import resolution_adjudicate
from labeling.services.assignment import assignment_lease_next
from labeling.services.items import items_import
from labeling.services.projects import membership_add
from labeling.services.resolution import item_resolve, project_resolve
from labeling.tasks import resolve_project
from tests.clock import submit_after

pytestmark = pytest.mark.django_db

CATEGORIES = ["cat", "dog", "bird"]
REGULAR = 15


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _answer(rater_index: int, item: Item) -> str:
    """What a scripted rater answers, from the payload alone (all a rater sees)."""
    shown = item.payload["shows"]
    if item.payload.get("kind") == "check":  # gold, known answer bird: two raters say cat, the third dog or bird
        if rater_index == 2:
            return "bird" if item.payload["n"] == 100 else "dog"
        return shown
    k = item.payload["n"]
    if (k + rater_index) % 5 == 0:  # some honest disagreement: a few 2-1 splits for the queue
        return CATEGORIES[(CATEGORIES.index(shown) + 1) % 3]
    return shown


@pytest.fixture
def mixed_project(make_project, make_rater, eager_celery, django_capture_on_commit_callbacks):
    # gold_ratio 1: every rater is served every gold item first, then the regular ones (deterministic)
    project = make_project(name="mixed", overlap=3, gold_ratio=1.0, confidence_threshold=0.7)
    regular = [{"external_id": f"r{k}", "payload": {"n": k, "shows": CATEGORIES[k % 3]}} for k in range(REGULAR)]
    gold = [
        {"external_id": f"g{k}", "payload": {"n": 100 + k, "shows": "cat", "kind": "check"}, "is_gold": True,
         "gold_value": "bird"}
        for k in range(4)
    ]  # fmt: skip
    others = [
        {"external_id": "exam", "payload": {"n": 200, "shows": "dog"}, "is_exam": True},
        {"external_id": "practice", "payload": {"n": 201, "shows": "dog"}, "is_practice": True},
    ]
    items_import(project=project, records=regular + gold + others)
    raters = [make_rater(project, name=f"crowd-r{i}") for i in range(3)]
    for index, rater in enumerate(raters):
        while (lease := assignment_lease_next(project=project, rater=rater)) is not None:
            with django_capture_on_commit_callbacks(execute=True):
                submit_after(lease, rater=rater, value=_answer(index, lease.item), ms=8000)
    return project


def _non_crowd_resolutions(project) -> int:
    return (
        Resolution.objects.filter(project=project)
        .exclude(item__is_gold=False, item__is_exam=False, item__is_practice=False)
        .count()
    )


def _upload(client, text: str, **fields):
    data = {"file": io.BytesIO(text.encode()), **fields}
    data["file"].name = "labels.csv"
    return client.post("/api/annotation-imports/", data, format="multipart")


def _matrix(project, items) -> np.ndarray:
    """Raters x items reliability data (codes, NaN where a rater did not label the item) from the database."""
    raters = sorted(set(Annotation.objects.filter(project=project).values_list("rater_id", flat=True)))
    data = np.full((len(raters), len(items)), np.nan)
    column = {item.pk: j for j, item in enumerate(items)}
    row = {rater: i for i, rater in enumerate(raters)}
    for item_id, rater_id, value in Annotation.objects.filter(item__in=items).values_list(
        "item_id", "rater_id", "value"
    ):
        data[row[rater_id], column[item_id]] = CATEGORIES.index(value)
    return data


def test_the_crowd_answering_gold_leaves_no_trace_in_resolution(mixed_project, api, staff, make_user):
    project = mixed_project
    gold = list(project.items.filter(is_gold=True))
    # Given every rater answered every gold item (the crowd's majority there is wrong) and the regular ones
    assert Annotation.objects.filter(item__in=gold).count() == 12
    assert set(Annotation.objects.filter(item__in=gold).values_list("value", flat=True)) == {"cat", "dog", "bird"}
    # Then the per-item task resolved the regular items that reached their overlap, and no gold item
    assert Resolution.objects.filter(project=project, item__is_gold=False).count() == REGULAR
    assert _non_crowd_resolutions(project) == 0

    # When a careless admin imports more labels for gold, exam and practice items and resolves every way
    rows = "".join(
        f"{x},w{r},{v}\n" for x in ("g0", "g1", "exam", "practice") for r, v in enumerate(["cat", "cat", "dog"])
    )
    imported = _upload(api(staff), "item,rater,value\n" + rows, project="mixed")
    assert imported.status_code == 201, imported.json()
    via_api = api(staff).post(
        f"/api/projects/{project.pk}/resolve/", {"run": "now", "method": "majority"}, format="json"
    )
    assert via_api.status_code == 200, via_api.json()
    resolve_project.delay(project.pk, "dawid_skene")  # the Celery task, run in-process
    call_command("resolve_project", "mixed", method="weighted", verbosity=0)
    again = project_resolve(project=project, method="majority", bootstrap=0)

    # Then no gold, exam or practice item has a resolution, and every regular one has exactly one current
    assert _non_crowd_resolutions(project) == 0
    assert again.items_seen == REGULAR and again.retired_non_crowd == 0
    current = Resolution.objects.filter(project=project, is_current=True)
    assert sorted(current.values_list("item__external_id", flat=True)) == sorted(f"r{k}" for k in range(REGULAR))

    # And resolving one gold, exam or practice item is refused with a code, storing nothing
    for external_id in ("g0", "exam", "practice"):
        with pytest.raises(ApplicationError) as refused:
            item_resolve(item=project.items.get(external_id=external_id))
        assert refused.value.extra["code"] == "not_crowd_item"
    assert _non_crowd_resolutions(project) == 0

    # And a reviewer sees split regular items in the queue, never a gold item
    reviewer = make_user(name="reviewer")
    membership_add(project=project, user=reviewer, role="reviewer")
    queue = api(reviewer).get(f"/api/projects/{project.pk}/adjudication-queue/?limit=100").json()
    queued = {row["item_external_id"] for row in queue["results"]}
    assert queue["count"] == len(queued) > 0
    assert all(external_id.startswith("r") for external_id in queued)


def test_a_gold_row_from_before_is_hidden_refused_and_retired(mixed_project, api, staff, make_user):
    project = mixed_project
    g0 = project.items.get(external_id="g0")
    # Given a gold item with a current, queued resolution left from before the crowd rule (written directly)
    legacy = Resolution.objects.create(
        project=project, item=g0, kind=ResolutionKind.AUTOMATIC, method="majority", label="cat", confidence=0.67,
        distribution={"cat": 0.67, "dog": 0.33}, annotation_count=3, needs_adjudication=True,
        adjudication_reason="low_confidence",
    )  # fmt: skip
    reviewer = make_user(name="reviewer")
    membership_add(project=project, user=reviewer, role="reviewer")
    client = api(reviewer)

    # Then the queue and the item's history do not show it
    queue = client.get(f"/api/projects/{project.pk}/adjudication-queue/?limit=100").json()
    assert legacy.pk not in {row["id"] for row in queue["results"]}
    assert client.get(f"/api/items/{g0.pk}/resolutions/").json() == []

    # When a reviewer who knows its id adjudicates it, it is refused and nothing is stored
    refused = client.post(
        f"/api/resolutions/{legacy.pk}/adjudicate/",
        {"label": "bird", "rationale": "It is the known answer."},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["extra"]["code"] == "not_crowd_item"
    with pytest.raises(ApplicationError):
        resolution_adjudicate(item=g0, reviewer=staff, label="bird", rationale="Deciding the gold item anyway.")
    assert Resolution.objects.filter(item=g0).count() == 1

    # When the project is resolved, the row stops being current (kept as history)
    summary = project_resolve(project=project, bootstrap=0)
    assert summary.retired_non_crowd == 1
    legacy.refresh_from_db()
    assert legacy.is_current is False and Resolution.objects.filter(item=g0).count() == 1


def test_agreement_is_computed_on_regular_items_only(mixed_project, django_capture_on_commit_callbacks):
    project = mixed_project
    regular = list(project.items.filter(is_gold=False, is_exam=False, is_practice=False).order_by("id"))
    everything = list(project.items.filter(annotations__isnull=False).distinct().order_by("id"))
    assert len(everything) == REGULAR + 4

    # Given the package's alpha on the regular items' matrix, and on the matrix with gold in it
    expected = krippendorff.alpha(reliability_data=_matrix(project, regular), level_of_measurement="nominal")
    with_gold = krippendorff.alpha(reliability_data=_matrix(project, everything), level_of_measurement="nominal")
    assert abs(expected - with_gold) > 0.01  # gold would move the figure: the check below can fail

    # Then the report, the resolve summary (cached alpha) and the project report give the regular figure
    report = agreement_report(project=project, bootstrap=200)
    assert report["alpha"]["nominal"]["alpha"] == pytest.approx(expected, abs=1e-4)
    assert report["items"] == REGULAR and report["annotations"] == 3 * REGULAR
    with django_capture_on_commit_callbacks(execute=True):
        summary = project_resolve(project=project, bootstrap=0)
    assert summary.alpha["alpha"] == pytest.approx(expected, abs=1e-4)
    assert project_report(project=project, bootstrap=0)["alpha"]["nominal"]["alpha"] == pytest.approx(
        expected, abs=1e-4
    )
    # Per rater and per pair count regular items only
    assert {row["annotations"] for row in report["per_rater"]} == {REGULAR}
    assert {pair["shared_units"] for pair in report["per_rater_pair"]} == {REGULAR}
    assert sum(map(sum, confusion_matrix(project=project)["matrix"])) == 3 * REGULAR

    # And the gold answers are measured against the known answer, as the raters' accuracy, apart
    gold = project_report(project=project, bootstrap=0)["gold"]
    assert gold == {"items": 4, "answers": 12, "raters": 3, "answer_accuracy": round(1 / 12, 4)}
    out = io.StringIO()
    call_command("project_report", "mixed", bootstrap=0, stdout=out)
    assert "gold items: 4 (not in the figures above), 12 answers, rater accuracy 0.0833" in out.getvalue()


def test_a_raters_agreement_with_the_crowd_leaves_gold_out(mixed_project):
    # Given the crowd answered gold wrongly on purpose (two say "cat" where the known answer is "bird")
    project = mixed_project
    rater = project.memberships.order_by("user_id").first().user
    gold_ids = set(project.items.filter(is_gold=True).values_list("id", flat=True))
    crowd = Annotation.objects.filter(project=project, rater=rater).exclude(item_id__in=gold_ids)
    assert Annotation.objects.filter(project=project, rater=rater, item_id__in=gold_ids).exists()

    # When staff open the rater's drill-down figures
    daily = rater_daily_agreement(project=project, rater_id=rater.pk)
    partners = rater_partners(project=project, rater_id=rater.pk)

    # Then they count the rater's answers on regular items only, per day and per fellow rater
    assert sum(agree + disagree + open_ for _, agree, disagree, open_ in daily) == crowd.count()
    for partner in partners:
        shared = Annotation.objects.filter(project=project, rater_id=partner["rater_id"], item__in=crowd.values("item"))
        assert partner["shared"] == shared.count()

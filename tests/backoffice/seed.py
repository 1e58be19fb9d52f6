"""Seed a project from the RTE crowd data (Snow et al. 2008) for the dashboard tests.

Imports through `import_annotations`, then spreads the labels over two weeks and two instructions
versions, marks some items gold, and replays every label through the rater lifecycle's per-annotation
hook (gold checks, ledger pay) as if the crowd had labelled through the API; resolves through
`project_resolve` and gives raters consented attributes.
"""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from datasets.services.build import dataset_build
from datasets.services.definitions import dataset_create
from labeling.models import (
    Annotation,
    AnnotationSource,
    InstructionVersion,
    Item,
    Project,
    Resolution,
)
from labeling.services.adjudication import resolution_adjudicate
from labeling.services.resolution import project_resolve
from raters.services.attributes import attributes_consent_give
from raters.services.quality import quality_after_annotation, rater_pause

GOLD_ITEMS = 40
PROJECT = "RTE entailment"


def _read(path: Path, limit: int | None) -> list[dict]:
    with path.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if limit:
        keep = set(sorted({r["orig_id"] for r in rows}, key=int)[:limit])
        rows = [r for r in rows if r["orig_id"] in keep]
    return rows


def _import_with_command(rows: list[dict], tmp: Path) -> Project:
    subset = tmp / "rte.tsv"
    with subset.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    call_command(
        "import_annotations",
        str(subset),
        project=PROJECT,
        create=True,
        label_type="single",
        categories="0,1",
        columns="orig_id,!amt_worker_ids,response",
        verbosity=0,
    )
    return Project.objects.get(name=PROJECT)


def _score_as_submitted(project: Project) -> None:
    """Gold checks and pay through the lifecycle's own hook; the automatic pause rules are off here."""
    Project.objects.filter(pk=project.pk).update(pause_gold_accuracy_below=None, pause_fast_share_above=None)
    project.refresh_from_db()
    Annotation.objects.filter(project=project).update(source=AnnotationSource.API)
    for annotation in Annotation.objects.filter(project=project).select_related("item", "project").order_by("id"):
        quality_after_annotation(annotation=annotation)


def _pause_fastest_clicker(project: Project) -> None:
    """Pause the busiest rater among the fast clickers through the rater lifecycle's own service."""
    busiest = (
        Annotation.objects.filter(project=project, time_spent_ms__lt=2000)
        .values("rater_id")
        .annotate(n=Count("id"))
        .order_by("-n", "rater_id")
        .first()
    )
    if busiest:
        rater = get_user_model().objects.get(pk=busiest["rater_id"])
        rater_pause(project=project, user=rater, reason="Too many answers under 2 seconds.")


def _give_attributes(project: Project) -> None:
    rng = random.Random(3)
    for membership in project.memberships.select_related("user"):
        attributes_consent_give(
            user=membership.user,
            consent=True,
            language=rng.choice(["english", "english", "english", "spanish", "hindi"]),
            region=rng.choice(["north america", "europe", "south asia", "latin america"]),
            age_band=rng.choice(["18-24", "25-34", "25-34", "35-44", "45-54"]),
        )


def seed_rte(*, rte_path: Path, tmp: Path, items_limit: int | None = 200, with_datasets: bool = False) -> Project:
    rows = _read(rte_path, items_limit)
    project = _import_with_command(rows, tmp)
    Project.objects.filter(pk=project.pk).update(
        pay_per_annotation_cents=4,
        budget_cents=50_000,
        confidence_threshold=0.7,
        description="Recognizing textual entailment, from Snow et al. (2008).",
    )
    project.refresh_from_db()
    v1 = InstructionVersion.objects.create(project=project, version=1, body="Does the text entail the hypothesis?")
    v2 = InstructionVersion.objects.create(
        project=project, version=2, body="Does the text entail the hypothesis? Examples added.", change_note="examples"
    )
    gold = {r["orig_id"]: int(r["gold"]) for r in rows}
    for item in Item.objects.filter(project=project).order_by("id")[:GOLD_ITEMS]:
        item.is_gold = True
        item.gold_value = project.categories[gold[item.external_id.removeprefix("rte-")]]
        item.save(update_fields=["is_gold", "gold_value"])
    start = timezone.now() - timedelta(days=13)
    with connection.cursor() as cursor:
        # File order becomes time order over 13 days; the first half was labelled under v1. Seconds per
        # task are log-normal (median about 11 s) with a few fast clickers.
        cursor.execute(
            """UPDATE labeling_annotation a
               SET created_at = %s + (s.rn * interval '13 days' / s.total),
                   instruction_version_id = CASE WHEN s.rn * 2 <= s.total THEN %s ELSE %s END,
                   time_spent_ms = CASE WHEN a.rater_id %% 9 = 0 THEN 800 + (s.rn * 7919) %% 1500
                                   ELSE (exp(9.3 + 0.8 * ((s.rn * 104729 %% 1000) / 1000.0 - 0.5) * 3))::int END
               FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn, count(*) OVER () AS total
                     FROM labeling_annotation WHERE project_id = %s) s
               WHERE a.id = s.id""",
            [start, v1.pk, v2.pk, project.pk],
        )
    _score_as_submitted(project)
    project_resolve(project=project)
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE labeling_resolution r SET created_at = s.last_at
               FROM (SELECT item_id, max(created_at) AS last_at FROM labeling_annotation
                     WHERE project_id = %s GROUP BY item_id) s
               WHERE r.item_id = s.item_id AND r.project_id = %s""",
            [project.pk, project.pk],
        )
    _give_attributes(project)
    _pause_fastest_clicker(project)
    if with_datasets:
        _build_dataset_versions(project)
    return project


def _build_dataset_versions(project: Project) -> None:
    """Three dataset versions, each after a round of adjudications, so diffs and drift are non-zero."""
    lead = get_user_model().objects.create_user("seed-lead", password="x", is_staff=True)
    dataset = dataset_create(
        name="rte-entailment",
        project_ids=[project.pk],
        description="Resolved RTE labels",
        max_label_age=timedelta(days=7),
        drift_threshold=0.05,
    )
    dataset_build(dataset=dataset)
    yes, no = project.categories[1], project.categories[0]
    for label, other, limit in ((yes, no, 6), (no, yes, 4)):
        queue = Resolution.objects.filter(project=project, is_current=True, needs_adjudication=True).order_by("pk")
        for resolution in list(queue[:limit]):
            resolution_adjudicate(
                reviewer=lead,
                label=label,
                rationale="Checked against the gold guidelines.",
                resolution_id=resolution.pk,
            )
        flip = Resolution.objects.filter(project=project, is_current=True, needs_adjudication=False, label=other)
        for resolution in list(flip.order_by("pk")[: limit * 3]):
            resolution_adjudicate(
                reviewer=lead,
                label=label,
                rationale="Relabelled after the guideline change.",
                resolution_id=resolution.pk,
            )
        dataset_build(dataset=dataset)

"""Seed a project from the RTE crowd data (Snow et al. 2008) for the dashboard tests.

Imports through the agreement part's `import_annotations` command and resolves through its
`project_resolve` when they exist (else creates the rows directly); then spreads the labels over two
weeks and two instructions versions, marks some items gold, and gives raters consented attributes.
"""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from labeling.dashboard.sources import optional
from labeling.models import (
    Annotation,
    AnnotationSource,
    InstructionVersion,
    Item,
    Project,
    ProjectMembership,
    Resolution,
)

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


def _import_directly(rows: list[dict]) -> Project:
    User = get_user_model()
    project = Project.objects.create(name=PROJECT, categories=[0, 1], overlap=10)
    workers = sorted({r["!amt_worker_ids"] for r in rows})
    users = {w: User.objects.create_user(username=f"crowd-{w.lower()}", password="x") for w in workers}
    ProjectMembership.objects.bulk_create([ProjectMembership(project=project, user=u) for u in users.values()])
    orig_ids = sorted({r["orig_id"] for r in rows}, key=int)
    items = Item.objects.bulk_create(
        [Item(project=project, external_id=o, content_hash=o, payload={"pair": o}, slots_open=0) for o in orig_ids]
    )
    by_orig = {item.external_id: item for item in items}
    Annotation.objects.bulk_create(
        [
            Annotation(
                project=project,
                item=by_orig[r["orig_id"]],
                rater=users[r["!amt_worker_ids"]],
                value=int(r["response"]),
                source=AnnotationSource.IMPORT,
            )
            for r in rows
        ]
    )
    return project


def _resolve_directly(project: Project) -> None:
    votes: dict[int, Counter] = defaultdict(Counter)
    for item_id, value in Annotation.objects.filter(project=project).values_list("item_id", "value"):
        votes[item_id][value] += 1
    resolutions = []
    for item_id, counts in votes.items():
        total = sum(counts.values())
        label, top = counts.most_common(1)[0]
        needs = top / total < project.confidence_threshold
        resolutions.append(
            Resolution(
                project=project,
                item_id=item_id,
                method="majority",
                label=label,
                confidence=top / total,
                distribution={str(k): v / total for k, v in counts.items()},
                annotation_count=total,
                needs_adjudication=needs,
                adjudication_reason="low_confidence" if needs else "",
            )
        )
    Resolution.objects.bulk_create(resolutions)


def _pause_fastest_clicker(project: Project) -> None:
    """Pause the busiest rater among the fast clickers through the rater lifecycle's own service."""
    pause = optional("raters.services.quality", "rater_pause")
    if pause is None:
        return
    busiest = (
        Annotation.objects.filter(project=project, time_spent_ms__lt=2000)
        .values("rater_id")
        .annotate(n=Count("id"))
        .order_by("-n", "rater_id")
        .first()
    )
    if busiest:
        rater = get_user_model().objects.get(pk=busiest["rater_id"])
        pause(project=project, user=rater, reason="Too many answers under 2 seconds.")


def _give_attributes(project: Project) -> None:
    give = optional("raters.services.attributes", "attributes_consent_give")
    if give is None:
        return
    rng = random.Random(3)
    for membership in project.memberships.select_related("user"):
        give(
            user=membership.user,
            consent=True,
            language=rng.choice(["english", "english", "english", "spanish", "hindi"]),
            region=rng.choice(["north america", "europe", "south asia", "latin america"]),
            age_band=rng.choice(["18-24", "25-34", "25-34", "35-44", "45-54"]),
        )


def seed_rte(*, rte_path: Path, tmp: Path, items_limit: int | None = 200, with_datasets: bool = False) -> Project:
    rows = _read(rte_path, items_limit)
    if optional("labeling.management.commands.import_annotations", "Command") is not None:
        project = _import_with_command(rows, tmp)
    else:
        project = _import_directly(rows)
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
    resolve = optional("labeling.services.resolution", "project_resolve")
    if resolve is not None:
        resolve(project=project)
    else:
        _resolve_directly(project)
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
    create = optional("datasets.services.definitions", "dataset_create")
    build = optional("datasets.services.build", "dataset_build")
    adjudicate = optional("labeling.services.adjudication", "resolution_adjudicate")
    if create is None or build is None:
        return
    lead = get_user_model().objects.create_user("seed-lead", password="x", is_staff=True)
    dataset = create(
        name="rte-entailment",
        project_ids=[project.pk],
        description="Resolved RTE labels",
        max_label_age=timedelta(days=7),
        drift_threshold=0.05,
    )
    build(dataset=dataset)
    if adjudicate is None:
        return
    yes, no = project.categories[1], project.categories[0]
    for label, other, limit in ((yes, no, 6), (no, yes, 4)):
        queue = Resolution.objects.filter(project=project, is_current=True, needs_adjudication=True).order_by("pk")
        for resolution in list(queue[:limit]):
            adjudicate(
                reviewer=lead,
                label=label,
                rationale="Checked against the gold guidelines.",
                resolution_id=resolution.pk,
            )
        flip = Resolution.objects.filter(project=project, is_current=True, needs_adjudication=False, label=other)
        for resolution in list(flip.order_by("pk")[: limit * 3]):
            adjudicate(
                reviewer=lead,
                label=label,
                rationale="Relabelled after the guideline change.",
                resolution_id=resolution.pk,
            )
        build(dataset=dataset)

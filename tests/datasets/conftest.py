"""Builders for dataset tests: projects with items, annotations and current resolutions, and direct labels."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from datasets.services.definitions import dataset_create
from labeling.models import Annotation, InstructionVersion, Item, Project, Resolution, ResolutionKind


@pytest.fixture
def raters(db):
    User = get_user_model()
    return [User.objects.create_user(username=f"ds-rater-{n}", password="x") for n in range(4)]


def add_labeled_items(project, raters, labels: dict[str, str], *, confidence=0.75, kind=ResolutionKind.AUTOMATIC,
                      instruction_version=None, label_age=timedelta(hours=1)):  # fmt: skip
    """One item per external id, an annotation per rater, and a current resolution with that label."""
    items = []
    for external_id, label in labels.items():
        item = Item.objects.create(
            project=project,
            external_id=external_id,
            content_hash=hashlib.sha256(external_id.encode()).hexdigest(),
            payload={"text": f"text of {external_id}"},
            slots_open=0,
        )
        for rater in raters:
            Annotation.objects.create(
                project=project, item=item, rater=rater, value=label, instruction_version=instruction_version
            )
        other = "b" if label == "a" else "a"
        resolution = Resolution.objects.create(
            project=project,
            item=item,
            kind=kind,
            method="majority",
            label=label,
            confidence=confidence,
            distribution={label: 0.75, other: 0.25},
            annotation_count=len(raters),
        )
        Resolution.objects.filter(pk=resolution.pk).update(created_at=timezone.now() - label_age)
        items.append(item)
    return items


def relabel(item, label):
    """A new current resolution for the item (the old one stays, not current)."""
    Resolution.objects.filter(item=item, is_current=True).update(is_current=False)
    Resolution.objects.create(
        project=item.project, item=item, method="majority", label=label, confidence=0.9,
        distribution={label: 1.0}, annotation_count=1,
    )  # fmt: skip


@pytest.fixture
def project(db):
    return Project.objects.create(name="ds-project", categories=["a", "b"])


@pytest.fixture
def instruction_version(project):
    return InstructionVersion.objects.create(project=project, version=1, body="Label a or b.")


@pytest.fixture
def labeled_project(project, raters):
    add_labeled_items(project, raters[:3], {f"item-{n:03d}": "a" if n % 3 else "b" for n in range(30)})
    return project


@pytest.fixture
def dataset(labeled_project):
    return dataset_create(name="ds-human", project_ids=[labeled_project.pk], max_label_age=timedelta(days=1))


def add_direct_labels(model: str, rows: list[dict], *, rule_version: int = 1):
    """Final direct labels of `model`; each dict gives request_id, label, user_id and features."""
    from feedback.models import DirectLabel, InferenceRequest, LabelRule

    rule, _ = LabelRule.objects.get_or_create(
        model=model,
        version=rule_version,
        defaults={
            "window": timedelta(hours=1),
            "grace": timedelta(minutes=5),
            "positive_events": {"click": 1},
            "late_policy": "ignore",
            "orphan_ttl": timedelta(hours=1),
        },
    )
    now = timezone.now()
    labels = []
    for row in rows:
        request = InferenceRequest.objects.create(
            request_id=row["request_id"], state="closed", model=model, model_version="m-1", served_at=now,
            features=row["features"], user_id=row.get("user_id"), rule=rule, first_seen_at=now,
        )  # fmt: skip
        labels.append(
            DirectLabel.objects.create(
                request=request,
                version=1,
                is_current=True,
                is_final=True,
                label=row["label"],
                weight=1.0,
                source="feedback",
                rule=rule,
                rule_version=rule.version,
                window_start=now - timedelta(hours=1),
                window_end=now,
                model=model,
                model_version="m-1",
                features=row["features"],
                user_id=row.get("user_id"),
                feedback_event_ids=row.get("events", []),
                downsampling_rate=0.5,
                created_at=now,
                updated_at=now,
            )  # fmt: skip
        )
    return labels

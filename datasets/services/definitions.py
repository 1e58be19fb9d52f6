"""Dataset definitions: the mutable recipe a version is built from.

The gold policy says what a build does with the projects' quality-control gold items: `exclude`
(the default) leaves them out; `known_answer` exports each with its known answer as the label and
`source = "gold"`. Gold is never exported as a crowd label: it never has a resolution to export.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from config.exceptions import ApplicationError, ConflictError
from datasets.models import Dataset, GoldPolicy
from labeling.models import Project

FRACTION_TOLERANCE = 1e-6


@transaction.atomic
def dataset_create(
    *,
    name: str,
    project_ids: list[int] | None = None,
    direct_model: str = "",
    direct_rule_version: int | None = None,
    description: str = "",
    label_from: datetime | None = None,
    label_to: datetime | None = None,
    min_confidence: float | None = None,
    instruction_versions: list[int] | None = None,
    adjudicated_only: bool = False,
    exclude_erased_users: bool = True,
    train_fraction: float = 0.8,
    validation_fraction: float = 0.1,
    test_fraction: float = 0.1,
    split_seed: str = "",
    max_label_age: timedelta | None = None,
    drift_threshold: float = 0.1,
    gold: str = GoldPolicy.EXCLUDE,
    created_by=None,
) -> Dataset:
    gold = _gold_policy(gold)
    if Dataset.objects.filter(name=name).exists():
        raise ConflictError("A dataset with this name exists", {"name": name})
    project_ids = sorted(set(project_ids or []))
    projects = list(Project.objects.filter(pk__in=project_ids))
    if len(projects) != len(project_ids):
        missing = sorted(set(project_ids) - {project.pk for project in projects})
        raise ApplicationError("Unknown projects", {"project_ids": missing})
    if not projects and not direct_model:
        raise ApplicationError("A dataset needs a source: projects or a direct-label model")
    fractions = (train_fraction, validation_fraction, test_fraction)
    if min(fractions) < 0 or abs(sum(fractions) - 1.0) > FRACTION_TOLERANCE:
        raise ApplicationError("Split fractions must be non-negative and sum to 1", {"fractions": fractions})
    if label_from and label_to and label_from >= label_to:
        raise ApplicationError("label_from must be before label_to")
    dataset = Dataset.objects.create(
        name=name,
        description=description,
        direct_model=direct_model,
        direct_rule_version=direct_rule_version,
        label_from=label_from,
        label_to=label_to,
        min_confidence=min_confidence,
        instruction_versions=sorted(set(instruction_versions or [])),
        adjudicated_only=adjudicated_only,
        exclude_erased_users=exclude_erased_users,
        train_fraction=train_fraction,
        validation_fraction=validation_fraction,
        test_fraction=test_fraction,
        split_seed=split_seed,
        max_label_age=max_label_age,
        drift_threshold=drift_threshold,
        gold=gold,
        created_by=created_by,
    )
    dataset.projects.set(projects)
    return dataset


def _gold_policy(gold: str) -> str:
    if gold not in GoldPolicy.values:
        raise ApplicationError(
            "Unknown gold policy", {"code": "unknown_gold_policy", "gold": gold, "allowed": GoldPolicy.values}
        )
    return gold


@transaction.atomic
def dataset_gold_policy_set(*, dataset: Dataset, gold: str) -> Dataset:
    """Change what later builds do with gold items; built versions keep the policy they recorded."""
    gold = _gold_policy(gold)
    Dataset.objects.filter(pk=dataset.pk).update(gold=gold)
    dataset.gold = gold
    return dataset

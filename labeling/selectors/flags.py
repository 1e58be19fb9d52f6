"""Reads of rater flags: per item and per instructions version for staff, a rater's own flags and replies."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from labeling.models import FlagReason, ItemFlag, Project


def flags_for_project(*, project: Project) -> QuerySet[ItemFlag]:
    return (
        ItemFlag.objects.filter(project=project)
        .select_related("item", "instruction_version", "replied_by")
        .order_by("-created_at", "-id")
    )


def flags_of_rater(*, rater, project: Project | None = None) -> QuerySet[ItemFlag]:
    """A rater's own flags with staff replies (never anyone else's)."""
    flags = ItemFlag.objects.filter(rater=rater).select_related("project", "instruction_version")
    if project is not None:
        flags = flags.filter(project=project)
    return flags.order_by("-created_at", "-id")


@dataclass(frozen=True)
class VersionFlags:
    version: int | None
    counts: dict[str, int]
    unclear_signal: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def flags_by_version(*, project: Project) -> list[VersionFlags]:
    """Flag counts by reason per instructions version; `unclear_signal` when "unclear" reaches the threshold."""
    reasons = FlagReason.values
    rows = (
        ItemFlag.objects.filter(project=project)
        .values("instruction_version__version")
        .annotate(**{r: Count("id", filter=Q(reason=r)) for r in reasons})
        .order_by("instruction_version__version")
    )
    threshold = max(project.flag_unclear_threshold, 1)
    return [
        VersionFlags(
            version=row["instruction_version__version"],
            counts={r: row[r] for r in reasons},
            unclear_signal=row[FlagReason.UNCLEAR] >= threshold,
        )
        for row in rows
    ]


def flags_by_item(*, project: Project, limit: int = 200) -> list[dict]:
    """Items with the most flags first: id, external id, counts by reason."""
    rows = (
        ItemFlag.objects.filter(project=project)
        .values("item_id", "item__external_id")
        .annotate(total=Count("id"), **{r: Count("id", filter=Q(reason=r)) for r in FlagReason.values})
        .order_by("-total", "item_id")[:limit]
    )
    return list(rows)

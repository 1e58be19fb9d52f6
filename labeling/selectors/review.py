"""Reads of the review pass: the reviewer's queue, a rater's open rework, pseudonyms, accept rates, history."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from labeling.models import Annotation, AnnotationRevision, Project, Review, ReviewState

_PSEUDONYM_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def rater_pseudonym(*, project_id: int, rater_id: int) -> str:
    """A stable per-project name for a rater: an HMAC of (project, rater) under the secret key.

    Not the username and not derivable from ids without the key; a different name on every project, so
    reviewers cannot follow a rater across projects.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"pseudonym:{project_id}:{rater_id}".encode(), hashlib.sha256
    ).digest()
    return "Rater " + "".join(_PSEUDONYM_LETTERS[b % len(_PSEUDONYM_LETTERS)] for b in digest[:6])


def review_queue(*, project: Project, reviewer) -> QuerySet[Review]:
    """Pending reviews this reviewer may decide, oldest first. Their own labels are never offered."""
    return (
        Review.objects.filter(project=project, state=ReviewState.PENDING)
        .exclude(annotation__rater=reviewer)
        .select_related("annotation__item", "annotation__instruction_version")
        .order_by("sampled_at", "id")
    )


def rework_open(*, project: Project, rater) -> Review | None:
    """The rater's oldest rejected label not yet corrected (served before new work)."""
    return (
        Review.objects.filter(
            project=project, annotation__rater=rater, state=ReviewState.REJECTED, rework_done_at__isnull=True
        )
        .select_related("annotation__item", "annotation__instruction_version", "project")
        .order_by("decided_at", "id")
        .first()
    )


def rework_for_task(*, task_id: str, rater) -> Review | None:
    """The rater's own rework behind a task id, or None (not a rework id, or someone else's)."""
    try:
        key = uuid.UUID(str(task_id))
    except (ValueError, AttributeError):
        return None
    return (
        Review.objects.filter(rework_task_id=key, annotation__rater=rater, state=ReviewState.REJECTED)
        .select_related("annotation__item", "project")
        .first()
    )


@dataclass(frozen=True)
class AcceptRate:
    rater_id: int
    name: str
    accepted: int
    rejected: int

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def accept_rate(self) -> float | None:
        return self.accepted / self.decided if self.decided else None


def review_accept_rates(*, project: Project, reveal: bool = False) -> list[AcceptRate]:
    """Accept rate per rater over decided reviews; names are pseudonyms unless `reveal`."""
    rows = (
        Review.objects.filter(project=project, state__in=[ReviewState.ACCEPTED, ReviewState.REJECTED])
        .values("annotation__rater_id", "annotation__rater__username")
        .annotate(
            accepted=Count("id", filter=Q(state=ReviewState.ACCEPTED)),
            rejected=Count("id", filter=Q(state=ReviewState.REJECTED)),
        )
        .order_by("annotation__rater_id")
    )
    return [
        AcceptRate(
            rater_id=row["annotation__rater_id"],
            name=row["annotation__rater__username"]
            if reveal
            else rater_pseudonym(project_id=project.pk, rater_id=row["annotation__rater_id"]),
            accepted=row["accepted"],
            rejected=row["rejected"],
        )
        for row in rows
    ]


def review_counts(*, project: Project) -> dict[str, int]:
    """Reviews by state, and rework tasks still open."""
    counts = Review.objects.filter(project=project).aggregate(
        pending=Count("id", filter=Q(state=ReviewState.PENDING)),
        accepted=Count("id", filter=Q(state=ReviewState.ACCEPTED)),
        rejected=Count("id", filter=Q(state=ReviewState.REJECTED)),
        rework_open=Count("id", filter=Q(state=ReviewState.REJECTED, rework_done_at__isnull=True)),
    )
    return {k: v or 0 for k, v in counts.items()}


def annotation_history(*, annotation: Annotation) -> list[dict]:
    """The label's versions, oldest first: each replaced value with the rejection that replaced it, then now."""
    revisions = AnnotationRevision.objects.filter(annotation=annotation).select_related("review").order_by("id")
    history = [
        {
            "value": r.value,
            "labeled_at": r.labeled_at,
            "replaced_at": r.replaced_at,
            "rejected_comment": r.review.comment,
            "current": False,
        }
        for r in revisions
    ]
    history.append({"value": annotation.value, "labeled_at": None, "replaced_at": None, "current": True})
    return history


def rater_rejection_counts(*, project: Project, rater, since=None) -> tuple[int, int]:
    """(decided, rejected) reviews of this rater's labels, decided after `since` when given (pause rules)."""
    reviews = Review.objects.filter(
        project=project, annotation__rater=rater, state__in=[ReviewState.ACCEPTED, ReviewState.REJECTED]
    )
    if since is not None:
        reviews = reviews.filter(decided_at__gt=since)
    counts = reviews.aggregate(n=Count("id"), rejected=Count("id", filter=Q(state=ReviewState.REJECTED)))
    return counts["n"], counts["rejected"]

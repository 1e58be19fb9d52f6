"""Per-rater quality metrics on a project: gold accuracy, speed, agreement with consensus, reliability."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from django.db.models import Aggregate, Count, Exists, FloatField, OuterRef, Q, Sum

from labeling.models import Annotation, AnnotationSource, Project, ProjectMembership, Resolution, Role
from labeling.selectors.agreement import rater_reliability
from labeling.selectors.review import rater_rejection_counts
from raters.conf import feedback_block
from raters.models import EarningsEntry, GoldCheck, RaterStatusEvent, StatusAction

logger = logging.getLogger(__name__)


class Median(Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass
class RaterMetrics:
    user_id: int
    answers: int
    gold_answered: int
    gold_correct: int
    gold_accuracy: float | None
    median_seconds: float | None
    fast_answers: int
    fast_share: float | None
    agreement_with_consensus: float | None = None
    reliability: float | None = None
    earnings_cents: int = 0
    reviews_decided: int = 0
    reviews_rejected: int = 0

    @property
    def reject_share(self) -> float | None:
        return self.reviews_rejected / self.reviews_decided if self.reviews_decided else None

    def as_dict(self) -> dict:
        return asdict(self)


def _annotations(*, project: Project):
    return Annotation.objects.filter(project=project).exclude(source=AnnotationSource.IMPORT)


def rater_metrics(*, project: Project, user, since=None, with_median: bool = True) -> RaterMetrics:
    """The numbers the pause rules look at; cheap enough to run after every annotation.

    Times are the server's (`time_spent_ms`, lease granted to submit); the client's own figure is never read.

    `since` limits them to answers after that moment (the pause rules look only at answers after a reinstatement).
    """
    fast_ms = project.fast_answer_seconds * 1000
    answers = _annotations(project=project).filter(rater=user)
    golds = GoldCheck.objects.filter(project=project, rater=user)
    if since is not None:
        answers = answers.filter(created_at__gt=since)
        golds = golds.filter(created_at__gt=since)
    aggregates = {
        "answers": Count("id"),
        "fast": Count("id", filter=Q(time_spent_ms__isnull=False, time_spent_ms__lt=fast_ms)),
        "timed": Count("id", filter=Q(time_spent_ms__isnull=False)),
    }
    if with_median:  # a sort over all the rater's answers: not needed by the per-annotation hook
        aggregates["median_ms"] = Median("time_spent_ms")
    answer_stats = answers.aggregate(**aggregates)
    gold = golds.aggregate(n=Count("id"), correct=Count("id", filter=Q(is_correct=True)))
    timed = answer_stats["timed"]
    decided, rejected = rater_rejection_counts(project=project, rater=user, since=since)
    return RaterMetrics(
        user_id=user.pk,
        answers=answer_stats["answers"],
        gold_answered=gold["n"],
        gold_correct=gold["correct"],
        gold_accuracy=(gold["correct"] / gold["n"]) if gold["n"] else None,
        median_seconds=(answer_stats["median_ms"] / 1000) if answer_stats.get("median_ms") is not None else None,
        fast_answers=answer_stats["fast"],
        fast_share=(answer_stats["fast"] / timed) if timed else None,
        reviews_decided=decided,
        reviews_rejected=rejected,
    )


def rater_settled_gold(*, project: Project, user) -> dict:
    """Gold accuracy over the rater's completed feedback blocks only (what the rater may see)."""
    block = feedback_block()
    answers = _annotations(project=project).filter(rater=user).order_by("id").values_list("id", flat=True)
    total = answers.count()
    settled = total - total % block
    if settled == 0:
        return {"settled_tasks": 0, "gold_answered": 0, "gold_correct": 0, "gold_accuracy": None, "block": block}
    cutoff = answers[settled - 1]
    gold = GoldCheck.objects.filter(project=project, rater=user, annotation_id__lte=cutoff).aggregate(
        n=Count("id"), correct=Count("id", filter=Q(is_correct=True))
    )
    return {
        "settled_tasks": settled,
        "gold_answered": gold["n"],
        "gold_correct": gold["correct"],
        "gold_accuracy": gold["correct"] / gold["n"] if gold["n"] else None,
        "block": block,
    }


def _consensus_agreement(*, project: Project) -> dict[int, float]:
    """Share of each rater's answers that equal the item's current resolved label (items with a resolution)."""
    current = Resolution.objects.filter(item=OuterRef("item"), is_current=True, label__isnull=False)
    matching = current.filter(label=OuterRef("value"))
    rows = (
        _annotations(project=project)
        .filter(Exists(current))
        .values("rater_id")
        .annotate(n=Count("id"), agree=Count("id", filter=Exists(matching)))
    )
    return {row["rater_id"]: row["agree"] / row["n"] for row in rows if row["n"]}


def _reliability(*, project: Project) -> dict[int, float]:
    """Reliability estimated by the aggregation model (labeling.selectors.agreement)."""
    try:
        return {int(k): float(v) for k, v in (rater_reliability(project=project) or {}).items()}
    except Exception:  # noqa: BLE001 - a failing estimate must not take the quality page down
        logger.exception("rater_reliability failed for project %s", project.pk)
        return {}


def project_rater_quality(*, project: Project) -> list[dict]:
    """One row per rater member: metrics, earnings, status and the latest pause reason (staff view)."""
    memberships = ProjectMembership.objects.filter(project=project, role=Role.RATER).select_related("user")
    agreement = _consensus_agreement(project=project)
    reliability = _reliability(project=project)
    earnings = dict(
        EarningsEntry.objects.filter(project=project)
        .values("user_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("user_id", "total")
    )
    rows = []
    for membership in memberships:
        metrics = rater_metrics(project=project, user=membership.user)
        metrics.agreement_with_consensus = agreement.get(membership.user_id)
        metrics.reliability = reliability.get(membership.user_id)
        metrics.earnings_cents = earnings.get(membership.user_id, 0)
        row = metrics.as_dict()
        profile = getattr(membership.user, "rater_profile", None)
        row.update(
            username=membership.user.get_username(),
            pseudonym=profile.pseudonym if profile else "",
            status=membership.status,
            is_qualified=membership.is_qualified,
            pause_reason=membership.pause_reason,
            paused_at=membership.paused_at,
        )
        rows.append(row)
    return rows


def rules_window_start(*, project: Project, user):
    """When the pause rules start counting: the latest reinstatement, or the beginning."""
    return (
        RaterStatusEvent.objects.filter(project=project, user=user, action=StatusAction.REINSTATED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def rater_pause_history(*, project: Project, user, limit: int = 10):
    return RaterStatusEvent.objects.filter(
        project=project, user=user, action__in=[StatusAction.PAUSED, StatusAction.REINSTATED]
    ).order_by("-created_at")[:limit]

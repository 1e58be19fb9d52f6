"""Per-annotation quality control and pay. Called by the annotation service inside its transaction.

Also the one write path for pausing and reinstating a rater on a project.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from config.exceptions import ApplicationError, NotFoundError
from labeling.models import Annotation, MembershipStatus, Project, ProjectMembership
from raters.events import rater_paused_emit
from raters.models import RaterStatusEvent, StatusAction
from raters.scoring import answer_matches
from raters.selectors.quality import RaterMetrics, rater_metrics, rules_window_start
from raters.services.earnings import earnings_record_annotation, earnings_record_gold_bonus

# The score row of a gold answer; for a regular item the SELECT finds no gold row and nothing is written.
_GOLD_CHECK_SQL = """
INSERT INTO raters_goldcheck (annotation_id, project_id, rater_id, item_id, is_correct, created_at)
SELECT a.id, a.project_id, a.rater_id, i.id, %(correct)s, now()
FROM labeling_annotation a JOIN labeling_item i ON i.id = a.item_id
WHERE a.id = %(annotation)s AND i.id = %(item)s AND i.is_gold
ON CONFLICT DO NOTHING
"""


def pause_reasons(*, project: Project, metrics: RaterMetrics) -> list[str]:
    """The project's pause rules, applied to a rater's metrics. Empty when the rater is in good standing."""
    reasons = []
    if (
        project.pause_gold_accuracy_below is not None
        and metrics.gold_answered >= max(project.pause_min_gold, 1)
        and metrics.gold_accuracy is not None
        and metrics.gold_accuracy < project.pause_gold_accuracy_below
    ):
        reasons.append(
            f"gold accuracy {metrics.gold_accuracy:.0%} over {metrics.gold_answered} check items "
            f"is below the project's minimum of {project.pause_gold_accuracy_below:.0%}"
        )
    if (
        project.pause_fast_share_above is not None
        and metrics.answers >= max(project.pause_min_answers, 1)
        and metrics.fast_share is not None
        and metrics.fast_share > project.pause_fast_share_above
    ):
        reasons.append(
            f"{metrics.fast_share:.0%} of your {metrics.answers} answers took under "
            f"{project.fast_answer_seconds:g} s (the project allows at most {project.pause_fast_share_above:.0%})"
        )
    if (
        project.pause_reject_share_above is not None
        and metrics.reviews_decided >= max(project.pause_min_answers, 1)
        and metrics.reject_share is not None
        and metrics.reject_share > project.pause_reject_share_above
    ):
        reasons.append(
            f"reviewers rejected {metrics.reject_share:.0%} of your {metrics.reviews_decided} reviewed answers "
            f"(the project allows at most {project.pause_reject_share_above:.0%})"
        )
    return reasons


@transaction.atomic(savepoint=False)  # runs inside the review decision's transaction
def quality_after_review(*, project: Project, rater_id: int) -> None:
    """Apply the pause rules after a reviewer's decision: rejections count against the rater like gold misses."""
    from django.contrib.auth import get_user_model

    ProjectMembership.objects.select_for_update().filter(project=project, user_id=rater_id).first()
    user = get_user_model().objects.get(pk=rater_id)
    since = rules_window_start(project=project, user=user)
    metrics = rater_metrics(project=project, user=user, since=since, with_median=False)
    reasons = pause_reasons(project=project, metrics=metrics)
    if reasons:
        rater_pause(
            project=project,
            user=user,
            reason="Paused automatically: " + "; ".join(reasons) + ".",
            metrics=metrics.as_dict(),
        )


@transaction.atomic(savepoint=False)  # runs inside the submit's transaction; a failure aborts the submit
def quality_after_annotation(*, annotation: Annotation) -> None:
    """Score gold answers, pay, and pause the rater when a project rule is broken."""
    item = annotation.item
    project = annotation.project
    if item.is_exam or item.is_practice:
        return
    # One rater's bookkeeping at a time (block bonus, pause): lock their membership row.
    ProjectMembership.objects.select_for_update().filter(project=project, user_id=annotation.rater_id).first()
    earnings_record_annotation(annotation=annotation)

    # One statement for gold and regular answers alike (it writes a row only for gold), so the time a submit
    # takes does not tell the rater which item was gold (docs/adr/0008-gold-stays-blind.md).
    correct = item.is_gold and answer_matches(project=project, value=annotation.value, expected=item.gold_value)
    with connection.cursor() as cursor:
        cursor.execute(_GOLD_CHECK_SQL, {"annotation": annotation.pk, "item": item.pk, "correct": correct})

    earnings_record_gold_bonus(annotation=annotation)

    since = rules_window_start(project=project, user=annotation.rater)
    metrics = rater_metrics(project=project, user=annotation.rater, since=since, with_median=False)

    reasons = pause_reasons(project=project, metrics=metrics)
    if reasons:
        rater_pause(
            project=project,
            user=annotation.rater,
            reason="Paused automatically: " + "; ".join(reasons) + ".",
            metrics=metrics.as_dict(),
        )


@transaction.atomic
def rater_pause(*, project: Project, user, reason: str, metrics: dict | None = None, actor=None) -> bool:
    """Pause a rater on a project and release their open leases. Returns False if already paused.

    Locks the membership row so two concurrent annotations cannot pause (and log) twice.
    """
    from labeling.services.assignment import leases_release_for_rater

    membership = ProjectMembership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is None:
        raise NotFoundError("This user is not a member of the project.", extra={"code": "not_a_member"})
    if membership.status != MembershipStatus.ACTIVE:
        return False
    membership.status = MembershipStatus.PAUSED
    membership.pause_reason = reason
    membership.paused_at = timezone.now()
    membership.save(update_fields=["status", "pause_reason", "paused_at"])
    RaterStatusEvent.objects.create(
        project=project, user=user, action=StatusAction.PAUSED, reason=reason, metrics=metrics or {}, actor=actor
    )
    rater_paused_emit(project=project, user=user, reason=reason, metrics=metrics, actor=actor)
    leases_release_for_rater(project=project, rater=user)
    return True


@transaction.atomic
def rater_reinstate(*, project: Project, user, actor, note: str = "") -> ProjectMembership:
    """Staff lift a pause. The metrics that caused it stay; the rules apply again from the next answer."""
    membership = ProjectMembership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is None:
        raise NotFoundError("This user is not a member of the project.", extra={"code": "not_a_member"})
    if membership.status != MembershipStatus.PAUSED:
        raise ApplicationError("This rater is not paused.", extra={"code": "not_paused"})
    membership.status = MembershipStatus.ACTIVE
    membership.pause_reason = ""
    membership.paused_at = None
    membership.save(update_fields=["status", "pause_reason", "paused_at"])
    RaterStatusEvent.objects.create(
        project=project, user=user, action=StatusAction.REINSTATED, reason=note or "Reinstated by staff.", actor=actor
    )
    return membership


def quality_recheck_project(*, project: Project, progress=None) -> list[int]:
    """Apply the project's pause rules to every active rater (after the rules changed). Returns paused ids.

    One transaction per rater, so a long recheck never holds many locks at once.
    """
    paused = []
    memberships = ProjectMembership.objects.filter(project=project, status=MembershipStatus.ACTIVE, role="rater")
    for membership in memberships.select_related("user").iterator():
        since = rules_window_start(project=project, user=membership.user)
        metrics = rater_metrics(project=project, user=membership.user, since=since, with_median=False)
        reasons = pause_reasons(project=project, metrics=metrics)
        if reasons and rater_pause(
            project=project,
            user=membership.user,
            reason="Paused on review: " + "; ".join(reasons) + ".",
            metrics=metrics.as_dict(),
        ):
            paused.append(membership.user_id)
        if progress is not None:
            progress(1)
    return paused

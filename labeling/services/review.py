"""The review pass: the one write path for Review rows (docs/adr/0024-review-pass-and-rework.md).

Which answers are reviewed is drawn here, at submit, on the server; nothing in the rater's responses
depends on the draw. A decision is taken once, under the review row's lock.
"""

from __future__ import annotations

import random
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import Annotation, Review, ReviewMode, ReviewState
from labeling.selectors.projects import user_can_review

MAX_COMMENT = 2000
OUTCOMES = {"accept": ReviewState.ACCEPTED, "reject": ReviewState.REJECTED}


# One statement for every answer while review is on, drawn or not, gold or not (it writes a row only for a
# drawn crowd answer), so the submit's work says nothing about the draw or about gold (ADR 0008, ADR 0024).
_DRAW_SQL = """
INSERT INTO labeling_review (
    project_id, annotation_id, round, state, reviewer_id, comment, sampled_at, decided_at,
    rework_served_at, rework_done_at
)
SELECT a.project_id, a.id, %(round)s, 'pending', NULL, '', %(now)s, NULL, NULL, NULL
FROM labeling_annotation a JOIN labeling_item i ON i.id = a.item_id
WHERE a.id = %(annotation)s AND %(drawn)s AND NOT i.is_gold AND NOT i.is_exam AND NOT i.is_practice
RETURNING id
"""


def review_draw(*, annotation: Annotation, round_number: int = 1) -> int | None:
    """Put the annotation in the review queue when the project's draw says so; the new review's id, or None.

    Runs in the submit's transaction. Gold, exam and practice answers are scored by their known answer and
    never drawn.
    """
    project = annotation.project
    if project.review_mode == ReviewMode.OFF:
        return None
    drawn = project.review_mode == ReviewMode.ALL or random.random() < project.review_share  # noqa: S311 - sampling
    with connection.cursor() as cursor:
        cursor.execute(
            _DRAW_SQL, {"round": round_number, "now": timezone.now(), "annotation": annotation.pk, "drawn": drawn}
        )
        row = cursor.fetchone()
    return row[0] if row else None


@transaction.atomic
def review_decide(*, review_id: int, reviewer: Any, outcome: str, comment: str = "") -> Review:
    """Accept or reject one pending review. A rejection needs a comment and opens rework for the rater.

    Refusals, all before any write: not a reviewer of the project (403 `reviewer_only`), the reviewer's own
    label (403 `own_label`), decided already (409 `already_decided`), unknown outcome (400 `invalid_outcome`),
    a rejection without a comment (400 `comment_required`).
    """
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("annotation", "project")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise NotFoundError("No such review.", extra={"code": "review_not_found"})
    project = review.project
    if not user_can_review(project=project, user=reviewer):
        raise ForbiddenError("Only staff or the project's reviewers may review.", extra={"code": "reviewer_only"})
    if review.annotation.rater_id == reviewer.pk:
        raise ForbiddenError("You cannot review your own label.", extra={"code": "own_label"})
    if review.state != ReviewState.PENDING:
        raise ConflictError(
            "This answer was already reviewed.", extra={"code": "already_decided", "state": review.state}
        )
    if outcome not in OUTCOMES:
        raise ApplicationError(
            "outcome must be accept or reject.",
            extra={"code": "invalid_outcome", "fields": {"outcome": "accept or reject."}},
        )
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if outcome == "reject" and not comment:
        raise ApplicationError(
            "Say what is wrong: the rater sees your comment.",
            extra={"code": "comment_required", "fields": {"comment": "Required to reject."}},
        )
    if len(comment) > MAX_COMMENT:
        raise ApplicationError(
            "The comment is too long.",
            extra={"code": "comment_too_long", "fields": {"comment": f"At most {MAX_COMMENT} characters."}},
        )
    review.state = OUTCOMES[outcome]
    review.reviewer = reviewer
    review.comment = comment
    review.decided_at = timezone.now()
    review.save(update_fields=["state", "reviewer", "comment", "decided_at"])

    from raters.services.quality import quality_after_review

    quality_after_review(project=project, rater_id=review.annotation.rater_id)
    return review


def review_rework_served(*, review: Review) -> None:
    """Start the rework clock the first time the task is shown (the time-based rules read it)."""
    if review.rework_served_at is None:
        review.rework_served_at = timezone.now()
        Review.objects.filter(pk=review.pk, rework_served_at__isnull=True).update(
            rework_served_at=review.rework_served_at
        )


def review_rework_done(*, review: Review, now: Any) -> None:
    """Close the rework; the caller holds the review's lock and has stored the corrected label."""
    review.rework_done_at = now
    review.save(update_fields=["rework_done_at"])

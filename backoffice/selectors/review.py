"""The review and flags pages: each figure comes from the labeling app's one selector for it."""

from __future__ import annotations

from backoffice.charts.bars import bar_chart, stacked_bar_chart
from backoffice.charts.base import PALETTE, fmt_percent
from labeling.models import FlagReason, Project, Review, ReviewState
from labeling.selectors.flags import flags_by_item, flags_by_version, flags_for_project
from labeling.selectors.review import (
    annotation_history,
    rater_pseudonym,
    review_accept_rates,
    review_counts,
    review_queue,
)
from labeling.selectors.skip_codes import skip_code_counts

QUEUE_SHOWN = 20
REWORKED_SHOWN = 10


def _reveal(*, project: Project, user) -> bool:
    return bool(project.review_reveal_identity and user.is_staff)


def _name(review: Review, reveal: bool) -> str:
    rater = review.annotation.rater
    return rater.username if reveal else rater_pseudonym(project_id=review.project_id, rater_id=rater.pk)


def review_page(*, project: Project, user) -> dict:
    reveal = _reveal(project=project, user=user)
    queue = list(review_queue(project=project, reviewer=user).select_related("annotation__rater")[:QUEUE_SHOWN])
    rates = review_accept_rates(project=project, reveal=reveal)
    skips = skip_code_counts(project=project)
    reworked = (
        Review.objects.filter(project=project, state=ReviewState.REJECTED, rework_done_at__isnull=False)
        .select_related("annotation__rater", "annotation__item")
        .order_by("-rework_done_at")[:REWORKED_SHOWN]
    )
    return {
        "counts": review_counts(project=project),
        "queue": [
            {"review": r, "rater": _name(r, reveal), "history": annotation_history(annotation=r.annotation)}
            for r in queue
        ],
        "reworked": [
            {"review": r, "rater": _name(r, reveal), "history": annotation_history(annotation=r.annotation)}
            for r in reworked
        ],
        "reveal": reveal,
        "charts": {
            "accept": bar_chart(
                title="Accept rate per rater",
                labels=[r.name for r in rates],
                values=[r.accept_rate for r in rates],
                y_format=fmt_percent,
                y_min=0,
                y_max=1,
                colors=[PALETTE[2]] * len(rates),
                notes=[f"{r.accepted} accepted, {r.rejected} rejected" for r in rates],
            ),
            "skips": bar_chart(
                title="Skips per reason",
                labels=[label for _, label, _ in skips],
                values=[n for _, _, n in skips],
                y_label="skips",
            ),
        },
    }


def flags_page(*, project: Project) -> dict:
    versions = flags_by_version(project=project)
    reasons = FlagReason.values
    return {
        "versions": versions,
        "signals": [v for v in versions if v.unclear_signal],
        "items": flags_by_item(project=project),
        "flags": list(flags_for_project(project=project)[:200]),
        "reasons": FlagReason.choices,
        "chart": stacked_bar_chart(
            title="Flags per instructions version",
            labels=[f"v{v.version}" if v.version is not None else "none" for v in versions],
            series=[(FlagReason(r).label.split(" (")[0], [v.counts[r] for v in versions]) for r in reasons],
            y_label="flags",
        ),
    }

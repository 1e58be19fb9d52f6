"""What adaptive overlap did on a project: items by stop reason, raters used, labels saved against the maximum."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Sum

from labeling.models import ItemOverlapDecision, Project


def project_overlap_summary(*, project: Project) -> dict[str, Any]:
    """One figure per question a label-ops lead asks: how many items stopped why, at what cost."""
    decisions = ItemOverlapDecision.objects.filter(project=project, item__is_gold=False)
    by_reason = dict(decisions.values_list("reason").annotate(n=Count("id")).order_by("reason"))
    totals = decisions.aggregate(items=Count("id"), labels=Sum("raters_used"), mean=Avg("raters_used"))
    done = decisions.filter(outcome="done").aggregate(items=Count("id"), labels=Sum("raters_used"))
    at_max = (done["items"] or 0) * project.overlap_max
    return {
        "overlap_policy": project.overlap_policy,
        "overlap_min": project.overlap_min,
        "overlap_max": project.overlap_max,
        "overlap_target": project.overlap_target,
        "items_decided": totals["items"] or 0,
        "items_done": done["items"] or 0,
        "by_reason": by_reason,
        "labels_used": totals["labels"] or 0,
        "mean_raters_used": round(float(totals["mean"]), 3) if totals["mean"] is not None else None,
        # Labels the finished items would have cost at the maximum, and the share adaptive overlap spent.
        "labels_at_max": at_max,
        "share_of_max": round((done["labels"] or 0) / at_max, 4) if at_max else None,
    }

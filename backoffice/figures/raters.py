"""Heavy figures of the raters page: the rater lifecycle's per-rater quality rows and rater-pair agreement.

Gold accuracy (GoldCheck), speed, agreement with consensus, reliability, earnings (the ledger) and status
are the rater lifecycle's own figures (raters.selectors.quality); pair agreement and each rater's
confusion matrix are the agreement part's (labeling.selectors.agreement). Only label counts and
first/last label times are read here: counts, not rules.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min

from labeling.models import Annotation, Project
from labeling.selectors.agreement import agreement_report, confusion_matrix
from raters.selectors.quality import project_rater_quality

PAIR_RATERS = 20


def pair_agreement(*, pairs: list[dict], keep: int = PAIR_RATERS) -> dict:
    """The agreement report's rater pairs as a matrix over the raters who share the most items."""
    shared: dict[int, int] = {}
    for pair in pairs:
        for rater in (pair["rater_a"], pair["rater_b"]):
            shared[rater] = shared.get(rater, 0) + pair["shared_units"]
    chosen = sorted(sorted(shared, key=lambda r: (-shared[r], r))[:keep])
    position = {r: i for i, r in enumerate(chosen)}
    size = len(chosen)
    agreement: list[list[float | None]] = [[None] * size for _ in range(size)]
    counts: list[list[int | None]] = [[None] * size for _ in range(size)]
    for pair in pairs:
        a, b = position.get(pair["rater_a"]), position.get(pair["rater_b"])
        if a is not None and b is not None:
            agreement[a][b] = agreement[b][a] = pair["percent_agreement"]
            counts[a][b] = counts[b][a] = pair["shared_units"]
    for i in range(size):
        agreement[i][i] = 1.0
    names = dict(get_user_model().objects.filter(pk__in=chosen).values_list("pk", "username"))
    return {"raters": chosen, "names": [names.get(r, str(r)) for r in chosen], "agreement": agreement, "pairs": counts}


def rater_figures(*, project: Project) -> dict:
    """One row per rater member (the lifecycle's figures) with their label counts, and the pair heatmap."""
    labels = {
        row["rater_id"]: row
        for row in Annotation.objects.filter(project=project)
        .values("rater_id")
        .annotate(annotations=Count("id"), first_at=Min("created_at"), last_at=Max("created_at"))
    }
    raters = []
    for quality in project_rater_quality(project=project):
        counts = labels.get(quality["user_id"], {})
        raters.append(
            {
                "rater_id": quality["user_id"],
                "username": quality["username"],
                "pseudonym": quality["pseudonym"],
                "annotations": counts.get("annotations", 0),
                "answers": quality["answers"],
                "gold_answers": quality["gold_answered"],
                "gold_accuracy": quality["gold_accuracy"],
                "consensus_agreement": quality["agreement_with_consensus"],
                "reliability": quality["reliability"],
                "median_seconds": quality["median_seconds"],
                "fast_share": quality["fast_share"],
                "status": quality["status"],
                "pause_reason": quality["pause_reason"] or "",
                "earnings_cents": quality["earnings_cents"],
                "first_at": counts.get("first_at"),
                "last_at": counts.get("last_at"),
            }
        )
    report = agreement_report(project=project, bootstrap=0)
    # Per-rater confusion is read here, once per precompute, so the drill-down never loads the whole project.
    confusion = confusion_matrix(project=project)
    return {
        "raters": raters,
        "pairs": pair_agreement(pairs=report.get("per_rater_pair", [])),
        "confusion": {
            "labels": confusion["labels"] if confusion["applicable"] else [],
            "per_rater": confusion["per_rater"] if confusion["applicable"] else {},
        },
    }
